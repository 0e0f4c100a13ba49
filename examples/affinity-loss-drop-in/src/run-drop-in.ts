import * as tf from '@tensorflow/tfjs-core';
import { affinityGraphLoss } from '@agcl/affinity-loss';
import { formatBackendReport, initBackend } from '@agcl/backend';
import { createTinyConvNet, forward, variablesOf, type TinyConvNet } from './tiny-conv-net';
import { seededUniforms, syntheticBatch } from './synthetic-task';

/** Options of {@link runDropIn}; every field has a default that runs in well under a minute. */
export interface DropInOptions {
  /** Training steps. Default 150. */
  steps?: number;
  /** Images per step; the first half is labeled, the rest unlabeled. Default 8. */
  batch?: number;
  /** Image side in pixels (a multiple of `patchSize`). Default 16. */
  size?: number;
  /** Patch side (non-overlapping patches). Default 4. */
  patchSize?: number;
  /** Embedding dimension of the 1x1 projection head. Default 16. */
  dim?: number;
  /** Weight of the affinity-graph loss. Default 0.5. */
  lambdaAffinity?: number;
  /** EMA decay of the teacher. Default 0.9. */
  emaDecay?: number;
  /** Adam learning rate. Default 0.01. */
  learningRate?: number;
  /** Seed of data and weights. Default 0. */
  seed?: number;
  /** Fresh images the student is evaluated on at the end. Default 64. */
  evalImages?: number;
  /** TensorFlow.js backend (`initBackend` of `@agcl/backend`). Default 'wasm' (about 25x faster than 'cpu' here). */
  backend?: 'cpu' | 'wasm' | 'auto';
  /** Where progress lines go. Default console.log; pass `() => {}` to silence. */
  log?: (line: string) => void;
}

/** Segmentation quality on a set of images: pixel accuracy and the Dice of each class. */
export interface SegmentationScores {
  /** Fraction of pixels with the right class. */
  accuracy: number;
  /** Dice of the background (class 0). */
  backgroundDice: number;
  /** Dice of the rectangles (class 1); 1 when neither the labels nor the prediction have any. */
  foregroundDice: number;
}

/** What {@link runDropIn} measured on the fresh evaluation images. */
export interface DropInEvaluation {
  images: number;
  /** Fraction of their pixels that are background. */
  backgroundFraction: number;
  /** The trained student. */
  student: SegmentationScores;
  /** The trivial baseline: background predicted everywhere (accuracy = the background fraction, foreground Dice 0). */
  allBackground: SegmentationScores;
}

/** Pixel accuracy and per-class Dice of a two-class prediction. */
export function segmentationScores(predicted: ArrayLike<number>, labels: ArrayLike<number>): SegmentationScores {
  let correct = 0;
  const tp = [0, 0];
  const predictedCount = [0, 0];
  const labelCount = [0, 0];
  for (let i = 0; i < labels.length; i++) {
    const p = predicted[i] as 0 | 1;
    const l = labels[i] as 0 | 1;
    predictedCount[p]++;
    labelCount[l]++;
    if (p === l) {
      correct++;
      tp[l]++;
    }
  }
  const dice = (k: 0 | 1) => (predictedCount[k] + labelCount[k] === 0 ? 1 : (2 * tp[k]) / (predictedCount[k] + labelCount[k]));
  return { accuracy: correct / labels.length, backgroundDice: dice(0), foregroundDice: dice(1) };
}

/** One line of the training log. */
export interface DropInStep {
  step: number;
  supervised: number;
  affinity: number;
  total: number;
}

/**
 * Trains an ordinary small conv net on a synthetic two-class task with cross-entropy on the labeled
 * half of each batch plus `lambdaAffinity * affinityGraphLoss` on all patches, against an EMA
 * teacher whose weights are averaged by hand. Returns the per-step losses and the student's pixel
 * accuracy on a fresh batch.
 */
