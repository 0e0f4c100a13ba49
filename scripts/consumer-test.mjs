#!/usr/bin/env node
// Consumer test: every published package, installed alone from its tarball as a user would, runs
// its README's first example.
//
// For each package under packages/ that is listed below:
//   1. `pnpm pack` (its `prepack` script builds it) into a temporary folder outside the workspace,
//      and check the tarball: LICENSE, README, dist/, one `sourceMappingURL` line per built file;
//   2. a scratch npm project in that folder: `npm install <tarball> <the other packages of the
//      README's install line>` (the first ```sh block with `pnpm add` or `npm install`), from the
//      npm registry; a package that depends on other @agcl packages (semi-agcl) gets theirs from
//      their tarballs too, packed in step 1, since they are not on the registry before a release;
//   3. the README's first ```js block, run by Node as ESM (example.mjs) and as CommonJS (the same
//      code with `require`, in an async function: example.cjs), checking that each resolved the
//      package's ESM or CJS build; the two outputs must be equal, and equal to the ```text block
//      that follows the example in the README when there is one;
//   4. for the browser-capable packages: the same example bundled with esbuild for the browser
//      (`platform: 'browser'`, nothing marked external), loaded in Debian's Chromium (headless,
//      through playwright-core, no browser download); what it logs must equal Node's output.
//
// Usage: node scripts/consumer-test.mjs [package ...] [--no-browser] [--keep]
//   package       short names (sampler, unet, ...); default all
//   --no-browser  skip step 4 (Chromium is needed otherwise: `apt-get install -y chromium`); the
//                 browser checks it skips are counted as skipped
//   --keep        keep the temporary folder and print its path
// Environment: CHROMIUM (default /usr/bin/chromium). Prints one line per check and, last,
// `consumer test: N passed, N failed, N skipped` (scripts/run-tests.mjs reads it); exits non-zero
// when a check fails.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The packages, and whether each runs in a browser. datasets reads files with Node's fs: Node only. */
const PACKAGES = {
  'affinity-loss': { browser: true },
  backend: { browser: true },
  datasets: { browser: false },
  'mean-teacher': { browser: true },
  metrics: { browser: true },
  sampler: { browser: true },
  'semi-agcl': { browser: true },
  unet: { browser: true },
};
/** Checks step 4 makes per browser-capable package (counted as skipped with --no-browser). */
const BROWSER_CHECKS = 2;
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const RUN_TIMEOUT_MS = 180_000;

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
for (const f of flags) if (!['--no-browser', '--keep'].includes(f)) fail(`unknown option ${f}`);
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) if (!(n in PACKAGES)) fail(`unknown package '${n}' (known: ${Object.keys(PACKAGES).join(', ')})`);
const selected = names.length ? names : Object.keys(PACKAGES);
const withBrowser = !flags.has('--no-browser');
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';

function fail(message) {
  console.error(`consumer-test: ${message}`);
  process.exit(2);
}

if (withBrowser && !existsSync(chromium)) {
  fail(`no Chromium at ${chromium}: install it (Debian: apt-get install -y chromium), set CHROMIUM, or pass --no-browser`);
}

const work = mkdtempSync(join(tmpdir(), 'agcl-consumer-'));
if (!relative(root, work).startsWith('..')) fail(`the temporary folder ${work} is inside the workspace`);
const packs = join(work, 'packs');
mkdirSync(packs);

