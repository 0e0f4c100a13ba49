#!/usr/bin/env node
// Release check: what `changeset version` + `changeset publish` would release now, and whether it is
// ready. Offline: it reads git and the workspace only (no registry).
//
//   1. `changeset status --output <tmp>` (offline): the pending changesets and, per package, the bump
//      and the new version;
//   2. lists the packages that would be published (public packages under packages/ with a bump), their
//      current and new versions and the changesets behind each; private packages that changesets would
//      version anyway are listed as a warning (add them to `ignore` in .changeset/config.json);
//   3. fails when a public package changed since its last release tag without a pending changeset
//      naming it. The release tag is `<name>@<version>` (what `changeset publish` tags); the latest by
//      version is used; a package never tagged counts as changed since the first commit. "Changed" is a
//      committed, staged, unstaged or untracked change to a file the package ships (package.json,
//      README, LICENSE and its `files` patterns, tests excluded by them);
//   4. fails when a package to publish lacks a built file that its package.json points to (`main`,
//      `module`, `types`, `bin`, every `exports` target): run `pnpm build` first. (`prepack` builds
//      again when publishing; this catches a broken or missing build before that.)
//
// Usage: node scripts/release-check.mjs [--since <git ref>]   (pnpm release:check)
//   --since <ref>  compare every package with <ref> instead of its release tag
// Exits 0 when ready, 1 when a check fails, 2 on a usage or tool error.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function usage(message) {
  console.error(`release-check: ${message}`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let since = null;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--since') {
    since = argv[++i];
    if (!since) usage('--since needs a git ref');
  } else if (argv[i].startsWith('--since=')) since = argv[i].slice('--since='.length);
  else usage(`unknown argument '${argv[i]}' (usage: node scripts/release-check.mjs [--since <git ref>])`);
}

function git(args, { allowFail = false } = {}) {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) usage(`git ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.status === 0 ? r.stdout : null;
}

// 1. changeset status.
const tmp = mkdtempSync(join(tmpdir(), 'agcl-release-'));
const statusFile = join(tmp, 'status.json');
const cs = spawnSync('pnpm', ['exec', 'changeset', 'status', '--output', statusFile], { cwd: root, encoding: 'utf8' });
if (cs.status !== 0 || !existsSync(statusFile)) {
  rmSync(tmp, { recursive: true, force: true });
  usage(`changeset status failed (exit ${cs.status}): ${(cs.stderr || cs.stdout).trim().split('\n').slice(-3).join(' | ')}`);
}
const status = JSON.parse(readFileSync(statusFile, 'utf8'));
rmSync(tmp, { recursive: true, force: true });

// The workspace's packages by name.
const packages = new Map();
for (const group of ['packages', 'examples', 'experiments', '.']) {
  const base = join(root, group);
  const dirs = group === '.' ? [join(root, 'bench')] : existsSync(base) ? readdirSync(base).map((n) => join(base, n)) : [];
  for (const dir of dirs) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pj = JSON.parse(readFileSync(file, 'utf8'));
    packages.set(pj.name, { dir, rel: relative(root, dir), pj, publishable: group === 'packages' && !pj.private });
  }
}

let failures = 0;
const fail = (line) => {
  failures++;
  console.log(`FAIL ${line}`);
};

// 2. What would be released: the pending bumps, and packages already versioned (`pnpm version-packages`
// ran: CHANGELOG.md has a heading for the current version) whose version has no release tag yet.
const releases = status.releases.filter((r) => r.type !== 'none');
const hasTag = (name, version) => (git(['tag', '--list', `${name}@${version}`]) ?? '').trim() !== '';
for (const [name, p] of packages) {
  if (!p.publishable || releases.some((r) => r.name === name)) continue;
  const changelog = join(p.dir, 'CHANGELOG.md');
  const versioned = existsSync(changelog) && new RegExp(`^## ${p.pj.version.replace(/\./g, '\\.')}\\s*$`, 'm').test(readFileSync(changelog, 'utf8'));
  if (versioned && !hasTag(name, p.pj.version)) {
    releases.push({ name, type: 'versioned', oldVersion: p.pj.version, newVersion: p.pj.version, changesets: [], awaitingPublish: true });
  }
}
const toPublish = releases.filter((r) => packages.get(r.name)?.publishable);
const privateBumped = releases.filter((r) => !packages.get(r.name)?.publishable);
console.log(`${status.changesets.length} pending changeset${status.changesets.length === 1 ? '' : 's'} (.changeset/*.md)`);
console.log(toPublish.length ? '\nchangesets would publish:' : '\nchangesets would publish nothing');
const w = Math.max(0, ...toPublish.map((r) => r.name.length));
for (const r of toPublish) {
  if (r.awaitingPublish) console.log(`  ${r.name.padEnd(w)}  ${r.newVersion}  (versioned by pnpm version-packages, not yet tagged)`);
  else console.log(`  ${r.name.padEnd(w)}  ${r.oldVersion} -> ${r.newVersion}  (${r.type}; ${r.changesets.length} changeset${r.changesets.length === 1 ? '' : 's'}: ${r.changesets.join(', ') || 'dependency bump'})`);
}
for (const r of privateBumped) {
  console.log(`warning: private ${r.name} would be versioned ${r.oldVersion} -> ${r.newVersion} (not published); add it to "ignore" in .changeset/config.json`);
}

