// The official openai SDK, unmodified, against nanosim's crazyrouter (seed 002): only the base URL and key change.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import OpenAI from 'openai';

import { startNanosim } from '../../client/node/index.mjs';

const apiKey = 'sk-nanosim-test';
let server;
let client;

before(async () => {
  server = await startNanosim({ apiKeys: [apiKey] });
  client = new OpenAI({ apiKey, baseURL: `${server.baseUrl}/crazyrouter/v1`, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

/// Width and height from a JPEG's start-of-frame marker.
function jpegSize(bytes) {
  assert.equal(bytes[0], 0xff);
  assert.equal(bytes[1], 0xd8, 'not a JPEG (no SOI marker)');
  let offset = 2;
  while (offset + 9 < bytes.length) {
    assert.equal(bytes[offset], 0xff, `no JPEG marker at ${offset}`);
    const marker = bytes[offset + 1];
    const length = bytes.readUInt16BE(offset + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  throw new Error('no JPEG start-of-frame marker');
}

test('images.generate with the seed example answers a URL to a 1376x768 JPEG', async () => {
  const response = await client.images.generate({
    model: 'nano-banana-2',
    prompt: 'A clean ecommerce hero shot of a red apple on a white background',
    aspect_ratio: '16:9',
    resolution: '1K',
    output_format: 'jpeg',
    output_compression: 85,
  });
  assert.equal(typeof response.created, 'number');
  assert.equal(response.data.length, 1);
  const download = await fetch(response.data[0].url);
  assert.equal(download.status, 200);
  assert.equal(download.headers.get('content-type'), 'image/jpeg');
  const bytes = Buffer.from(await download.arrayBuffer());
  assert.deepEqual(jpegSize(bytes), { width: 1376, height: 768 });
});

test('images.generate with the seed reference-edit example answers a URL to a 1376x768 PNG', async () => {
  const fixture = new URL('../../fixtures/crazyrouter/generate-reference-edit-request.json', import.meta.url);
  const response = await client.images.generate(JSON.parse(await readFile(fixture, 'utf8')));
  const bytes = Buffer.from(await (await fetch(response.data[0].url)).arrayBuffer());
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  assert.deepEqual({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }, { width: 1376, height: 768 });
});

test('images.generate with response_format b64_json inlines the image', async () => {
  const response = await client.images.generate({
    model: 'nano-banana-2',
    prompt: 'A red apple',
    aspect_ratio: '9:16',
    output_format: 'jpg',
    response_format: 'b64_json',
  });
  const bytes = Buffer.from(response.data[0].b64_json, 'base64');
  assert.deepEqual(jpegSize(bytes), { width: 768, height: 1376 });
});

test('a Gemini-native field is a BadRequestError (400) with the upstream text', async () => {
  await assert.rejects(
    client.images.generate({ model: 'nano-banana-2', prompt: 'A red apple', imageOutputOptions: { mimeType: 'image/jpeg' } }),
    (error) => {
      assert.ok(error instanceof OpenAI.BadRequestError, `got ${error?.constructor?.name}: ${error?.message}`);
      assert.equal(error.status, 400);
      assert.match(error.message, /Unknown name "imageOutputOptions" at 'generation_config.image_config'/);
      return true;
    },
  );
});

test('a broken rule is a BadRequestError naming the field', async () => {
  await assert.rejects(client.images.generate({ model: 'nano-banana-2', prompt: 'x', resolution: '8K' }), (error) => {
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.param, 'resolution');
    return true;
  });
});

test('a wrong key is an AuthenticationError (401) with the documented body', async () => {
  const stranger = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${server.baseUrl}/crazyrouter/v1`, maxRetries: 0 });
  await assert.rejects(stranger.images.generate({ model: 'nano-banana-2', prompt: 'A red apple' }), (error) => {
    assert.ok(error instanceof OpenAI.AuthenticationError, `got ${error?.constructor?.name}`);
    assert.equal(error.status, 401);
    assert.equal(error.code, 'invalid_api_key');
    assert.equal(error.type, 'authentication_error');
    assert.match(error.message, /Invalid API key/);
    return true;
  });
});

test('a missing key is an AuthenticationError (401)', async () => {
  const response = await fetch(`${server.baseUrl}/crazyrouter/v1/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'nano-banana-2', prompt: 'A red apple' }),
  });
  assert.equal(response.status, 401);
  assert.deepEqual(await response.json(), {
    error: { message: 'Invalid API key', type: 'authentication_error', code: 'invalid_api_key' },
  });
});

/// Width and height from a PNG's IHDR chunk.
function pngSize(bytes) {
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', 'not a PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('images.edit sends multipart image[] parts to the Nano series edits entry and gets its images back', async () => {
  // A real PNG to upload: one the simulator made (crazyrouter's seed example, as PNG).
  const made = await client.images.generate({ model: 'nano-banana-2', prompt: 'A red apple', output_format: 'png' });
  const upload = Buffer.from(await (await fetch(made.data[0].url)).arrayBuffer());
  const nano = new OpenAI({ apiKey, baseURL: `${server.baseUrl}/nanoseries/v1`, maxRetries: 0 });

  const one = await nano.images.edit({
    model: 'NanoBanana2-1K',
    prompt: 'Turn the reference image into a clean product render',
    image: await OpenAI.toFile(upload, 'input.png', { type: 'image/png' }),
  });
  assert.equal(one.data.length, 1);
  const edited = Buffer.from(await (await fetch(one.data[0].url)).arrayBuffer());
  assert.deepEqual(pngSize(edited), { width: 1024, height: 1024 });

  const several = await nano.images.edit({
    model: 'NanoBanana2-1K',
    prompt: 'Combine both references',
    image: [await OpenAI.toFile(upload, 'a.png', { type: 'image/png' }), await OpenAI.toFile(upload, 'b.png', { type: 'image/png' })],
    response_format: 'b64_json',
  });
  assert.deepEqual(pngSize(Buffer.from(several.data[0].b64_json, 'base64')), { width: 1024, height: 1024 });
});

test('images.edit without an image is a BadRequestError naming the field', async () => {
  const nano = new OpenAI({ apiKey, baseURL: `${server.baseUrl}/nanoseries/v1`, maxRetries: 0 });
  const response = await fetch(`${server.baseUrl}/nanoseries/v1/images/edits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}` },
    body: (() => { const form = new FormData(); form.append('model', 'NanoBanana2-1K'); form.append('prompt', 'x'); return form; })(),
  });
  assert.equal(response.status, 400);
  await assert.rejects(nano.images.edit({ model: 'NanoBanana2-1K', prompt: 'x', image: [] }), (error) => {
    assert.ok(error instanceof OpenAI.BadRequestError, `got ${error?.constructor?.name}`);
    assert.equal(error.status, 400);
    return true;
  });
});

