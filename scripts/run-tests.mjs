#!/usr/bin/env node
// Builds every workspace package, runs every package's vitest suite through turbo (continuing past
// failures so that every package reports), then the consumer test (scripts/consumer-test.mjs: every
// package packed, installed alone and its README's first example run in Node and Chromium), and sums
// the per-package JSON reports and the consumer test's checks into one line:
//   tests: N passed, N failed, N skipped
// Exits non-zero when the build fails, a package's tests fail, a suite fails to load, a package
// with a test script leaves no report, a consumer check fails, or no test ran at all.
//
// Usage: node scripts/run-tests.mjs [--no-consumer-test] [turbo options, e.g. --filter=@agcl/metrics]
//   --no-consumer-test  skip the consumer test (it also skips with a --filter)
// Without Chromium (CHROMIUM, default /usr/bin/chromium) the consumer test runs with --no-browser,
// says so, and its browser checks count as skipped; with AGCL_REQUIRE_CHROMIUM=1 (CI) a missing
// Chromium is a failure instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1', FORCE_COLOR: '0' };
const ownFlags = new Set(['--no-consumer-test']);
const args = process.argv.slice(2);
const withConsumerTest = !args.includes('--no-consumer-test');
const passthrough = args.filter((a) => !ownFlags.has(a)); // e.g. --filter=@agcl/metrics

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

// The consumer test, after the suites: its checks join the totals.
if (!withConsumerTest || filtered) {
  console.log(`consumer test: not run (${filtered ? 'a --filter was given' : '--no-consumer-test'})`);
} else if (buildStatus !== 0) {
  console.log('consumer test: not run (the build failed)');
} else {
  const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
  const consumerArgs = [];
  if (!existsSync(chromium)) {
    if (process.env.AGCL_REQUIRE_CHROMIUM === '1') {
      problems.push(`consumer test: no Chromium at ${chromium} and AGCL_REQUIRE_CHROMIUM=1 (Debian: apt-get install -y chromium)`);
      failed += 1;
    } else {
      console.log(`consumer test: no Chromium at ${chromium}: the browser checks are skipped (--no-browser). Debian: apt-get install -y chromium`);
      consumerArgs.push('--no-browser');
    }
  }
  if (!problems.some((p) => p.startsWith('consumer test:'))) {
    const consumer = await runConsumerTest(consumerArgs);
    const m = /^consumer test: (\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(consumer.stdout);
    if (m) {
      passed += Number(m[1]);
      failed += Number(m[2]);
      skipped += Number(m[3]);
    }
    if (!m) {
      problems.push(`consumer test exited ${consumer.code} without its summary line`);
      failed += 1;
    } else if (consumer.code !== 0 && Number(m[2]) === 0) {
      problems.push(`consumer test exited ${consumer.code}`);
    }
  }
}

/** Runs scripts/consumer-test.mjs, echoing its output; resolves with its exit code and stdout. */
function runConsumerTest(extra) {
  console.log(`\n> node scripts/consumer-test.mjs ${extra.join(' ')}`.trimEnd());
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'scripts/consumer-test.mjs'), ...extra], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      process.stdout.write(d);
    });
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 128 : 1), stdout }));
    child.on('error', (err) => done({ code: 127, stdout: String(err) }));
  });
}

if (buildStatus !== 0) problems.push(`build failed (exit ${buildStatus})`);
if (testStatus !== 0 && failed === 0 && problems.length === 0) problems.push(`turbo test exited ${testStatus}`);
if (passed === 0) problems.push('no test ran');
for (const p of problems) console.error(`error: ${p}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
