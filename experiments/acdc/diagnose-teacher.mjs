#!/usr/bin/env node
// Teacher diagnostic on a run's checkpoint: how good are the teacher's (and the student's) predictions
// on the batches the teacher actually sees in training, in each forward mode?
//   eval   running statistics, no dropout (inference mode);
//   batch  batch statistics of the batch, no dropout (running statistics untouched);
//   train  batch statistics and dropout (SSL4MIS's EMA model, which is never put in eval mode).
// Batches: 4 labeled + 4 labeled slices drawn as in training (augmented, seeded by step), so that every
// image has a label to score against; Dice per class (RV, Myo, LV) summed over the batch's pixels.
// Usage:
//   node experiments/acdc/diagnose-teacher.mjs --run experiments/acdc/runs/reference/agcl-7p-seed1337 \
//     [--checkpoint last|best] [--batches 20] [--data-dir DIR]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { loadCheckpoint, loadTrainingData, drawBatch, readRunConfig, resolveConfig } from '@agcl/trainer';
import { defaultAcdcDir } from './lib/experiment.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: argv } = parseArgs({
  options: { run: { type: 'string' }, checkpoint: { type: 'string', default: 'last' }, batches: { type: 'string', default: '20' }, 'data-dir': { type: 'string' } },
});
const run = argv.run;
if (!run) {
  console.error('diagnose-teacher: --run <run folder> is required');
  process.exit(2);
}
const which = argv.checkpoint;
const batches = Number(argv.batches);
if (!(Number.isInteger(batches) && batches > 0)) {
  console.error(`diagnose-teacher: --batches must be a positive integer, got ${argv.batches}`);
  process.exit(2);
}
const dataDir = argv['data-dir'] ?? defaultAcdcDir(path.resolve(here, '../..'));

await initBackend({ backend: 'wasm', threads: 1 });
const saved = readRunConfig(run);
const config = resolveConfig({ ...saved, dataDir });
const data = await loadTrainingData(config);
const ckpt = await loadCheckpoint(path.join(run, 'checkpoints', which));
const K = data.numClasses;
const names = data.classNames; // the foreground classes (RV, Myo, LV); class 0 is background
const modes = {
  eval: (m, x) => m.forward(x, { training: false }).logits,
  batch: (m, x) => m.forward(x, { training: true, dropout: false, bnMomentum: 0 }).logits,
  train: (m, x, seed) => m.forward(x, { training: true, bnMomentum: 0, seed }).logits,
};
const models = { student: ckpt.student, ...(ckpt.teacher ? { teacher: ckpt.teacher } : {}) };
const stats = {};
for (const m of Object.keys(models)) for (const mode of Object.keys(modes)) stats[`${m}/${mode}`] = { inter: new Array(K).fill(0), sum: new Array(K).fill(0) };
const before = tf.memory().numTensors;
for (let b = 0; b < batches; b++) {
  const step = 100000 + b;
  const a = drawBatch(data.labeled, { batch: config.batch, step, seed: config.seed, stream: 'labeled', augment: config.augment, scheme: config.augmentScheme });
  const c = drawBatch(data.labeled, { batch: config.batch, step, seed: config.seed + 1, stream: 'labeled', augment: config.augment, scheme: config.augmentScheme });
  const x = tf.concat([a.x, c.x], 0);
  const yt = tf.concat([a.y, c.y], 0);
  const y = await yt.data();
  for (const [mName, model] of Object.entries(models)) {
    for (const [mode, f] of Object.entries(modes)) {
      const pred = tf.tidy(() => tf.argMax(f(model, x, step), 3));
      const p = await pred.data();
      pred.dispose();
      const s = stats[`${mName}/${mode}`];
      for (let i = 0; i < p.length; i++) {
        if (p[i] === y[i]) s.inter[p[i]] += 1;
        s.sum[p[i]] += 1;
        s.sum[y[i]] += 1;
      }
    }
  }
  tf.dispose([a.x, a.y, c.x, c.y, x, yt]);
}
console.log(`run ${run}, checkpoint ${which} (step ${ckpt.state.step}), ${batches} batches of ${2 * config.batch} labeled training slices`);
console.log(`| model / forward | ${names.join(' | ')} | mean |`);
console.log(`| --- | ${names.map(() => '---').join(' | ')} | --- |`);
for (const [key, s] of Object.entries(stats)) {
  const dice = s.inter.map((v, k) => (s.sum[k] ? (2 * v) / s.sum[k] : NaN)).slice(1);
  console.log(`| ${key} | ${dice.map((d) => d.toFixed(3)).join(' | ')} | ${(dice.reduce((a, b) => a + b, 0) / dice.length).toFixed(3)} |`);
}
console.log(`tensors: ${before} before the batches, ${tf.memory().numTensors} after`);
ckpt.student.dispose();
ckpt.teacher?.dispose();
