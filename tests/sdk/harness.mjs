// Starts `nanosim serve` for SDK checks: any free port, the manual clock, and the extra arguments given.
// Generic on purpose: every SDK test file (one per SDK) uses it the same way.
//
//   const sim = await startNanosim(['--provider', 'gemini']);
//   ... point the SDK at sim.baseUrl + '/<provider id>' ...
//   await sim.advance(5000);   // moves the manual clock (POST /__nanosim/clock/advance)
//   await sim.stop();
import { spawn } from 'node:child_process';

const startTimeoutMs = 30_000;

/** The nanosim binary: NANOSIM_BINARY (set by ctest), else fail loudly. */
function binary() {
  const path = process.env.NANOSIM_BINARY;
  if (!path) throw new Error('NANOSIM_BINARY is not set: run through ctest, or export the path of the built nanosim');
  return path;
}

/**
 * Spawns `nanosim serve --port 0 --clock manual ...args` and resolves once it prints its
 * "nanosim listening on http://HOST:PORT" line.
 * @param {string[]} args extra `nanosim serve` arguments (e.g. ['--provider', 'gemini', '--seed', '7'])
 * @returns {Promise<{baseUrl: string, advance: (ms: number) => Promise<object>, stop: () => Promise<number|null>}>}
 */
export async function startNanosim(args = []) {
  const child = spawn(binary(), ['serve', '--port', '0', '--clock', 'manual', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const baseUrl = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nanosim did not print "listening on" within ${startTimeoutMs} ms\n${stdout}${stderr}`));
    }, startTimeoutMs);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/$/, ''));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nanosim exited (${code}) before listening\n${stdout}${stderr}`));
    });
  });
  child.stdout.resume();  // keep draining so the child never blocks on a full pipe

  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    baseUrl,
    async advance(ms) {
      const response = await fetch(`${baseUrl}/__nanosim/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms }),
      });
      if (!response.ok) throw new Error(`advance(${ms}) answered ${response.status}: ${await response.text()}`);
      return response.json();
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
  };
}
