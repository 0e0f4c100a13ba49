#!/usr/bin/env node
// Measures how long @agcl/datasets takes to load the full ACDC training slices and validation
// volumes (SSL4MIS HDF5 layout) from the built package. Usage, from packages/datasets:
//   npx tsup && node scripts/measure-acdc-load.mjs [path/to/acdc] [--size 128]
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAcdcH5 } from '../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const sizeAt = args.indexOf('--size');
const size = sizeAt >= 0 ? Number(args[sizeAt + 1]) : undefined;
const positional = args.filter((a, i) => !a.startsWith('--') && (sizeAt < 0 || i !== sizeAt + 1));
const root = positional[0] ?? process.env.AGCL_DATA_DIR ?? path.resolve(here, '../../../../shared/data/acdc');

let drawn = -1;
const bar = (p) => {
  // Redraw only when the bar grows (and only on a terminal), so logs stay short.
  const w = 30;
  const f = Math.round((w * p.done) / p.total);
  if (p.done === 1) drawn = -1;
  if (f === drawn) return;
  drawn = f;
  if (process.stdout.isTTY) process.stdout.write(`\r  [${'#'.repeat(f)}${'.'.repeat(w - f)}] ${p.done}/${p.total} ${(p.elapsedMs / 1000).toFixed(1)} s`);
};
const newline = () => process.stdout.isTTY && process.stdout.write('\n');

const t0 = performance.now();
const train = await readAcdcH5(root, { split: 'train', onProgress: bar, ...(size ? { size } : {}) });
newline();
const val = await readAcdcH5(root, { split: 'val', onProgress: bar });
newline();
const total = (performance.now() - t0) / 1000;
const bytes =
  train.slices.reduce((a, s) => a + s.image.byteLength + s.label.byteLength, 0) +
  val.volumes.reduce((a, v) => a + v.image.byteLength + v.label.byteLength, 0);
console.log(
  `ACDC ${root}\n` +
    `  train: ${train.slices.length} slices in ${(train.elapsedMs / 1000).toFixed(2)} s${size ? ` (resized to ${size}x${size})` : ''}\n` +
    `  val:   ${val.volumes.length} volumes in ${(val.elapsedMs / 1000).toFixed(2)} s\n` +
    `  total: ${total.toFixed(2)} s, ${(bytes / 2 ** 20).toFixed(0)} MiB decoded; Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'CPU'}`,
);
