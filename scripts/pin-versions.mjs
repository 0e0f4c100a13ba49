#!/usr/bin/env node
// Rewrites caret/tilde ranges in every workspace package.json to the exact version, so installs repeat.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
const root = new URL('..', import.meta.url).pathname;
const files = [join(root, 'package.json'), join(root, 'bench/package.json')];
for (const g of ['packages', 'examples', 'experiments']) {
  if (!existsSync(join(root, g))) continue;
  for (const d of readdirSync(join(root, g))) if (existsSync(join(root, g, d, 'package.json'))) files.push(join(root, g, d, 'package.json'));
}
for (const f of files) {
  if (!existsSync(f)) continue;
  const pj = JSON.parse(readFileSync(f, 'utf8'));
  let changed = false;
  for (const k of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    for (const [n, v] of Object.entries(pj[k] ?? {})) {
      const m = /^[\^~](\d+\.\d+\.\d+(?:-[\w.]+)?)$/.exec(v);
      if (m) { pj[k][n] = m[1]; changed = true; }
    }
  }
  if (changed) writeFileSync(f, JSON.stringify(pj, null, 2) + '\n');
}
