// The official SDKs, unmodified, under nanosim's failure scenarios (`nanosim serve --scenario NAME`): each
// reproduces its incident as the SDK sees it from the real provider, the journal names the rule that fired, and a
// rerun with the same seed gives the same answers, byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';

import { startNanosim } from '../../client/node/index.mjs';

const flash = 'gemini-3.1-flash-image-preview';

async function journal(sim) {
  const response = await fetch(`${sim.baseUrl}/__nanosim/journal`);
  assert.equal(response.status, 200);
  return (await response.json()).entries;
}

/** Resolves once `predicate` accepts the journal's entries, polling every 10 ms (at most `timeoutMs`). */
async function waitForJournal(sim, what, predicate, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (predicate(await journal(sim))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the journal did not show ${what} within ${timeoutMs} ms`);
}

const fired = (entry, text) => entry.notes?.some((note) => note.startsWith(text));
const images = (response) => (response.candidates?.[0]?.content?.parts ?? []).filter((part) => part.inlineData);

async function withNanosim(args, body) {
  const sim = await startNanosim({ args });
  try {
    return await body(sim);
  } finally {
    await sim.stop();
  }
}

test('rate-limited: openai gets a RateLimitError with Retry-After, then retries after it and succeeds', async () => {
  await withNanosim(['--provider', 'toapis', '--scenario', 'rate-limited'], async (sim) => {
    const client = new OpenAI({ apiKey: 'sdk-key', baseURL: `${sim.baseUrl}/toapis/v1` });
    const generate = (options) => client.images.generate({ model: 'nano-banana-2', prompt: 'A red apple' }, options);
    for (let i = 0; i < 5; i += 1) assert.equal((await generate()).status, 'queued');

    const refused = await generate({ maxRetries: 0 }).then(() => null, (error) => error);
    assert.ok(refused instanceof OpenAI.RateLimitError, `a RateLimitError, got ${refused}`);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '10');
    assert.equal(refused.error.code, 'rate_limit_exceeded');

    // With its default retries the SDK sleeps Retry-After (10 s of wall time) before trying again; the simulated
    // window passes meanwhile (the manual clock is moved once the 429 is in the journal).
    const started = Date.now();
    const pending = generate();
    await waitForJournal(sim, 'a second 429', (entries) => entries.filter((entry) => entry.status === 429).length === 2);
    await sim.advance(10_000);
    const task = await pending;
    assert.equal(task.status, 'queued');
    assert.ok(Date.now() - started >= 9_900, `the retry waited for Retry-After (${Date.now() - started} ms)`);

    const entries = await journal(sim);
    const limited = entries.filter((entry) => entry.status === 429);
    assert.equal(limited.length, 2);
    for (const entry of limited) {
      assert.ok(fired(entry, 'scenario rate-limited rule window: rate limit 5 per 10000 ms exceeded, retry after 10 s'),
        JSON.stringify(entry.notes));
    }
    assert.equal(entries.at(-1).status, 200);
  });
});

test('new-api-429: openai retries new-api\'s rewritten 429 on the Nano series, and surfaces it as a RateLimitError', async () => {
  await withNanosim(['--provider', 'nanoseries', '--scenario', 'new-api-429'], async (sim) => {
    const client = new OpenAI({ apiKey: 'sdk-key', baseURL: `${sim.baseUrl}/nanoseries/v1` });
    const generate = (options) => client.images.generate({ model: 'NanoBanana2-1K', prompt: 'A red apple' }, options);
    assert.equal((await generate()).data.length, 1);
    // Every second submit is refused: the SDK's own retry (its backoff: new-api sends no Retry-After) goes through.
    assert.equal((await generate({ maxRetries: 1 })).data.length, 1);
    const refused = await generate({ maxRetries: 0 }).then(() => null, (error) => error);
    assert.ok(refused instanceof OpenAI.RateLimitError, `a RateLimitError, got ${refused}`);
    assert.equal(refused.status, 429);
    assert.match(refused.error.message, /^当前分组上游负载已饱和，请稍后再试 \(request id: \S+\)$/);
    assert.equal(refused.error.type, 'new_api_error');
    assert.equal(refused.headers.get('retry-after'), null);
    const entries = await journal(sim);
    assert.deepEqual(entries.map((entry) => entry.status), [200, 429, 200, 429]);
    for (const entry of [entries[1], entries[3]]) {
      assert.ok(fired(entry, 'scenario new-api-429 rule saturated: error rate_limited (HTTP 429)'), JSON.stringify(entry.notes));
    }
  });
});

test('model-overloaded: genai gets ApiError 503 UNAVAILABLE twice, then an image', async () => {
  await withNanosim(['--provider', 'gemini', '--scenario', 'model-overloaded'], async (sim) => {
    const ai = new GoogleGenAI({ apiKey: 'sdk-key', httpOptions: { baseUrl: `${sim.baseUrl}/gemini` } });
    const generate = () => ai.models.generateContent({ model: flash, contents: 'A red apple' });
    for (let i = 0; i < 2; i += 1) {
      const error = await generate().then(() => null, (e) => e);
      assert.ok(error instanceof ApiError, `an ApiError, got ${error}`);
      assert.equal(error.status, 503);
      assert.match(error.message, /The model is overloaded\. Please try again later\./);
    }
    assert.equal(images(await generate()).length, 1);
    const entries = await journal(sim);
    assert.deepEqual(entries.map((entry) => entry.status), [503, 503, 200]);
    assert.ok(fired(entries[0], 'scenario model-overloaded rule overloaded: error overloaded (HTTP 503)'));
  });
});

test('safety-block: genai gets finishReason IMAGE_SAFETY with no image, or a blocked prompt', async () => {
  await withNanosim(['--provider', 'gemini', '--scenario', 'safety-block'], async (sim) => {
    const ai = new GoogleGenAI({ apiKey: 'sdk-key', httpOptions: { baseUrl: `${sim.baseUrl}/gemini` } });
    const blocked = await ai.models.generateContent({ model: flash, contents: 'A red apple' });
    assert.equal(blocked.candidates[0].finishReason, 'IMAGE_SAFETY');
    assert.equal(images(blocked).length, 0, 'no image part');

    const prompt = await ai.models.generateContent({ model: flash, contents: 'An unsafe scene' });
    assert.equal(prompt.promptFeedback.blockReason, 'PROHIBITED_CONTENT');
    assert.equal(prompt.candidates, undefined);

    const entries = await journal(sim);
    assert.ok(fired(entries[0], 'scenario safety-block rule blocked: fate fails content_blocked'));
    assert.ok(fired(entries[1], 'scenario safety-block rule prompt-blocked: fate fails content_blocked'));
  });
});

test('flaky-5xx with a seed: genai meets the same 500s in the same places, and a rerun answers byte for byte', async () => {
  const run = () => withNanosim(['--provider', 'gemini', '--scenario', 'flaky-5xx', '--seed', '1'], async (sim) => {
    const ai = new GoogleGenAI({ apiKey: 'sdk-key', httpOptions: { baseUrl: `${sim.baseUrl}/gemini` } });
    const outcomes = [];
    for (let i = 0; i < 12; i += 1) {
      const outcome = await ai.models.generateContent({ model: flash, contents: `Apple number ${i}` })
        .then((response) => `ok ${images(response)[0].inlineData.data.length}`, (error) => `${error.constructor.name} ${error.status}`);
      outcomes.push(outcome);
    }
    const entries = await journal(sim);
    for (const entry of entries.filter((e) => e.status === 500)) {
      assert.ok(fired(entry, 'scenario flaky-5xx rule flaky: error internal_error (HTTP 500)'), JSON.stringify(entry.notes));
    }
    return { outcomes, answers: entries.map((entry) => `${entry.status} ${entry.response_body}`) };
  });
  const first = await run();
  const failures = first.outcomes.filter((outcome) => outcome === 'ApiError 500').length;
  assert.ok(failures >= 1 && failures <= 8, `a seeded 20% of 12 calls failed: ${first.outcomes}`);
  const second = await run();
  assert.deepEqual(second.outcomes, first.outcomes);
  assert.deepEqual(second.answers, first.answers);
});
