// The Node helper against the built program: start, provider URLs, clock, scenarios, journal, verify, reset, stop.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { serveArguments, startNanosim } from '../index.mjs';
import { useNanosim } from '../node-test.mjs';

const sim = useNanosim({ providers: ['toapis', 'gemini'], seed: 7, resetBeforeEach: true });
const key = { authorization: 'Bearer sk-node', 'content-type': 'application/json' };

async function submitTask() {
  const response = await fetch(`${sim.url('toapis')}/v1/images/generations`, {
    method: 'POST', headers: key,
    body: JSON.stringify({ model: 'gemini-3.1-flash-image-preview', prompt: 'A red cube' }),
  });
  return { status: response.status, body: await response.json() };
}

test('serveArguments maps the options onto nanosim serve flags', () => {
  assert.deepEqual(serveArguments({ providers: ['gemini'], seed: 3, args: ['--workers', '2'] }),
    ['serve', '--port', '0', '--clock', 'manual', '--quiet', '--provider', 'gemini', '--seed', '3', '--workers', '2']);
});

test('the program serves the chosen providers on a free port with the manual clock', async () => {
  assert.match(sim.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(await sim.providers(), ['gemini', 'toapis']);
  assert.equal(await sim.now(), 0);
});

test('a task completes once advance moves the clock, and the journal shows both exchanges', async () => {
  const created = await submitTask();
  assert.equal(created.status, 200);
  await sim.advance(10 * 60 * 1000);
  const polled = await (await fetch(`${sim.url('toapis')}/v1/images/generations/${created.body.id}`, { headers: key })).json();
  assert.equal(polled.status, 'completed');
  const { entries } = await sim.journal();
  assert.equal(entries.length, 2);
  assert.equal(entries[0].request_headers.authorization, 'Bearer …de');  // names as sent; fetch sends lower case
  assert.equal((await sim.jobs()).length, 1);
});

test('reset forgets jobs and the journal and returns the clock to 0', async () => {
  await submitTask();
  await sim.advance(5000);
  await sim.reset();
  assert.equal(await sim.now(), 0);
  assert.equal((await sim.journal()).entries.length, 0);
  assert.equal((await sim.jobs()).length, 0);
});

test('a catalog scenario installed at run time fires, and removing it stops it', async () => {
  await sim.addScenario('key-revoked');
  assert.ok((await sim.scenarios()).some((s) => s.name === 'key-revoked'));
  const statuses = [];
  for (let i = 0; i < 4; i += 1) statuses.push((await submitTask()).status);
  assert.deepEqual(statuses, [200, 200, 200, 401]);
  await sim.removeScenario('key-revoked');
  assert.equal((await submitTask()).status, 200);
});

test('verify checks and coverage answer over the admin API', async () => {
  await submitTask();
  const check = await sim.verify('no_duplicate_submits');
  assert.equal(check.passed, true, JSON.stringify(check));
  assert.deepEqual(check.failures, []);
  const coverage = await sim.coverage();
  assert.ok(coverage.states_missing.includes('failed'));
  assert.equal(coverage.statuses['200'], 1);
});

test('startNanosim refuses a bad flag with the program own message', async () => {
  await assert.rejects(startNanosim({ args: ['--workers', '0'] }), /--workers: expected an integer/);
});
