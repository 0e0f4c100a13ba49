/**
 * Short timings for the README. Run from packages/mean-teacher:
 *   npx tsx --conditions=@agcl/source bench/measure.ts [cpu|wasm]
 * Variables sized like the SSL4MIS U-Net (1,813,764 weights, 2,944 batch-norm values).
 */
import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { createOptimizer, crossEntropyLoss, EmaTeacher, softDiceLoss, softmaxMse, supervisedLoss, trainStep } from '../src/index';

const backend = (process.argv[2] ?? 'cpu') as 'cpu' | 'wasm';
await initBackend({ backend });

function unetSizedModel(seed: number): { trainableVariables(): tf.Variable[]; nonTrainableVariables(): tf.Variable[] } {
  // 1,813,764 trainable values split over 40 tensors; 2,944 buffer values over 36 tensors
  const sizes: number[] = [];
  let left = 1_813_764;
  for (let i = 0; i < 39; i++) {
    const s = Math.floor(1_813_764 / 40);
    sizes.push(s);
    left -= s;
  }
  sizes.push(left);
  const w = sizes.map((s) => tf.variable(tf.randomNormal([s], 0, 0.1, 'float32', seed), true));
  const b = Array.from({ length: 36 }, (_, i) => tf.variable(tf.fill([i < 32 ? 80 : 96], 1), false));
  return { trainableVariables: () => w, nonTrainableVariables: () => b };
}

async function time(label: string, reps: number, f: () => unknown | Promise<unknown>): Promise<void> {
  await f(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await f();
  const ms = (performance.now() - t0) / reps;
  console.log(`${label}: ${ms.toFixed(2)} ms`);
}

const student = unetSizedModel(1);
const teacher = unetSizedModel(2);
const ema = new EmaTeacher({ student, teacher });
let step = 0;
await time(`[${backend}] EmaTeacher.update, U-Net-sized (1.81 M weights + buffers)`, 10, () => {
  ema.update(step++);
  return teacher.trainableVariables()[0].data();
});

const sgd = createOptimizer({ name: 'sgd', learningRate: 0.01 });
const grads: tf.NamedTensorMap = {};
for (const v of student.trainableVariables()) grads[v.name] = tf.onesLike(v);
await time(`[${backend}] SGD(momentum, wd) applyGradients, 1.81 M weights`, 10, () => {
  sgd.optimizer.applyGradients(grads);
  return student.trainableVariables()[0].data();
});

const logits = tf.randomNormal([4, 128, 128, 4], 0, 1, 'float32', 3);
const teacherLogits = tf.randomNormal([4, 128, 128, 4], 0, 1, 'float32', 4);
const labels = tf.cast(tf.floor(tf.randomUniform([4, 128, 128], 0, 4, 'float32', 5)), 'int32');
await time(`[${backend}] crossEntropyLoss [4,128,128,4] (with label check)`, 10, () => crossEntropyLoss(logits, labels).data());
await time(`[${backend}] softDiceLoss [4,128,128,4]`, 10, () => softDiceLoss(logits, labels).data());
await time(`[${backend}] supervisedLoss [4,128,128,4]`, 10, () => supervisedLoss(logits, labels).data());
await time(`[${backend}] softmaxMse [4,128,128,4]`, 10, () => softmaxMse(logits, teacherLogits).data());

// trainStep overhead on a tiny conv segmenter (one 3x3 conv, 1 -> 4 classes, 2 x 16x16)
const kernel = tf.variable(tf.randomNormal([3, 3, 1, 4], 0, 0.3, 'float32', 6), true);
const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 7);
const y = tf.cast(tf.floor(tf.randomUniform([2, 16, 16], 0, 4, 'float32', 8)), 'int32');
const opt = createOptimizer({ name: 'sgd', learningRate: 0.1 });
let s = 0;
await time(`[${backend}] trainStep, tiny conv (2x16x16, supervised + consistency)`, 20, () =>
  trainStep({
    variables: [kernel],
    optimizer: opt,
    step: s++,
    losses: () => {
      const z = tf.conv2d(x, kernel as tf.Variable<tf.Rank.R4>, 1, 'same');
      return { supervised: supervisedLoss(z, y), consistency: softmaxMse(z, tf.zerosLike(z)) };
    },
    weights: { consistency: 0.1 },
    rampup: 0.5,
  }),
);
console.log(`tensors alive at the end: ${tf.memory().numTensors}`);
