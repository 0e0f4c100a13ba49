#!/usr/bin/env node
// Sampler diagnostic on real ACDC batches (no network): how many positives and negatives per class
// does samplePatches give, and how often does a class have the >= 2 positives and >= 1 negative that
// the patch contrastive loss needs? Confidence maps: one-hot labels for the labeled half; for the
// unlabeled half either the one-hot labels (an ideal, fully confident teacher) or labels smoothed to
// 0.7 on the true class (a moderately confident teacher). It also reports the affinity-graph loss's
// reference values on the sampled patches: ln N (a uniform student graph, what collapsed or
// uninformative embeddings score), the mean row entropy of the target graph W-hat (the floor, reached
// only if the student graph equals W-hat) and the loss of ideal class-clustered embeddings (one
// orthogonal unit vector per class, student = teacher) at tau_g = 0.2. Usage:
//   node experiments/acdc/diagnose-sampler.mjs [--steps 40] [--draw pool|stratified] [--patch-size 16]
//     [--samples-per-class 16] [--data-dir DIR]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { affinityGraphLoss, targetAffinityGraph } from '@agcl/affinity-loss';
import { averagePatchEntropy, samplePatches } from '@agcl/sampler';
import { deriveSeed, patchDiagnostics } from '@agcl/semi-agcl';
import { loadTrainingData, drawBatch, resolveConfig } from '@agcl/trainer';
import { defaultAcdcDir } from './lib/experiment.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: argv } = parseArgs({
  options: { steps: { type: 'string', default: '40' }, draw: { type: 'string', default: 'pool' }, 'patch-size': { type: 'string', default: '16' }, 'samples-per-class': { type: 'string', default: '16' }, 'data-dir': { type: 'string' } },
});
const patchSize = Number(argv['patch-size']);
const samplesPerClass = Number(argv['samples-per-class']);
const steps = Number(argv.steps);
const draw = argv.draw;
const dataDir = argv['data-dir'] ?? defaultAcdcDir(path.resolve(here, '../..'));

await initBackend({ backend: 'cpu' });
const config = resolveConfig({ dataset: 'acdc', dataDir, labeledPatients: 3, size: 128, channels: [16, 32, 64, 128, 256] });
const data = await loadTrainingData(config);
const K = 4;
const names = ['BG', 'RV', 'Myo', 'LV'];
const scenarios = [
  { name: 'ideal teacher (one-hot)', smooth: 1 },
  { name: 'moderate teacher (0.7 on the true class)', smooth: 0.7 },
];
for (const sc of scenarios) {
  const pos = new Array(K).fill(0);
  const neg = new Array(K).fill(0);
  const usable = new Array(K).fill(0);
  const present = new Array(K).fill(0);
  const poolMajority = new Array(K).fill(0);
  let patches = 0;
  const graph = { steps: 0, lnN: 0, floor: 0, clustered: 0 };
  for (let step = 0; step < steps; step++) {
    const l = drawBatch(data.labeled, { batch: 4, step, seed: 1337, stream: 'labeled', augment: true });
    const u = drawBatch(data.unlabeled, { batch: 4, step, seed: 1337, stream: 'unlabeled', augment: true });
    const { x, conf } = tf.tidy(() => {
      const x = tf.concat([l.x, u.x], 0);
      const ohL = tf.cast(tf.oneHot(tf.cast(l.y, 'int32'), K), 'float32');
      const ohU = tf.cast(tf.oneHot(tf.cast(u.y, 'int32'), K), 'float32');
      const soft = tf.add(tf.mul(ohU, sc.smooth - (1 - sc.smooth) / (K - 1)), (1 - sc.smooth) / (K - 1));
      return { x, conf: tf.concat([ohL, soft], 0) };
    });
    const ape = averagePatchEntropy(conf, { patchSize, stride: patchSize, intensity: x, beta: 0.5, bins: 16 });
    const apeV = await ape.ape.data();
    const muV = await ape.meanConfidence.data();
    const sampleOptions = { samplesPerClass, delta: 0.2, maxPatches: 256, seed: deriveSeed(1337, 'sampler', step) };
    if (draw === 'stratified') sampleOptions.draw = 'stratified';
    const s = samplePatches(apeV, muV, ape.ape.shape, sampleOptions);
    patches += s.count;
    if (s.count >= 2) {
      const [floor, clustered] = tf.tidy(() => {
        const q = tf.tensor2d(s.confidence, [s.count, K]);
        const w = targetAffinityGraph(q, { threshold: 0.8 });
        const entropy = tf.mean(tf.neg(tf.sum(tf.mul(w, tf.log(tf.add(w, 1e-12))), 1)));
        const z = tf.cast(tf.oneHot(tf.argMax(q, 1), K), 'float32');
        return [entropy.dataSync()[0], affinityGraphLoss(z, z, q, { temperature: 0.2, threshold: 0.8 }).dataSync()[0]];
      });
      const d = patchDiagnostics(s, 0.8);
      if (Math.abs(d.graphFloor - floor) > 1e-3) throw new Error(`graph floor: patchDiagnostics ${d.graphFloor} against ${floor}`);
      graph.steps++;
      graph.lnN += Math.log(s.count);
      graph.floor += floor;
      graph.clustered += clustered;
    }
    for (let t = 0; t < muV.length / K; t++) {
      let b = 0;
      for (let c = 1; c < K; c++) if (muV[t * K + c] > muV[t * K + b]) b = c;
      poolMajority[b]++;
    }
    for (const g of s.groups) {
      present[g.classIndex]++;
      pos[g.classIndex] += g.positives.length;
      neg[g.classIndex] += g.negatives.length;
      if (g.positives.length >= 2 && g.negatives.length >= 1) usable[g.classIndex]++;
    }
    tf.dispose([l.x, l.y, u.x, u.y, x, conf, ape.ape, ape.meanConfidence]);
  }
  console.log(`\n${sc.name}, draw '${draw}', ${steps} batches of 4 labeled + 4 unlabeled (${(128 / patchSize) ** 2 * 8} patches of ${patchSize} px each, ${samplesPerClass} draws per class), ${(patches / steps).toFixed(1)} patches sampled per batch`);
  const g = (v) => (v / graph.steps).toFixed(3);
  console.log(`affinity-graph loss on these patches (mean of ${graph.steps} batches): ln N ${g(graph.lnN)}, target-graph entropy (floor) ${g(graph.floor)}, class-clustered embeddings ${g(graph.clustered)}`);
  console.log('class  pool patches/batch  positives/batch  negatives/batch  batches with >=2 pos and >=1 neg');
  for (let c = 0; c < K; c++) {
    console.log(
      `${names[c].padEnd(6)} ${(poolMajority[c] / steps).toFixed(1).padStart(18)} ${(pos[c] / steps).toFixed(2).padStart(16)} ${(neg[c] / steps).toFixed(2).padStart(16)} ${`${usable[c]}/${steps}`.padStart(10)}`,
    );
  }
}
