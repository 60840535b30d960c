// @google/genai, unmodified, against nanosim's gemini provider: only the base URL and the key change
// (research/real-clients.md).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ApiError, GoogleGenAI } from '@google/genai';

import { startNanosim } from '../../client/node/index.mjs';

let sim;
let ai;

before(async () => {
  sim = await startNanosim({ providers: ['gemini', 'odirouter'] });
  ai = new GoogleGenAI({ apiKey: 'sdk-test-key', httpOptions: { baseUrl: `${sim.baseUrl}/gemini` } });
});

after(async () => {
  await sim?.stop();
});

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('generateContent returns an inline PNG of the documented size (16:9 at 2K is 2752x1536)', async () => {
  const response = await ai.models.generateContent({
    model: 'gemini-3.1-flash-image-preview',
    contents: 'A lighthouse on a cliff at dusk',
    config: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '16:9', imageSize: '2K' } },
  });
  const parts = response.candidates[0].content.parts;
  const image = parts.find((part) => part.inlineData);
  assert.ok(image, 'an inlineData part');
  assert.equal(image.inlineData.mimeType, 'image/png');
  assert.deepEqual(pngSize(Buffer.from(image.inlineData.data, 'base64')), { width: 2752, height: 1536 });
  assert.equal(response.data, image.inlineData.data, 'the SDK getter finds the image');
  assert.equal(response.candidates[0].finishReason, 'STOP');
  assert.ok(response.responseId);
  assert.equal(response.modelVersion, 'gemini-3.1-flash-image-preview');
  assert.equal(response.usageMetadata.candidatesTokensDetails[0].tokenCount, 1680, 'Google: 1680 output tokens for a 2K image of gemini-3.1-flash-image-preview');
});

test('a reference image and text modality come back as text plus image', async () => {
  const first = await ai.models.generateContent({
    model: 'gemini-2.5-flash-image',
    contents: 'A red apple',
    config: { responseModalities: ['IMAGE'] },
  });
  const response = await ai.models.generateContent({
    model: 'gemini-3-pro-image-preview',
    contents: [{ role: 'user', parts: [{ text: 'Make it blue' }, { inlineData: { mimeType: 'image/png', data: first.data } }] }],
    config: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '3:4' } },
  });
  assert.ok(response.text.length > 0);
  assert.deepEqual(pngSize(Buffer.from(response.data, 'base64')), { width: 896, height: 1200 });
});

// A request Gemini refuses (8:1 is not an aspect ratio of gemini-3-pro-image-preview), and the SDK error it must give.
const invalidAspectRatio = {
  model: 'gemini-3-pro-image-preview',
  contents: 'A lighthouse',
  config: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '8:1' } },
};
function isInvalidAspectRatio(error) {
  assert.ok(error instanceof ApiError, `ApiError, got ${error}`);
  assert.equal(error.status, 400);
  assert.match(error.message, /INVALID_ARGUMENT/);
  assert.match(error.message, /aspectRatio/);
  return true;
}

test('an invalid aspect ratio throws ApiError 400 INVALID_ARGUMENT', async () => {
  await assert.rejects(ai.models.generateContent(invalidAspectRatio), isInvalidAspectRatio);
});

test('an unknown model throws ApiError 404 NOT_FOUND', async () => {
  await assert.rejects(
    ai.models.generateContent({ model: 'gemini-9-ultra-image', contents: 'x' }),
    (error) => {
      assert.ok(error instanceof ApiError, `ApiError, got ${error}`);
      assert.equal(error.status, 404);
      assert.match(error.message, /NOT_FOUND/);
      return true;
    },
  );
});