/** The journal entries of the running server. */
async function journal() {
  return (await (await fetch(`${server.baseUrl}/__nanosim/journal`)).json()).entries;
}

// new-api's request id: GetTimeString() (YYYYMMDDhhmmss + nanoseconds) + 8 random characters.
const newApiId = /^\d{14}\d{1,9}[A-Za-z0-9]{8}$/;

test('every answer carries new-api\'s X-Oneapi-Request-Id, the one its errors quote and the journal records', async () => {
  const { data, response } = await client.images
    .generate({ model: 'nano-banana-2', prompt: 'A pear', aspect_ratio: '1:1', resolution: '1K' })
    .withResponse();
  assert.equal(data.data.length, 1);
  const id = response.headers.get('x-oneapi-request-id');
  assert.match(id, newApiId);
  const entries = await journal();
  assert.equal(entries.find((e) => e.request_id === id)?.operation, 'images_generate');

  await assert.rejects(
    client.images.generate({ model: 'nano-banana-2', prompt: 'A pear', imageOutputOptions: { mimeType: 'image/jpeg' } }),
    (error) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      const quoted = error.headers.get('x-oneapi-request-id');
      assert.match(quoted, newApiId);
      assert.ok(error.message.includes(`(request id: ${quoted})`), `the message quotes the header's id: ${error.message}`);
      return true;
    },
  );
  const nano = new OpenAI({ apiKey, baseURL: `${server.baseUrl}/nanoseries/v1`, maxRetries: 0 });
  const edited = await nano.images.generate({ model: 'NanoBanana2-0.5K', prompt: 'A plum' }).withResponse();
  assert.match(edited.response.headers.get('x-oneapi-request-id'), newApiId);
});