// 3. Changed since the last release tag without a changeset.
/** A `files` pattern of package.json as a RegExp over package-relative paths (a folder matches what is in it). */
function patternRegExp(pattern) {
  const body = pattern
    .replace(/^\.\//, '')
    .replace(/\/$/, '')
    .split(/(\*\*\/|\*\*|\*)/)
    .map((part) => (part === '**/' ? '(?:.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}(?:/.*)?$`);
}
/** Whether the package ships the file at `path` (relative to its folder). */
function ships(pj, path) {
  if (path === 'package.json' || /^(README|LICENSE|LICENCE|CHANGELOG)(\.|$)/i.test(path)) return true;
  if (!pj.files) return true;
  let included = false;
  for (const p of pj.files) {
    const negated = p.startsWith('!');
    if (patternRegExp(negated ? p.slice(1) : p).test(path)) included = !negated;
  }
  return included;
}
/** The latest `<name>@<version>` tag, by version. */
function releaseTag(name) {
  const tags = (git(['tag', '--list', `${name}@*`]) ?? '').split('\n').filter(Boolean);
  const version = (t) => t.slice(name.length + 1).split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  tags.sort((a, b) => {
    const [va, vb] = [version(a), version(b)];
    for (let i = 0; i < Math.max(va.length, vb.length); i++) {
      if (va[i] === vb[i]) continue;
      if (va[i] === undefined) return -1;
      if (vb[i] === undefined) return 1;
      return va[i] < vb[i] ? -1 : 1;
    }
    return 0;
  });
  return tags.at(-1) ?? null;
}
const firstCommit = git(['rev-list', '--max-parents=0', 'HEAD']).trim().split('\n')[0];
if (since && git(['rev-parse', '--verify', '--quiet', `${since}^{commit}`], { allowFail: true }) === null) usage(`--since ${since}: not a git commit`);
const pending = new Set(releases.map((r) => r.name));
console.log('\nchanged since the last release, and covered by a changeset:');
for (const [name, p] of [...packages].sort()) {
  if (!p.publishable) continue;
  const tag = since ?? releaseTag(name);
  const base = tag ?? firstCommit;
  const changed = new Set([
    ...git(['diff', '--name-only', base, '--', p.rel]).split('\n'), // committed since base, staged and unstaged
    ...git(['ls-files', '--others', '--exclude-standard', '--', p.rel]).split('\n'), // untracked
  ]);
  const shipped = [...changed].filter(Boolean).map((f) => f.slice(p.rel.length + 1)).filter((f) => ships(p.pj, f));
  // A package never tagged: everything since the first commit (the first commit itself too, when it held the package).
  const fresh = tag === null;
  const sinceText = tag ? `since ${tag}` : 'never released';
  if (!shipped.length && !fresh) {
    console.log(`  ${name.padEnd(w)}  unchanged ${sinceText}`);
  } else if (pending.has(name)) {
    const how = releases.find((r) => r.name === name).awaitingPublish ? 'versioned, awaiting publish' : 'changeset ok';
    console.log(`  ${name.padEnd(w)}  ${fresh ? 'never released' : `${shipped.length} shipped file${shipped.length === 1 ? '' : 's'} changed ${sinceText}`}: ${how}`);
  } else {
    fail(`${name}: ${fresh ? 'never released' : `${shipped.length} shipped file${shipped.length === 1 ? '' : 's'} changed ${sinceText} (${shipped.slice(0, 4).join(', ')}${shipped.length > 4 ? ', ...' : ''})`} and no pending changeset names it: add one (.changeset/README.md)`);
  }
}

// 4. A build for every package to publish.
/** Every file path a package.json points to. */
function entryFiles(pj) {
  const out = new Set();
  const add = (v) => {
    if (typeof v === 'string') {
      if (v.startsWith('./') && !v.includes('*') && !v.startsWith('./src/')) out.add(v.slice(2));
    } else if (v && typeof v === 'object') for (const x of Object.values(v)) add(x);
  };
  for (const k of ['main', 'module', 'types', 'typings']) if (typeof pj[k] === 'string') add(pj[k].startsWith('./') ? pj[k] : `./${pj[k]}`);
  add(typeof pj.bin === 'string' ? pj.bin : pj.bin ?? null);
  // exports: the targets, not the @agcl/source condition (the sources, for the workspace only)
  const exportsTargets = (e) => {
    if (typeof e === 'string') add(e);
    else if (e && typeof e === 'object') for (const [k, v] of Object.entries(e)) if (k !== '@agcl/source') exportsTargets(v);
  };
  exportsTargets(pj.exports);
  out.delete('package.json');
  return [...out];
}
console.log('\nbuilt files of the packages to publish:');
for (const r of toPublish) {
  const p = packages.get(r.name);
  const files = entryFiles(p.pj);
  const missing = files.filter((f) => !existsSync(join(p.dir, f)));
  if (missing.length) fail(`${r.name}: ${missing.length} of ${files.length} built files missing (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}): run pnpm build`);
  else console.log(`  ${r.name.padEnd(w)}  ${files.length} built files present`);
}

const next = toPublish.length === 0 ? 'nothing to publish' : toPublish.every((r) => r.awaitingPublish) ? 'publish with `pnpm changeset publish`' : 'version with `pnpm version-packages`, then publish with `pnpm changeset publish`';
console.log(failures ? `\nrelease check: ${failures} problem${failures === 1 ? '' : 's'}` : `\nrelease check: ready (${next})`);
process.exit(failures ? 1 : 0);
