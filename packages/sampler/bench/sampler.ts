// Time of the sampler stages on a training batch: average patch entropy (with the intensity term),
// inter-patch sampling, and pooling of the patch embeddings (forward + backward, d = 64), for a
// growing number of sampled patches.
//   cd packages/sampler && npx tsx --conditions=@agcl/source bench/sampler.ts [--backend wasm|cpu]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, formatBackendReport } from '@agcl/backend';
import { averagePatchEntropy, poolPatchEmbeddings, samplePatchesFromTensors } from '../src/index';

const backendArg = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : 'wasm';
const batch = 8;
const size = 128;
const k = 4;
const d = 64;

async function main() {
  let report;
  try {
    report = await initBackend({ backend: backendArg as 'wasm' | 'cpu' });
  } catch (err) {
    console.error(`wasm unavailable (${(err as Error).message}); using cpu`);
    report = await initBackend({ backend: 'cpu' });
  }
  console.log(formatBackendReport(report));
  console.log(`batch ${batch} x ${size}x${size}, K = ${k}, d = ${d}`);
  // Smooth random class maps: upsampled random logits, softmax.
  const confidence = tf.tidy(() =>
    tf.softmax(tf.mul(tf.image.resizeBilinear(tf.randomNormal([batch, 8, 8, k], 0, 1, 'float32', 1) as tf.Tensor4D, [size, size]), 3)),
  ) as tf.Tensor4D;
  const intensity = tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
  const embeddings = tf.variable(tf.randomNormal([batch, size, size, d], 0, 1, 'float32', 3)) as tf.Variable<tf.Rank.R4>;

  const configs = [
    { label: 'default (P 16, S 16, 16 per class, cap 256)', patchSize: 16, stride: 16, samplesPerClass: 16, maxPatches: 256 },
    { label: 'P 8, S 8, cap 256', patchSize: 8, stride: 8, samplesPerClass: 128, maxPatches: 256 },
    { label: 'P 8, S 8, cap 1024', patchSize: 8, stride: 8, samplesPerClass: 512, maxPatches: 1024 },
    { label: 'P 8, S 8, cap 2048', patchSize: 8, stride: 8, samplesPerClass: 1024, maxPatches: 2048 },
    { label: 'P 16, S 8 (overlapping), cap 256', patchSize: 16, stride: 8, samplesPerClass: 128, maxPatches: 256 },
  ];
  console.log('| grid | patches P | APE (ms) | sampling (ms) | pooling fwd+bwd (ms) | total (ms) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const c of configs) {
    let count = 0;
    const apeMs = await time(async () => {
      const r = averagePatchEntropy(confidence, { patchSize: c.patchSize, stride: c.stride, intensity });
      await r.ape.data();
      tf.dispose([r.ape, r.meanConfidence]);
    });
    const { ape, meanConfidence } = averagePatchEntropy(confidence, { patchSize: c.patchSize, stride: c.stride, intensity });
    const sampleMs = await time(async () => {
      const s = await samplePatchesFromTensors(ape, meanConfidence, { samplesPerClass: c.samplesPerClass, maxPatches: c.maxPatches });
      count = s.count;
    });
    const sample = await samplePatchesFromTensors(ape, meanConfidence, { samplesPerClass: c.samplesPerClass, maxPatches: c.maxPatches });
    const poolMs = await time(async () => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(poolPatchEmbeddings(embeddings, sample, { patchSize: c.patchSize, stride: c.stride })) as tf.Scalar,
        [embeddings],
      );
      await grads[embeddings.name].data();
      tf.dispose([value, grads[embeddings.name]]);
    });
    tf.dispose([ape, meanConfidence]);
    console.log(`| ${c.label} | ${count} | ${apeMs.toFixed(1)} | ${sampleMs.toFixed(1)} | ${poolMs.toFixed(1)} | ${(apeMs + sampleMs + poolMs).toFixed(1)} |`);
  }
  console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB, tensors ${tf.memory().numTensors}`);
}

/** Median wall time of `fn` in ms after one warm-up run. */
async function time(fn: () => Promise<void>): Promise<number> {
  await fn();
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[1];
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
