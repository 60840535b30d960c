// Starts `nanosim serve` for a test: a free port, the manual clock, each provider's base URL, and the admin API
// (clock, reset, scenarios, journal, jobs, verify checks) as async methods. No dependencies: Node 18+ (fetch).
//
//   import { startNanosim } from 'nanosim';            // or a relative path to client/node/index.mjs
//   const sim = await startNanosim({ providers: ['gemini'] });
//   const client = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim.url('gemini') } });
//   ... await sim.advance(60_000); const { entries } = await sim.journal(); ...
//   await sim.stop();
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The program to run: options.binary, else NANOSIM_BINARY, else a build in this checkout (build/dev, then
 * build/release), else `nanosim` on the PATH (the Debian package installs /usr/bin/nanosim).
 */
export function findBinary(explicit) {
  if (explicit) return explicit;
  if (process.env.NANOSIM_BINARY) return process.env.NANOSIM_BINARY;
  for (const preset of ['dev', 'release']) {
    const built = join(here, '..', '..', 'build', preset, 'simulator', 'nanosim');
    if (existsSync(built)) return built;
  }
  return 'nanosim';
}

/** `nanosim serve` arguments for the options (see startNanosim). */
export function serveArguments(options = {}) {
  const args = ['serve', '--port', '0', '--clock', options.clock ?? 'manual', '--quiet'];
  for (const id of options.providers ?? []) args.push('--provider', id);
  for (const scenario of options.scenarios ?? []) args.push('--scenario', scenario);
  for (const key of options.apiKeys ?? []) args.push('--api-key', key);
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  if (options.timeScale !== undefined) args.push('--time-scale', String(options.timeScale));
  return [...args, ...(options.args ?? [])];
}

/**
 * Spawns `nanosim serve` and resolves once it listens.
 * @param {object} [options]
 * @param {string[]} [options.providers] serve only these provider ids
 * @param {string[]} [options.scenarios] failure scenarios (catalog names or JSON files)
 * @param {number} [options.seed] the seed (default 1)
 * @param {'manual'|'real'} [options.clock] default 'manual': time moves only with advance()
 * @param {string[]} [options.apiKeys] accept only these keys
 * @param {string[]} [options.args] any other `nanosim serve` flags
 * @param {string} [options.binary] the program (see findBinary)
 * @param {number} [options.startTimeoutMs] default 30000
 */
export async function startNanosim(options = {}) {
  const child = spawn(findBinary(options.binary), serveArguments(options), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const baseUrl = await new Promise((resolve, reject) => {
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nanosim did not listen within ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
    exited.then((code) => { clearTimeout(timer); reject(new Error(`nanosim exited (${code}) before listening\n${output}`)); });
  });
  child.stdout.resume();  // keep draining: a full pipe would block the program
  return new Nanosim(baseUrl, child, exited);
}

/** A running `nanosim serve`. */
export class Nanosim {
  constructor(baseUrl, child, exited) {
    this.baseUrl = baseUrl;
    this.child = child;
    this.exited = exited;
  }

  /** A provider's base URL (what the SDK's baseURL / baseUrl takes), e.g. url('crazyrouter') + '/v1'. */
  url(provider) { return `${this.baseUrl}/${provider}`; }

  /** Any admin route: admin('GET', '/health'); a non-2xx answer throws with its body. */
  async admin(method, path, body) {
    const response = await fetch(`${this.baseUrl}/__nanosim${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /__nanosim${path} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : {};
  }

  health() { return this.admin('GET', '/health'); }
  /** The providers served, from /health. */
  async providers() { return (await this.health()).providers; }
  /** Moves the manual clock (every job with it); resolves to the clock. */
  advance(ms) { return this.admin('POST', '/clock/advance', { ms }); }
  async now() { return (await this.admin('GET', '/clock')).now_ms; }
  /** Forgets jobs, files and the journal; the manual clock returns to 0. */
  reset() { return this.admin('POST', '/reset'); }
  /** {entries: [...]}: every exchange, with request and response (headers with keys masked, bodies). */
  journal({ after, limit } = {}) {
    const query = new URLSearchParams();
    if (after !== undefined) query.set('after', String(after));
    if (limit !== undefined) query.set('limit', String(limit));
    const text = query.toString();
    return this.admin('GET', `/journal${text ? `?${text}` : ''}`);
  }
  async jobs() { return (await this.admin('GET', '/jobs')).jobs; }
  /** Installs a scenario: a catalog name ('rate-limited') or a scenario document. */
  addScenario(nameOrDocument) {
    return this.admin('POST', '/scenarios', typeof nameOrDocument === 'string' ? { name: nameOrDocument } : nameOrDocument);
  }
  removeScenario(name) { return this.admin('DELETE', `/scenarios/${encodeURIComponent(name)}`); }
  async scenarios() { return (await this.admin('GET', '/scenarios')).scenarios; }
  /** A check of client behaviour: verify('honoured_retry_after'), verify('polled_no_faster_than', {interval_ms: 1000}). */
  verify(check, params = {}) {
    const query = new URLSearchParams({ check, ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) });
    return this.admin('GET', `/verify?${query}`);
  }
  coverage() { return this.admin('GET', '/verify/coverage'); }

  /** SIGTERM, then the exit code. Idempotent. */
  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    return this.exited;
  }
}