export async function runDropIn(options: DropInOptions = {}): Promise<{ steps: DropInStep[]; accuracy: number; evaluation: DropInEvaluation }> {
  const steps = options.steps ?? 150;
  const batch = options.batch ?? 8;
  const size = options.size ?? 16;
  const patchSize = options.patchSize ?? 4;
  const dim = options.dim ?? 16;
  const lambdaAffinity = options.lambdaAffinity ?? 0.5;
  const emaDecay = options.emaDecay ?? 0.9;
  const learningRate = options.learningRate ?? 0.01;
  const seed = options.seed ?? 0;
  const evalImages = options.evalImages ?? 64;
  const log = options.log ?? ((line: string) => console.log(line));
  if (size % patchSize !== 0) throw new Error(`runDropIn: option 'size' (${size}) must be a multiple of 'patchSize' (${patchSize}).`);
  if (batch < 2) throw new Error(`runDropIn: option 'batch' must be at least 2 (labeled + unlabeled halves).`);

  const report = await initBackend({ backend: options.backend ?? 'wasm' });
  log(formatBackendReport(report));

  const student = createTinyConvNet(8, dim, seed);
  const teacher = createTinyConvNet(8, dim, seed, false);
  copyWeights(student, teacher, 0); // the teacher starts as an exact copy
  const optimizer = tf.train.adam(learningRate);
  const random = seededUniforms(seed + 101);
  const labeled = Math.floor(batch / 2);
  const history: DropInStep[] = [];

  for (let step = 0; step < steps; step++) {
    const data = syntheticBatch(batch, size, random);
    const x = tf.tensor4d(data.images, [batch, size, size, 1]);
    const oneHot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor3d(data.labels, [batch, size, size], 'int32'), 2), 'float32') as tf.Tensor4D);

    // Teacher, outside the gradient tape: confidences q and embeddings zT of every patch.
    const { q, zT } = tf.tidy(() => {
      const out = forward(teacher, x);
      const probs = tf.softmax(out.logits);
      // Labeled images use their one-hot ground truth as confidence, unlabeled ones the teacher's softmax.
      const confidence = tf.concat([tf.slice(oneHot, 0, labeled), tf.slice(probs, labeled)], 0);
      return {
        q: patchRows(tf.avgPool(confidence as tf.Tensor4D, patchSize, patchSize, 'valid')),
        zT: l2(patchRows(tf.avgPool(out.embeddings, patchSize, patchSize, 'valid'))),
      };
    });

    let supervisedValue = 0;
    let affinityValue = 0;
    const cost = optimizer.minimize(
      () => {
        const out = forward(student, x);
        const logits = tf.slice(out.logits, 0, labeled);
        const supervised = tf.mean(tf.neg(tf.sum(tf.mul(tf.slice(oneHot, 0, labeled), tf.logSoftmax(logits)), -1))) as tf.Scalar;
        const zS = l2(patchRows(tf.avgPool(out.embeddings, patchSize, patchSize, 'valid')));
        const affinity = affinityGraphLoss(zS, zT, q);
        supervisedValue = supervised.dataSync()[0];
        affinityValue = affinity.dataSync()[0];
        return tf.add(supervised, tf.mul(affinity, lambdaAffinity)) as tf.Scalar;
      },
      true,
      variablesOf(student),
    );
    const total = (await cost!.data())[0];
    cost!.dispose();
    copyWeights(student, teacher, Math.min(1 - 1 / (step + 1), emaDecay));
    tf.dispose([x, oneHot, q, zT]);
    history.push({ step, supervised: supervisedValue, affinity: affinityValue, total });
    log(`step ${String(step + 1).padStart(3)}  supervised ${supervisedValue.toFixed(4)}  affinity ${affinityValue.toFixed(4)}  total ${total.toFixed(4)}`);
  }

  // Fresh images from their own seeded stream, never trained on; the student against predicting background everywhere.
  const test = syntheticBatch(evalImages, size, seededUniforms(seed + 202));
  const predicted = tf.tidy(() => tf.argMax(forward(student, tf.tensor4d(test.images, [evalImages, size, size, 1])).logits, -1).dataSync());
  const backgroundFraction = test.labels.reduce((a, l) => a + (l === 0 ? 1 : 0), 0) / test.labels.length;
  const evaluation: DropInEvaluation = {
    images: evalImages,
    backgroundFraction,
    student: segmentationScores(predicted, test.labels),
    allBackground: segmentationScores(new Int32Array(test.labels.length), test.labels),
  };
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const row = (name: string, s: SegmentationScores) =>
    `${name.padEnd(30)} ${pct(s.accuracy).padStart(8)}  ${s.backgroundDice.toFixed(3).padStart(15)}  ${s.foregroundDice.toFixed(3).padStart(15)}`;
  log(`on ${evalImages} fresh images (${pct(backgroundFraction)} of the pixels background):`);
  log(`${''.padEnd(30)} ${'accuracy'.padStart(8)}  ${'Dice background'.padStart(15)}  ${'Dice rectangles'.padStart(15)}`);
  log(row('student', evaluation.student));
  log(row('baseline: background everywhere', evaluation.allBackground));
  const accuracy = evaluation.student.accuracy;
  optimizer.dispose();
  tf.dispose([...variablesOf(student), ...variablesOf(teacher)]);
  return { steps: history, accuracy, evaluation };
}

/** Pooled maps `[N, r, c, C]` to one row per patch `[N*r*c, C]`. */
function patchRows(pooled: tf.Tensor4D): tf.Tensor2D {
  return tf.reshape(pooled, [-1, pooled.shape[3]]) as tf.Tensor2D;
}

/** Row-wise L2 normalisation with a floor on the norm. */
function l2(z: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(z, tf.rsqrt(tf.maximum(tf.sum(tf.square(z), 1, true), 1e-12))) as tf.Tensor2D;
}

/** teacher <- alpha * teacher + (1 - alpha) * student, variable by variable (alpha = 0 copies). */
function copyWeights(student: TinyConvNet, teacher: TinyConvNet, alpha: number): void {
  const s = variablesOf(student);
  const t = variablesOf(teacher);
  tf.tidy(() => t.forEach((v, i) => v.assign(tf.add(tf.mul(v, alpha), tf.mul(s[i], 1 - alpha)))));
}
