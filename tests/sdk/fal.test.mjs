// @fal-ai/client, unmodified, against nanosim's odirouter (a fal-style queue): only the host (one
// requestMiddleware) and the key change. The client builds every URL itself from the endpoint id
// (research/real-clients.md): "odirouter/nano_banana_2" becomes https://queue.fal.run/odirouter/nano_banana_2[/requests/…],
// which the middleware maps onto odirouter's documented base, BASE/odirouter/v1/queue/.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ApiError, ValidationError, createFalClient } from '@fal-ai/client';

import { startNanosim } from './harness.mjs';

const endpoint = 'odirouter/nano_banana_2';
let sim;
let fal;

before(async () => {
  sim = await startNanosim(['--provider', 'odirouter']);
  fal = createFalClient({
    credentials: 'sdk-test-key', // sent as "Authorization: Key sdk-test-key"
    requestMiddleware: async (request) => ({
      ...request,
      url: request.url.replace('https://queue.fal.run/odirouter/', `${sim.baseUrl}/odirouter/v1/queue/`),
    }),
  });
});

after(async () => {
  await sim?.stop();
});

async function journal() {
  const response = await fetch(`${sim.baseUrl}/__nanosim/journal`);
  return (await response.json()).entries;
}

test('subscribe runs a job end to end: submit, status polls, and the result with its request id', async () => {
  const updates = [];
  const result = await fal.subscribe(endpoint, {
    input: { prompt: 'A red apple on a white table', aspect_ratio: '16:9' },
    pollInterval: 10,
    logs: true,
    onQueueUpdate: (update) => {
      updates.push(update.status);
      return sim.advance(4000); // the manual clock: each poll moves simulated time
    },
  });
  assert.ok(updates.includes('IN_QUEUE') || updates.includes('IN_PROGRESS'), `saw the queue: ${updates}`);
  assert.equal(updates.at(-1), 'COMPLETED');
  assert.match(result.requestId, /^mmsu_/, 'result() reads x-fal-request-id');
  assert.equal(result.data.request_id, result.requestId);
  const [image] = result.data.outputs;
  assert.equal(image.width, 1376);
  assert.equal(image.height, 768);
  const file = await fetch(image.url);
  assert.equal(file.status, 200);
  // The journal holds the id the client saw, on the fal-style result path (no /response).
  const entries = await journal();
  const read = entries.find((e) => e.operation === 'result' && e.path.endsWith(`/requests/${result.requestId}`));
  assert.ok(read, 'the result was read at GET …/requests/{id}');
  assert.equal(read.request_id, result.requestId);
});

test('submit, status with logs, result and the documented /response path give the same answer', async () => {
  const { request_id: requestId } = await fal.queue.submit(endpoint, { input: { prompt: 'A lighthouse' } });
  const queued = await fal.queue.status(endpoint, { requestId, logs: true });
  assert.equal(queued.status, 'IN_QUEUE');
  assert.equal(typeof queued.queue_position, 'number');
  await sim.advance(1500);
  const running = await fal.queue.status(endpoint, { requestId, logs: true });
  assert.equal(running.status, 'IN_PROGRESS');
  assert.ok(running.logs.length > 0, 'logs=1 brings the logs');
  assert.equal(running.logs[0].source, 'USER');
  await sim.advance(120_000);
  const done = await fal.queue.status(endpoint, { requestId, logs: false });
  assert.equal(done.status, 'COMPLETED');
  const viaSdk = await fal.queue.result(endpoint, { requestId });
  const documented = await fetch(`${sim.baseUrl}/odirouter/v1/queue/nano_banana_2/requests/${requestId}/response`, {
    headers: { authorization: 'Key sdk-test-key' },
  });
  assert.equal(documented.headers.get('x-fal-request-id'), requestId);
  assert.deepEqual(await documented.json(), viaSdk.data);
});

test('cancel resolves on 202 and a second cancel throws the 400 ALREADY_COMPLETED', async () => {
  const { request_id: requestId } = await fal.queue.submit(endpoint, { input: { prompt: 'A slow one' } });
  await fal.queue.cancel(endpoint, { requestId });
  const status = await fal.queue.status(endpoint, { requestId });
  assert.equal(status.status, 'COMPLETED');
  assert.equal(status.error_type, 'CANCELED');
  await assert.rejects(fal.queue.cancel(endpoint, { requestId }), (error) => {
    assert.ok(error instanceof ApiError, `ApiError, got ${error}`);
    assert.equal(error.status, 400);
    assert.equal(error.body.status, 'ALREADY_COMPLETED');
    return true;
  });
});

test('a failed job completes with its error, and result() throws ApiError carrying the request id', async () => {
  const { request_id: requestId } = await fal.queue.submit(endpoint, {
    input: { prompt: 'A doomed render' },
    headers: { 'X-Nanosim-Scenario': 'generation-fails' },
  });
  await sim.advance(300_000);
  const status = await fal.queue.status(endpoint, { requestId });
  assert.equal(status.status, 'COMPLETED', 'fal has no FAILED: a failure is COMPLETED with error fields');
  assert.equal(status.error_type, 'INFERENCE_FAILURE');
  await assert.rejects(fal.queue.result(endpoint, { requestId }), (error) => {
    assert.ok(error instanceof ApiError, `ApiError, got ${error}`);
    assert.equal(error.status, 500);
    assert.equal(error.requestId, requestId);
    return true;
  });
});

test('a validation error is fal\'s 422: ValidationError with the field in fieldErrors', async () => {
  await assert.rejects(
    fal.queue.submit(endpoint, { input: { prompt: 'A cube', aspect_ratio: '7:3' } }),
    (error) => {
      assert.ok(error instanceof ValidationError, `ValidationError, got ${error}`);
      assert.equal(error.status, 422);
      assert.equal(error.getFieldErrors('aspect_ratio').length, 1);
      assert.deepEqual(error.fieldErrors[0].loc, ['body', 'aspect_ratio']);
      assert.ok(error.requestId, 'the error carries x-fal-request-id');
      return true;
    },
  );
});

test('a wrong key is refused with 401 before anything is queued', async () => {
  const restricted = await startNanosim(['--provider', 'odirouter', '--api-key', 'only-this-key']);
  try {
    const client = createFalClient({
      credentials: 'not-a-key',
      requestMiddleware: async (request) => ({
        ...request,
        url: request.url.replace('https://queue.fal.run/odirouter/', `${restricted.baseUrl}/odirouter/v1/queue/`),
      }),
    });
    await assert.rejects(client.queue.submit(endpoint, { input: { prompt: 'x' } }), (error) => {
      assert.ok(error instanceof ApiError, `ApiError, got ${error}`);
      assert.equal(error.status, 401);
      return true;
    });
  } finally {
    await restricted.stop();
  }
});