let passed = 0;
let failed = 0;
let skipped = 0;
function check(pkg, what, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${pkg.padEnd(13)} ${what}${!ok && detail ? `: ${detail}` : ''}`);
  return ok;
}

/** Runs a command; resolves with its exit code and output (never rejects). */
function run(cmd, argv, options = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? RUN_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      done({ code: 127, stdout, stderr: String(err) });
    });
  });
}

const firstLine = (s) => s.trim().split('\n').filter(Boolean).slice(-3).join(' | ').slice(0, 400);

/** The README's install line, first ```js block and the ```text block right after it. */
function readmeParts(pkg) {
  const text = readFileSync(join(root, 'packages', pkg, 'README.md'), 'utf8');
  const blocks = [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], body: m[2], end: m.index + m[0].length }));
  const install = blocks
    .filter((b) => b.lang === 'sh')
    .flatMap((b) => b.body.split('\n'))
    .find((l) => /^\s*(pnpm add|npm install|npm i)\s/.test(l));
  const index = blocks.findIndex((b) => b.lang === 'js');
  if (install == null || index < 0) return null;
  const specs = install
    .replace(/#.*$/, '')
    .trim()
    .split(/\s+/)
    .slice(2)
    .filter((s) => !s.startsWith('-'));
  const next = blocks[index + 1];
  const expected = next && next.lang === 'text' ? next.body : null;
  return { install: install.trim(), specs, example: blocks[index].body, expected };
}

/** The example as CommonJS: imports become require() calls, the rest runs in an async function. */
function toCommonJs(source) {
  const head = [];
  const body = [];
  for (const line of source.split('\n')) {
    let m;
    if ((m = /^import \* as (\w+) from '([^']+)';$/.exec(line))) head.push(`const ${m[1]} = require('${m[2]}');`);
    else if ((m = /^import \{([^}]+)\} from '([^']+)';$/.exec(line))) head.push(`const {${m[1].replace(/\b(\w+) as (\w+)\b/g, '$1: $2')}} = require('${m[2]}');`);
    else if ((m = /^import '([^']+)';$/.exec(line))) head.push(`require('${m[1]}');`);
    else if (/^import\b/.test(line)) throw new Error(`cannot turn into CommonJS: ${line}`);
    else body.push(line);
  }
  return `'use strict';\n${head.join('\n')}\n(async () => {\n${body.join('\n')}\n})().catch((err) => {\n  console.error(err);\n  process.exit(1);\n});\n`;
}

/** Problems in the installed package: files every package must ship; one source-map line per file. */
function inspectInstalled(dir) {
  const problems = [];
  for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts']) {
    if (!existsSync(join(dir, f))) problems.push(`missing ${f}`);
  }
  const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const k of ['repository', 'homepage', 'bugs']) if (pj[k] == null) problems.push(`no '${k}' in package.json`);
  for (const [dep, spec] of Object.entries({ ...pj.dependencies, ...pj.peerDependencies })) {
    if (String(spec).startsWith('workspace:')) problems.push(`dependency ${dep} is '${spec}' (pack with pnpm, which replaces workspace: ranges)`);
  }
  const dist = join(dir, 'dist');
  for (const f of existsSync(dist) ? readdirSync(dist) : []) {
    if (!/\.(c?js)$/.test(f)) continue;
    const n = readFileSync(join(dist, f), 'utf8').match(/^\/\/# sourceMappingURL=/gm)?.length ?? 0;
    if (n !== 1) problems.push(`dist/${f} has ${n} sourceMappingURL lines`);
  }
  return problems;
}

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };

/** Serves `dir` on 127.0.0.1; resolves with the server and its base URL. */
function serve(dir) {
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/\/$/, '/index.html'));
    if (!path.startsWith(dir) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({ server, url: `http://127.0.0.1:${server.address().port}/` })));
}

let browser = null;
async function launchBrowser() {
  if (browser) return browser;
  const { chromium: playwright } = await import('playwright-core');
  browser = await playwright.launch({ executablePath: chromium, headless: true, args: CHROMIUM_FLAGS });
  return browser;
}

