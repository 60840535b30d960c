// node:test helper: one nanosim for the file's tests, started before them and stopped after them.
//
//   import { test } from 'node:test';
//   import { useNanosim } from 'nanosim/node-test';
//   const sim = useNanosim({ providers: ['crazyrouter'], resetBeforeEach: true });
//   test('...', async () => { const url = sim.url('crazyrouter'); ... await sim.advance(1000); });
import { after, before, beforeEach } from 'node:test';

import { startNanosim } from './index.mjs';

/**
 * Registers before/after (and, with resetBeforeEach, beforeEach) hooks; returns the running Nanosim's methods
 * (usable inside tests and hooks, once `before` ran). Options: those of startNanosim, plus resetBeforeEach.
 */
export function useNanosim(options = {}) {
  let running;
  before(async () => { running = await startNanosim(options); });
  after(async () => { await running?.stop(); });
  if (options.resetBeforeEach) beforeEach(async () => { await running.reset(); });
  return new Proxy({}, {
    get(_, name) {
      if (!running) throw new Error(`nanosim is not started yet (use sim.${String(name)} inside a test or hook)`);
      const value = running[name];
      return typeof value === 'function' ? value.bind(running) : value;
    },
  });
}
