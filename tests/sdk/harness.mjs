// Kept for SDK test files written against the first harness: startNanosim(args) with `nanosim serve` flags.
// New tests use the Node helper directly (client/node: startNanosim({providers, scenarios, ...}), useNanosim).
import { startNanosim as start } from '../../client/node/index.mjs';

/**
 * `nanosim serve --port 0 --clock manual ...args`; resolves to the running Nanosim ({baseUrl, url(id), advance(ms),
 * reset(), journal(), verify(...), stop(), ...}).
 * @param {string[]} args extra `nanosim serve` arguments
 */
export function startNanosim(args = []) {
  return start({ args });
}