/** Bundles the example for the browser, loads it in Chromium and returns what it logged. */
async function runInBrowser(project, log) {
  const esbuild = await import('esbuild');
  const page = join(project, 'page');
  mkdirSync(page, { recursive: true });
  writeFileSync(
    join(project, 'browser-entry.mjs'),
    "try {\n  await import('./example.mjs');\n  globalThis.__agclDone = { ok: true };\n} catch (err) {\n" +
      '  globalThis.__agclDone = { ok: false, error: String((err && err.stack) || err) };\n}\n',
  );
  const built = await esbuild.build({
    absWorkingDir: project,
    entryPoints: ['browser-entry.mjs'],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: page,
    logLevel: 'silent',
  });
  for (const w of built.warnings) log.push(`esbuild warning: ${w.text}`);
  // tfjs-backend-wasm fetches its binaries from beside the page unless told otherwise (see @agcl/backend's README).
  const wasmDir = join(project, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  if (existsSync(wasmDir)) for (const f of readdirSync(wasmDir)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDir, f), join(page, f));
  writeFileSync(join(page, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n<script type="module" src="./browser-entry.js"></script>\n');
  const { server, url } = await serve(page);
  const b = await launchBrowser();
  const context = await b.newContext();
  try {
    const tab = await context.newPage();
    const lines = [];
    const errors = [];
    tab.on('console', (m) => {
      if (m.type() === 'log') lines.push(m.text());
      else if (m.type() === 'error') errors.push(m.text());
    });
    tab.on('pageerror', (err) => errors.push(String(err)));
    await tab.goto(url);
    await tab.waitForFunction(() => globalThis.__agclDone != null, null, { timeout: RUN_TIMEOUT_MS });
    const done = await tab.evaluate(() => globalThis.__agclDone);
    if (!done.ok) errors.unshift(done.error);
    return { lines, errors };
  } finally {
    await context.close();
    server.close();
  }
}

/** The @agcl packages `pkg` depends on (its `dependencies`, transitively), as short names. */
function agclDependencies(pkg, seen = new Set()) {
  const pj = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pj.dependencies ?? {})) {
    if (!dep.startsWith('@agcl/')) continue;
    const short = dep.slice('@agcl/'.length);
    if (!existsSync(join(root, 'packages', short, 'package.json'))) fail(`${pkg} depends on ${dep}, which is not in packages/`);
    if (!seen.has(short)) {
      seen.add(short);
      agclDependencies(short, seen);
    }
  }
  return [...seen];
}

