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
  assert.equal(response.usageMetadata.candidatesTokensDetails[0].tokenCount, 1120);
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

test('an invalid aspect ratio throws ApiError 400 INVALID_ARGUMENT', async () => {
  await assert.rejects(
    ai.models.generateContent({
      model: 'gemini-3-pro-image-preview',
      contents: 'A lighthouse',
      config: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '8:1' } },
    }),
    (error) => {
      assert.ok(error instanceof ApiError, `ApiError, got ${error}`);
      assert.equal(error.status, 400);
      assert.match(error.message, /INVALID_ARGUMENT/);
      assert.match(error.message, /aspectRatio/);
      return true;
    },
  );
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
