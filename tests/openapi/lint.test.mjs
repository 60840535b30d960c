// Every OpenAPI document nanosim produces (each provider's export and the admin API's own) passes Spectral's
// spectral:oas ruleset with 0 errors and Redocly's recommended rules with no warning but those redocly.yaml turns off,
// each with its reason. Needs NANOSIM_BINARY (ctest sets it) and this folder's npm packages (scripts/setup.sh).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.env.NANOSIM_BINARY;
assert.ok(binary, 'NANOSIM_BINARY is not set');
const folder = mkdtempSync(join(tmpdir(), 'nanosim-openapi-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const ids = execFileSync(binary, ['contracts', 'list'], { encoding: 'utf8' }).trim().split('\n').map((l) => l.split(/\s+/)[0]);
const documents = ids.map((id) => {
  const file = join(folder, `${id}.json`);
  writeFileSync(file, execFileSync(binary, ['contracts', 'export', id, '--openapi'], { encoding: 'utf8', maxBuffer: 1 << 28 }));
  return file;
});
const admin = join(folder, 'admin.json');
copyFileSync(join(here, '..', '..', 'contracts', 'admin', 'openapi.json'), admin);
documents.push(admin);

const tool = (name) => join(here, 'node_modules', '.bin', name);

test('every export passes spectral:oas with 0 errors', () => {
  const run = spawnSync(tool('spectral'), ['lint', '-r', join(here, '.spectral.yaml'), '-f', 'json', '-q', ...documents],
    { encoding: 'utf8', maxBuffer: 1 << 28 });
  const results = JSON.parse(run.stdout || '[]');
  const errors = results.filter((r) => r.severity === 0);
  assert.deepEqual(errors.map((e) => `${e.source}: ${e.code} ${e.message} at ${e.path.join('.')}`), []);
});

test('every export passes Redocly recommended rules with no warning left', () => {
  for (const document of documents) {  // one run each: Redocly prints one JSON report per file
    const run = spawnSync(tool('redocly'), ['lint', '--config', join(here, 'redocly.yaml'), '--format', 'json', document],
      { encoding: 'utf8', maxBuffer: 1 << 28 });
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'), run.stdout.lastIndexOf('}') + 1));
    const problems = report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`);
    assert.deepEqual(problems, [], document);
  }
});