test('an undocumented field is ignored as new-api ignores it, and the journal says so', async () => {
  const { response } = await client.images
    .generate({ model: 'nano-banana-2', prompt: 'A fig', aspect_ratio: '1:1', my_trace_id: 'abc-123' })
    .withResponse();
  const id = response.headers.get('x-oneapi-request-id');
  const entry = (await journal()).find((e) => e.request_id === id);
  assert.equal(entry.status, 200);
  assert.ok(entry.notes.some((note) => note.startsWith('unknown field my_trace_id ignored')), entry.notes.join('; '));
});

test('models.list on the new-api gateways lists their image models', async () => {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.ok(ids.includes('nano-banana-2'), ids.join(', '));
  const nano = new OpenAI({ apiKey, baseURL: `${server.baseUrl}/nanoseries/v1`, maxRetries: 0 });
  const nanoIds = [];
  for await (const model of nano.models.list()) nanoIds.push(model.id);
  assert.ok(nanoIds.includes('NanoBanana2-0.5K'), nanoIds.join(', '));
  const toapis = new OpenAI({ apiKey, baseURL: `${server.baseUrl}/toapis/v1`, maxRetries: 0 });
  const page = await toapis.models.list();
  assert.ok(page.data.every((model) => model.object === 'model'));
  const stranger = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${server.baseUrl}/crazyrouter/v1`, maxRetries: 0 });
  await assert.rejects(stranger.models.list(), OpenAI.AuthenticationError);
});

test('ToAPIs takes reference_images as file uploads (multipart), as seed 003 types them', async () => {
  const reference = await fetch((await client.images.generate({ model: 'nano-banana-2', prompt: 'A kiwi' })).data[0].url);
  const png = Buffer.from(await reference.arrayBuffer());
  const form = new FormData();
  form.append('model', 'nano-banana-2');
  form.append('prompt', 'The same kiwi, sliced');
  form.append('size', '1:1');
  form.append('n', '1');
  form.append('metadata[resolution]', '2K');
  form.append('reference_images', new Blob([png], { type: 'image/png' }), 'kiwi.png');
  const answer = await fetch(`${server.baseUrl}/toapis/v1/images/generations`, {
    method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: form,
  });
  assert.equal(answer.status, 200, await answer.clone().text());
  const task = await answer.json();
  assert.equal(task.status, 'queued');
  const entry = (await journal()).find((e) => e.job_id === task.id && e.operation === 'create_task');
  assert.ok(entry.notes.some((note) => note.startsWith('reference_images[0]: uploaded image/')), entry.notes.join('; '));

  const bad = new FormData();
  bad.append('model', 'nano-banana-2');
  bad.append('prompt', 'x');
  bad.append('reference_images', new Blob([Buffer.from('not an image')], { type: 'image/png' }), 'x.png');
  const refused = await fetch(`${server.baseUrl}/toapis/v1/images/generations`, {
    method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: bad,
  });
  assert.equal(refused.status, 400);
  assert.match((await refused.json()).error.message, /^reference_images\[0\]: /);
});
test('--strict-fields refuses the same undocumented field with the schema rule', async () => {
  const strict = await startNanosim({ apiKeys: [apiKey], args: ['--strict-fields'] });
  try {
    const picky = new OpenAI({ apiKey, baseURL: `${strict.baseUrl}/crazyrouter/v1`, maxRetries: 0 });
    await assert.rejects(
      picky.images.generate({ model: 'nano-banana-2', prompt: 'A fig', my_trace_id: 'abc-123' }),
      (error) => {
        assert.ok(error instanceof OpenAI.BadRequestError, `got ${error?.constructor?.name}`);
        assert.match(error.message, /my_trace_id: is not a documented field/);
        return true;
      },
    );
  } finally {
    await strict.stop();
  }
});