test('a wrong key throws ApiError 400 API_KEY_INVALID when keys are configured', async () => {
  const locked = await startNanosim({ providers: ['gemini'], apiKeys: ['right-key'] });
  try {
    const wrong = new GoogleGenAI({ apiKey: 'wrong-key', httpOptions: { baseUrl: `${locked.baseUrl}/gemini` } });
    await assert.rejects(wrong.models.generateContent({ model: 'gemini-2.5-flash-image', contents: 'x' }), (error) => {
      assert.equal(error.status, 400);
      assert.match(error.message, /API_KEY_INVALID/);
      return true;
    });
    const right = new GoogleGenAI({ apiKey: 'right-key', httpOptions: { baseUrl: `${locked.baseUrl}/gemini` } });
    const response = await right.models.generateContent({ model: 'gemini-2.5-flash-image', contents: 'x' });
    assert.ok(response.data);
  } finally {
    await locked.stop();
  }
});

/** Installs a scenario on the running server (POST /__nanosim/scenarios). */
async function installScenario(document) {
  const response = await fetch(`${sim.baseUrl}/__nanosim/scenarios`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(document),
  });
  assert.equal(response.status, 201, await response.text());
}

async function removeScenario(name) {
  await fetch(`${sim.baseUrl}/__nanosim/scenarios/${name}`, { method: 'DELETE' });
}

async function journal() {
  return (await (await fetch(`${sim.baseUrl}/__nanosim/journal`)).json()).entries;
}

test('generateContentStream streams the text first, then the image with finishReason and usage in the last chunk', async () => {
  const stream = await ai.models.generateContentStream({
    model: 'gemini-3.1-flash-image-preview',
    contents: 'A lighthouse at dawn',
    config: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9', imageSize: '1K' } },
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length >= 2, `text and image chunks, got ${chunks.length}`);
  assert.ok(chunks[0].text.length > 0, 'the text comes first');
  assert.equal(chunks[0].candidates[0].finishReason, undefined);
  const last = chunks.at(-1);
  assert.equal(last.candidates[0].finishReason, 'STOP');
  // Reassembled from the stream: the image is in the last chunk, whole.
  const image = last.candidates[0].content.parts.find((part) => part.inlineData);
  assert.deepEqual(pngSize(Buffer.from(image.inlineData.data, 'base64')), { width: 1376, height: 768 });
  assert.equal(last.usageMetadata.candidatesTokensDetails.find((d) => d.modality === 'IMAGE').tokenCount, 1120);
  assert.ok(chunks.every((chunk) => chunk.responseId === last.responseId));
  // Google sends no request-id header: the journal records the answer's responseId.
  const entry = (await journal()).find((e) => e.request_id === last.responseId);
  assert.equal(entry.operation, 'stream_generate_content');
  assert.match(entry.path, /:streamGenerateContent$/);
  assert.equal(entry.query, 'alt=sse');
});

test('generateContentStream: an invalid request fails before the stream with ApiError 400', async () => {
  await assert.rejects(ai.models.generateContentStream(invalidAspectRatio), isInvalidAspectRatio);
});

test('generateContentStream: a failure after generation started is an error event that throws ApiError 500', async () => {
  await installScenario({
    name: 'stream-fails',
    rules: [{ name: 'half-way', when: { operation: 'stream_generate_content' },
              effect: { fate: { fail: 'internal_error', at_fraction: 0.5 } } }],
  });
  try {
    const stream = await ai.models.generateContentStream({
      model: 'gemini-3.1-flash-image-preview',
      contents: 'A lighthouse',
      config: { responseModalities: ['IMAGE'] },
    });
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) assert.fail(`no chunk expected before the error, got ${JSON.stringify(chunk)}`);
      })(),
      (error) => {
        assert.ok(error instanceof ApiError, `ApiError, got ${error}`);
        assert.equal(error.status, 500);
        assert.match(error.message, /INTERNAL/);
        return true;
      },
    );
  } finally {
    await removeScenario('stream-fails');
  }
});

