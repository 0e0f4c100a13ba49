// Forward + backward time and memory of the affinity-graph and contrastive losses against the
// number of patches N (d = 64, K = 4 classes).
//   cd packages/affinity-loss && npx tsx --conditions=@agcl/source bench/losses.ts [--backend wasm|cpu]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, formatBackendReport } from '@agcl/backend';
import { affinityGraphLoss, patchContrastiveLoss } from '../src/index';

const backendArg = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : 'wasm';
const sizes = (process.env.BENCH_SIZES ?? '64,256,1024,2048').split(',').map(Number);
const d = 64;
const k = 4;

async function main() {
  let report;
  try {
    report = await initBackend({ backend: backendArg as 'wasm' | 'cpu' });
  } catch (err) {
    console.error(`wasm unavailable (${(err as Error).message}); using cpu`);
    report = await initBackend({ backend: 'cpu' });
  }
  console.log(formatBackendReport(report));
  console.log(`| N | L_AG target (ms) | L_AG relation (ms) | L_contrast (ms) | peak tensor MB (target, chunk 1024) | peak tensor MB (target, chunk 256) |`);
  console.log(`| ---: | ---: | ---: | ---: | ---: | ---: |`);
  for (const n of sizes) {
    const zS = tf.variable(tf.tidy(() => l2(tf.randomNormal([n, d], 0, 1, 'float32', 1)))) as tf.Variable<tf.Rank.R2>;
    const zT = tf.tidy(() => l2(tf.randomNormal([n, d], 0, 1, 'float32', 2)));
    const q = tf.tidy(() => tf.softmax(tf.mul(tf.randomNormal([n, k], 0, 1, 'float32', 3), 4))) as tf.Tensor2D;
    const groups = Array.from({ length: k }, (_, c) => ({
      positives: Int32Array.from({ length: Math.floor(n / (2 * k)) }, (_, i) => c * Math.floor(n / k) + i),
      negatives: Int32Array.from({ length: Math.floor(n / (2 * k)) }, (_, i) => ((c + 1) % k) * Math.floor(n / k) + i),
    }));
    const step = (f: () => tf.Scalar) => () => {
      const { value, grads } = tf.variableGrads(f, [zS]);
      value.dataSync();
      grads[zS.name].dataSync();
      value.dispose();
      tf.dispose(grads);
    };
    const target = time(step(() => affinityGraphLoss(zS, zT, q)));
    const relation = time(step(() => affinityGraphLoss(zS, zT, q, { mode: 'relation' })));
    const contrast = time(step(() => patchContrastiveLoss(zS, zT, groups)));
    const peak1024 = (await tf.profile(step(() => affinityGraphLoss(zS, zT, q)))).peakBytes / 2 ** 20;
    const peak256 = (await tf.profile(step(() => affinityGraphLoss(zS, zT, q, { chunkSize: 256 })))).peakBytes / 2 ** 20;
    console.log(`| ${n} | ${target.toFixed(1)} | ${relation.toFixed(1)} | ${contrast.toFixed(1)} | ${peak1024.toFixed(1)} | ${peak256.toFixed(1)} |`);
    tf.dispose([zS, zT, q]);
  }
  console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
}

function l2(x: tf.Tensor): tf.Tensor2D {
  return tf.div(x, tf.norm(x, 2, 1, true)) as tf.Tensor2D;
}

/** Median wall time of `fn` in ms after one warm-up run. */
function time(fn: () => void): number {
  fn();
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    fn();
    runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[2];
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
