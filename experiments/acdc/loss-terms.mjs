#!/usr/bin/env node
// Loss-term summary of one run folder from its metrics.jsonl (the figures quoted in README.md):
// iterations with a non-zero patch contrastive term, ln N - L_AG (N = sampled patches) over the first
// and last 100 iterations, and the sum of the per-iteration times. Usage:
//   node experiments/acdc/loss-terms.mjs runs/b500/agcl-3p-seed1337 [more run folders]
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node experiments/acdc/loss-terms.mjs <run folder> [...]');
  process.exit(2);
}
for (const dir of dirs) {
  const file = path.join(dir, 'metrics.jsonl');
  if (!existsSync(file)) {
    console.error(`${dir}: no metrics.jsonl (expected a run folder of agcl train)`);
    process.exitCode = 1;
    continue;
  }
  // A killed sitting can leave iterations past its last checkpoint; the resumed sitting rewrites them: keep the last.
  const byStep = new Map();
  for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim()) byStep.set(JSON.parse(line).step, JSON.parse(line));
  const rows = [...byStep.values()].sort((a, b) => a.step - b.step);
  const nonZero = rows.filter((r) => (r.terms.contrastive ?? 0) > 1e-6).length;
  const gap = (part) => {
    const withAg = part.filter((r) => r.terms.affinity !== undefined && r.patches >= 2);
    return withAg.length ? (withAg.reduce((a, r) => a + Math.log(r.patches) - r.terms.affinity, 0) / withAg.length).toFixed(3) : 'n/a';
  };
  const minutes = rows.reduce((a, r) => a + (r.seconds ?? 0), 0) / 60;
  console.log(`${dir}: ${rows.length} iterations; contrastive term non-zero in ${nonZero}; ln N - L_AG first 100 ${gap(rows.slice(0, 100))}, last 100 ${gap(rows.slice(-100))}; iteration time ${minutes.toFixed(1)} min`);
}
