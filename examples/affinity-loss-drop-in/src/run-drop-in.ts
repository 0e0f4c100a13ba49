import * as tf from '@tensorflow/tfjs-core';
import { affinityGraphLoss } from '@agcl/affinity-loss';
import { formatBackendReport, initBackend } from '@agcl/backend';
import { createTinyConvNet, forward, variablesOf, type TinyConvNet } from './tiny-conv-net';
import { seededUniforms, syntheticBatch } from './synthetic-task';

/** Options of {@link runDropIn}; every field has a default that runs in well under a minute. */
export interface DropInOptions {
  /** Training steps. Default 40. */
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
  /** TensorFlow.js backend. Default 'cpu' (tiny shapes; every kernel registered). */
  backend?: 'cpu' | 'wasm' | 'auto';
  /** Where progress lines go. Default console.log; pass `() => {}` to silence. */
  log?: (line: string) => void;
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
export async function runDropIn(options: DropInOptions = {}): Promise<{ steps: DropInStep[]; accuracy: number }> {
  const steps = options.steps ?? 40;
  const batch = options.batch ?? 8;
  const size = options.size ?? 16;
  const patchSize = options.patchSize ?? 4;
  const dim = options.dim ?? 16;
  const lambdaAffinity = options.lambdaAffinity ?? 0.5;
  const emaDecay = options.emaDecay ?? 0.9;
  const learningRate = options.learningRate ?? 0.01;
  const seed = options.seed ?? 0;
  const log = options.log ?? ((line: string) => console.log(line));
  if (size % patchSize !== 0) throw new Error(`runDropIn: option 'size' (${size}) must be a multiple of 'patchSize' (${patchSize}).`);
  if (batch < 2) throw new Error(`runDropIn: option 'batch' must be at least 2 (labeled + unlabeled halves).`);

  const report = await initBackend({ backend: options.backend ?? 'cpu' });
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

  const test = syntheticBatch(batch, size, random);
  const accuracy = tf.tidy(() => {
    const predicted = tf.argMax(forward(student, tf.tensor4d(test.images, [batch, size, size, 1])).logits, -1);
    return tf.mean(tf.cast(tf.equal(predicted, tf.tensor3d(test.labels, [batch, size, size], 'int32')), 'float32')).dataSync()[0];
  });
  log(`student pixel accuracy on a fresh batch: ${(100 * accuracy).toFixed(1)}%`);
  optimizer.dispose();
  tf.dispose([...variablesOf(student), ...variablesOf(teacher)]);
  return { steps: history, accuracy };
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
