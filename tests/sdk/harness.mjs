// Starts `nanosim serve --port 0 --clock manual ...` (the binary from NANOSIM_BINARY) for SDK checks and stops it.
// Every wait has a limit and says what it waited for.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const startLimitMs = 30_000;

/// Spawns the server and resolves once it prints "listening on http://HOST:PORT".
/// Returns {baseUrl, advance(ms), stop()}: advance moves the manual clock, stop sends SIGTERM and waits for exit.
export async function startNanosim(args = []) {
  const binary = process.env.NANOSIM_BINARY;
  if (!binary) throw new Error('NANOSIM_BINARY is not set (the path of the nanosim program)');
  const child = spawn(binary, ['serve', '--port', '0', '--clock', 'manual', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const baseUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`nanosim did not print "listening on" within ${startLimitMs} ms; output:\n${output}`));
    }, startLimitMs);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = output.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nanosim exited (code ${code}) before listening; output:\n${output}`));
    });
  });

  return {
    baseUrl,
    async advance(ms) {
      const response = await fetch(`${baseUrl}/__nanosim/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms }),
      });
      if (!response.ok) throw new Error(`advancing the clock by ${ms} ms failed: HTTP ${response.status}`);
      return response.json();
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