test('generateContentStream: a connection cut mid-stream delivers the first chunks, then fails', async () => {
  await installScenario({
    name: 'stream-cut',
    rules: [{ name: 'cut', when: { operation: 'stream_generate_content' }, effect: { fault: { kind: 'close_mid_body' } } }],
  });
  try {
    const stream = await ai.models.generateContentStream({
      model: 'gemini-3.1-flash-image-preview',
      contents: 'A lighthouse',
      config: { responseModalities: ['TEXT', 'IMAGE'] },
    });
    const seen = [];
    await assert.rejects((async () => {
      for await (const chunk of stream) seen.push(chunk);
    })());
    assert.equal(seen.length, 1, 'the text chunk arrived before the cut');
    assert.ok(seen[0].text.length > 0);
    const cut = (await journal()).filter((e) => e.operation === 'stream_generate_content').at(-1);
    assert.equal(cut.fault, 'close_mid_body');
  } finally {
    await removeScenario('stream-cut');
  }
});

test('an edit with no aspectRatio matches the input image (688x384 in, 16:9 out)', async () => {
  const input = await ai.models.generateContent({
    model: 'gemini-3.1-flash-image-preview',
    contents: 'A wide beach',
    config: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '16:9', imageSize: '512' } },
  });
  assert.deepEqual(pngSize(Buffer.from(input.data, 'base64')), { width: 688, height: 384 });
  const edit = await ai.models.generateContent({
    model: 'gemini-3.1-flash-image-preview',
    contents: [{ role: 'user', parts: [{ text: 'Add a boat' }, { inlineData: { mimeType: 'image/png', data: input.data } }] }],
    config: { responseModalities: ['IMAGE'], imageConfig: { imageSize: '512' } },
  });
  assert.deepEqual(pngSize(Buffer.from(edit.data, 'base64')), { width: 688, height: 384 });
});

test('models.get and countTokens answer for the image models; an input image counts as Google documents', async () => {
  const model = await ai.models.get({ model: 'gemini-3.1-flash-image-preview' });
  assert.equal(model.name, 'models/gemini-3.1-flash-image-preview');
  assert.equal(model.inputTokenLimit, 131072);
  assert.equal(model.outputTokenLimit, 32768);
  assert.ok(model.supportedActions.includes('generateContent'));
  const text = await ai.models.countTokens({ model: 'gemini-3.1-flash-image-preview', contents: 'A lighthouse at dusk' });
  assert.equal(text.totalTokens, 5);
  const first = await ai.models.generateContent({
    model: 'gemini-3.1-flash-image-preview',
    contents: 'A red apple',
    config: { responseModalities: ['IMAGE'], imageConfig: { imageSize: '512' } },
  });
  const contents = [{ role: 'user', parts: [{ text: 'A lighthouse at dusk' }, { inlineData: { mimeType: 'image/png', data: first.data } }] }];
  const withImage = await ai.models.countTokens({ model: 'gemini-3.1-flash-image-preview', contents });
  assert.equal(withImage.totalTokens, 5 + 1120, 'Google: 1120 tokens an input image for gemini-3.1-flash-image-preview');
  // generateContent reports the same prompt, and counts its text answer with its image.
  const edit = await ai.models.generateContent({
    model: 'gemini-3.1-flash-image-preview',
    contents,
    config: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { imageSize: '512' } },
  });
  const usage = edit.usageMetadata;
  assert.equal(usage.promptTokenCount, withImage.totalTokens);
  assert.deepEqual(usage.promptTokensDetails.map((d) => d.modality), ['TEXT', 'IMAGE']);
  const byModality = Object.fromEntries(usage.candidatesTokensDetails.map((d) => [d.modality, d.tokenCount]));
  assert.equal(byModality.IMAGE, 747);
  assert.ok(byModality.TEXT > 0);
  assert.equal(usage.candidatesTokenCount, byModality.IMAGE + byModality.TEXT);
  await assert.rejects(ai.models.get({ model: 'gemini-9-ultra-image' }), (error) => error instanceof ApiError && error.status === 404);
});
