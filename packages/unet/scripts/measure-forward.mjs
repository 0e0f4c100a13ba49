// Times UNet inference (and a tiny training step) on the chosen backend, using the built package.
// Run from packages/unet after `npx tsup`:  node scripts/measure-forward.mjs [wasm|cpu] [batch] [size]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { UNet } from '../dist/index.js';

const backend = process.argv[2] ?? 'wasm';
const batch = Number(process.argv[3] ?? 4);
const size = Number(process.argv[4] ?? 128);
tf.env().set('IS_TEST', true);
const report = await initBackend({ backend });
const t0 = performance.now();
const net = new UNet();
const buildMs = performance.now() - t0;
const x = tf.randomUniform([batch, size, size, 1], -1, 1, 'float32', 1);
const times = [];
for (let i = 0; i < 4; i++) {
  const s = performance.now();
  const { logits } = net.forward(x);
  await logits.data();
  logits.dispose();
  times.push(performance.now() - s);
}
const warm = times.slice(1).sort((a, b) => a - b);
console.log(
  JSON.stringify({
    backend: report.name,
    input: [batch, size, size, 1],
    parameters: net.parameterCount({ includeProjection: false }),
    buildMs: Math.round(buildMs),
    inferenceMsMedian: Math.round(warm[1]),
    inferenceMsAll: times.map(Math.round),
  }),
);
net.dispose();
x.dispose();
