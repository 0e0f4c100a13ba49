#!/usr/bin/env node
// Builds every workspace package, runs every package's vitest suite through turbo (continuing past
// failures so that every package reports), then sums the per-package JSON reports into one line:
//   tests: N passed, N failed, N skipped
// Exits non-zero when the build fails, a package's tests fail, a suite fails to load, a package
// with a test script leaves no report, or no test ran at all.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1', FORCE_COLOR: '0' };
const passthrough = process.argv.slice(2); // e.g. --filter=@agcl/metrics

function workspaceDirs() {
  const dirs = [];
  for (const group of ['packages', 'examples', 'experiments']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) dirs.push(join(base, name));
  }
  dirs.push(join(root, 'bench'));
  return dirs.filter((d) => existsSync(join(d, 'package.json')));
}

const withTests = workspaceDirs().filter((d) => {
  const pj = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8'));
  return Boolean(pj.scripts?.test);
});
for (const d of withTests) rmSync(join(d, '.vitest-report.json'), { force: true });

const turbo = (task, extra = []) =>
  spawnSync('pnpm', ['exec', 'turbo', 'run', task, '--continue', '--concurrency=2', ...extra, ...passthrough], {
    cwd: root,
    env,
    stdio: 'inherit',
  }).status;

const buildStatus = turbo('build', ['--output-logs=errors-only']);
const testStatus = turbo('test');

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
const filtered = passthrough.some((a) => a.startsWith('--filter'));
for (const d of withTests) {
  const report = join(d, '.vitest-report.json');
  const rel = d.slice(root.length);
  if (!existsSync(report)) {
    if (!filtered) problems.push(`${rel}: no test report (the suite did not run)`);
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  const broken = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0);
  for (const t of broken) problems.push(`${t.name.slice(root.length)}: suite failed to load: ${(t.message ?? '').split('\n')[0]}`);
  if (r.numFailedTestSuites && !broken.length && !r.numFailedTests) problems.push(`${rel}: ${r.numFailedTestSuites} suite(s) failed`);
}

if (buildStatus !== 0) problems.push(`build failed (exit ${buildStatus})`);
if (testStatus !== 0 && failed === 0 && problems.length === 0) problems.push(`turbo test exited ${testStatus}`);
if (passed === 0) problems.push('no test ran');
for (const p of problems) console.error(`error: ${p}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