const summary = [];
try {
  // 1. Pack (prepack builds each package), with the @agcl packages the selected ones depend on.
  const tarballs = {};
  const toPack = [...new Set([...selected, ...selected.flatMap((p) => agclDependencies(p))])];
  for (const pkg of toPack) {
    const r = await run('pnpm', ['pack', '--pack-destination', packs], { cwd: join(root, 'packages', pkg) });
    const tgz = readdirSync(packs).find((f) => f.startsWith(`agcl-${pkg}-`) && f.endsWith('.tgz'));
    if (check(pkg, 'pnpm pack', r.code === 0 && tgz != null, r.code === 0 ? '' : firstLine(r.stderr || r.stdout))) tarballs[pkg] = join(packs, tgz);
  }

  for (const pkg of selected) {
    if (!tarballs[pkg]) continue;
    const parts = readmeParts(pkg);
    if (!check(pkg, 'README has an install line and a first ```js example', parts != null)) continue;
    const name = `@agcl/${pkg}`;
    const project = join(work, pkg);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: `consumer-${pkg}`, version: '0.0.0', private: true }, null, 2)}\n`);
    const specs = parts.specs.map((s) => (s === name || s.startsWith(`${name}@`) ? tarballs[pkg] : s));
    if (!specs.includes(tarballs[pkg])) {
      check(pkg, 'install line', false, `'${parts.install}' does not install ${name}`);
      continue;
    }
    // The @agcl packages it depends on, from their tarballs (npm takes them for the dependency ranges).
    const deps = agclDependencies(pkg);
    const missing = deps.filter((d) => !tarballs[d]);
    if (deps.length && !check(pkg, `tarballs of its @agcl dependencies (${deps.join(', ')})`, missing.length === 0, `not packed: ${missing.join(', ')}`)) continue;
    const depTarballs = deps.map((d) => tarballs[d]);
    const label = (s) => {
      const short = Object.keys(tarballs).find((k) => tarballs[k] === s);
      return short ? `<@agcl/${short} tarball>` : s;
    };

    // 2. Install, alone (with its own @agcl dependencies).
    const inst = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs, ...depTarballs], { cwd: project });
    if (!check(pkg, `npm install ${[...specs, ...depTarballs].map(label).join(' ')}`, inst.code === 0, firstLine(inst.stderr))) continue;
    const problems = inspectInstalled(join(project, 'node_modules', name));
    check(pkg, 'installed package (LICENSE, dist, repository fields, one source-map line)', problems.length === 0, problems.join('; '));

    // 3. Node: ESM and CommonJS.
    writeFileSync(join(project, 'example.mjs'), parts.example);
    writeFileSync(join(project, 'example.cjs'), toCommonJs(parts.example));
    const resolved = await run('node', [
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module'; console.log(import.meta.resolve('${name}')); console.log(createRequire(import.meta.url).resolve('${name}'));`,
    ], { cwd: project });
    const [esmFile = '', cjsFile = ''] = resolved.stdout.trim().split('\n');
    const outputs = {};
    for (const [kind, file, built] of [['ESM', 'example.mjs', esmFile], ['CJS', 'example.cjs', cjsFile]]) {
      const expectExt = kind === 'ESM' ? '.js' : '.cjs';
      const r = await run('node', [file], { cwd: project });
      const errorLines = r.stderr.split('\n').filter((l) => /error/i.test(l));
      const ok = r.code === 0 && errorLines.length === 0 && built.endsWith(expectExt);
      const detail = r.code !== 0 ? firstLine(r.stderr) : errorLines.length ? errorLines[0] : built.endsWith(expectExt) ? '' : `resolved ${built}`;
      if (check(pkg, `Node ${kind} runs the example (${built.split('/').slice(-2).join('/')})`, ok, detail)) outputs[kind] = r.stdout;
    }
    if (outputs.ESM != null && outputs.CJS != null) check(pkg, 'Node ESM and CJS print the same', outputs.ESM === outputs.CJS);
    if (outputs.ESM != null && parts.expected != null) {
      check(pkg, "Node prints what the README says", outputs.ESM === parts.expected, `README:\n${parts.expected}got:\n${outputs.ESM}`);
    }
    const nodeLines = (outputs.ESM ?? '').trimEnd().split('\n');

    // 4. Browser.
    let browserOk = null;
    if (!withBrowser && PACKAGES[pkg].browser) skipped += BROWSER_CHECKS;
    if (withBrowser && PACKAGES[pkg].browser) {
      const log = [];
      try {
        const { lines, errors } = await runInBrowser(project, log);
        for (const l of log) console.log(`     ${l}`);
        browserOk = check(pkg, 'Chromium runs the browser bundle', errors.length === 0, errors.join(' | ').slice(0, 600));
        if (browserOk && outputs.ESM != null) {
          browserOk = check(pkg, 'Chromium logs what Node prints', lines.join('\n') === nodeLines.join('\n'), `browser:\n${lines.join('\n')}\nnode:\n${nodeLines.join('\n')}`);
        }
      } catch (err) {
        browserOk = check(pkg, 'Chromium runs the browser bundle', false, String((err && err.message) || err).split('\n').slice(0, 6).join(' | '));
      }
    }
    summary.push({ pkg, esm: outputs.ESM != null, cjs: outputs.CJS != null, browser: browserOk, output: nodeLines });
  }
} finally {
  if (browser) await browser.close();
  if (flags.has('--keep')) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

console.log('\npackage       Node ESM  Node CJS  browser  first line of output');
for (const s of summary) {
  const mark = (v) => (v == null ? '-' : v ? 'ok' : 'FAIL');
  console.log(`${s.pkg.padEnd(13)} ${mark(s.esm).padEnd(9)} ${mark(s.cjs).padEnd(9)} ${mark(s.browser).padEnd(8)} ${s.output[0] ?? ''}`);
}
console.log(`consumer test: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
