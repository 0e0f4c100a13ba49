#!/usr/bin/env node
// Batch-norm diagnostic on a run's checkpoint: where do the student's running statistics go wrong?
// The weights stay those of the checkpoint; only the running statistics change. Each variant is scored on
// the validation volumes (3D Dice per volume, mean over RV, Myo, LV; inference mode):
//   checkpoint         the running statistics as trained (PyTorch momentum 0.1 over the training batches);
//   aug+dropout        re-estimated (cumulative average) on augmented training batches WITH dropout: what
//                      the running statistics would converge to at these weights (training's conditions);
//   aug                the same batches without dropout;
//   plain+dropout      the labeled training slices, not augmented, with dropout;
//   plain              the same without dropout (what `agcl eval --recalibrate-bn` does).
// checkpoint vs aug+dropout: lag and noise of the momentum-0.1 average; aug+dropout vs aug: dropout's
// variance shift; aug vs plain: the augmentation's shift of the input distribution.
// It also prints, per batch-norm layer, the ratio of each variant's mean running variance to `plain`'s.
// Usage:
//   node experiments/acdc/diagnose-bn.mjs --run experiments/acdc/runs/reference/sup-7p-seed2027 \
//     [--checkpoint best|last] [--batches 64] [--data-dir DIR]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { toBatchTensors } from '@agcl/datasets';
import { drawBatch, evaluateVolumes, loadCheckpoint, loadTrainingData, readRunConfig, resolveConfig } from '@agcl/trainer';
import { defaultAcdcDir } from './lib/experiment.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: argv } = parseArgs({
  options: { run: { type: 'string' }, checkpoint: { type: 'string', default: 'best' }, batches: { type: 'string', default: '64' }, 'data-dir': { type: 'string' } },
});
if (!argv.run) {
  console.error('diagnose-bn: --run <run folder> is required');
  process.exit(2);
}
const batches = Number(argv.batches);
if (!(Number.isInteger(batches) && batches > 0)) {
  console.error(`diagnose-bn: --batches must be a positive integer, got ${argv.batches}`);
  process.exit(2);
}
const dataDir = argv['data-dir'] ?? defaultAcdcDir(path.resolve(here, '../..'));

await initBackend({ backend: 'wasm', threads: 1 });
const config = resolveConfig({ ...readRunConfig(argv.run), dataDir });
const data = await loadTrainingData(config);
const ckpt = await loadCheckpoint(path.join(argv.run, 'checkpoints', argv.checkpoint));
const model = ckpt.student;
const stats = model.nonTrainableVariables();
const snapshot = () => stats.map((v) => tf.clone(v));
const restore = (values) => stats.forEach((v, i) => v.assign(values[i]));
const trained = snapshot();

/** Cumulative average of the batch statistics over `makeBatches()` (momentum 1/(k+1), as recalibrateBatchNorm). */
function reestimate(makeBatches, dropout) {
  let k = 0;
  for (const x of makeBatches()) {
    const out = model.forward(x, { training: true, dropout, bnMomentum: 1 / (k + 1), seed: 900000 + k });
    tf.dispose([out.logits, out.embeddings, out.features]);
    k += 1;
  }
  return k;
}
function* augmentedBatches() {
  for (let b = 0; b < batches; b++) {
    const t = drawBatch(data.labeled, { batch: config.batch, step: 200000 + b, seed: config.seed, stream: 'labeled', augment: true, scheme: config.augmentScheme });
    try {
      yield t.x;
    } finally {
      tf.dispose([t.x, t.y]);
    }
  }
}
function* plainBatches() {
  for (let i = 0; i + 1 < data.labeled.length; i += config.batch) {
    const t = toBatchTensors(tf, data.labeled.slice(i, i + config.batch));
    try {
      yield t.x;
    } finally {
      tf.dispose([t.x, t.y]);
    }
  }
}

async function score() {
  const r = await evaluateVolumes(model, data.val, { size: config.size, numClasses: data.numClasses, kind: 'cardiac', classNames: data.classNames, metricNames: ['dice'] });
  return r;
}
function meanDice(result) {
  const per = data.classNames.map((c) => result.summary[c]?.dice ?? NaN);
  return { per, mean: per.reduce((a, b) => a + b, 0) / per.length };
}

const variants = [
  ['checkpoint', null],
  ['aug+dropout', () => reestimate(augmentedBatches, true)],
  ['aug', () => reestimate(augmentedBatches, false)],
  ['plain+dropout', () => reestimate(plainBatches, true)],
  ['plain', () => reestimate(plainBatches, false)],
];
const before = tf.memory().numTensors;
const rows = [];
const variances = {};
for (const [name, run] of variants) {
  restore(trained);
  const used = run ? run() : 0;
  const t0 = Date.now();
  const result = await score();
  const d = meanDice(result);
  rows.push({ name, used, ...d, seconds: (Date.now() - t0) / 1000 });
  variances[name] = stats.filter((v) => v.name.includes('movingVariance')).map((v) => tf.tidy(() => tf.mean(v).dataSync()[0]));
  console.error(`${name}: mean Dice ${d.mean.toFixed(3)} (${used} batches re-estimated)`);
}
console.log(`run ${argv.run}, checkpoint ${argv.checkpoint} (step ${ckpt.state.step}), ${data.val.length} validation volumes`);
console.log(`| running statistics | batches | ${data.classNames.join(' | ')} | mean |`);
console.log(`| --- | --- | ${data.classNames.map(() => '---').join(' | ')} | --- |`);
for (const r of rows) console.log(`| ${r.name} | ${r.used || '-'} | ${r.per.map((v) => v.toFixed(3)).join(' | ')} | ${r.mean.toFixed(3)} |`);
const layerNames = stats.filter((v) => v.name.includes('movingVariance')).map((v) => v.name.replace(/\/movingVariance.*$/, '').replace(/^.*?(enc|dec|proj)/, '$1'));
console.log('\nmean running variance relative to `plain`, per batch-norm layer:');
console.log(`| layer | ${variants.map(([n]) => n).join(' | ')} |`);
console.log(`| --- | ${variants.map(() => '---').join(' | ')} |`);
layerNames.forEach((n, i) => {
  console.log(`| ${n} | ${variants.map(([v]) => (variances[v][i] / variances.plain[i]).toFixed(2)).join(' | ')} |`);
});
tf.dispose(trained);
console.log(`tensors: ${before} before, ${tf.memory().numTensors} after`);
model.dispose();
ckpt.teacher?.dispose();
