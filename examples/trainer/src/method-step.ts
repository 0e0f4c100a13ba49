import * as tf from '@tensorflow/tfjs-core';
import type { UNet, UNetForwardOptions } from '@agcl/unet';
import { averagePatchEntropy, samplePatches, poolPatchEmbeddings, type PatchSample } from '@agcl/sampler';
import { affinityGraphLoss, patchContrastiveLoss } from '@agcl/affinity-loss';
import { crossEntropyLoss, softDiceLoss, softmaxMse, sigmoidRampup, trainStep } from '@agcl/mean-teacher';
import { samplingModeOf, usesPatches, usesTeacher, resolvedPatchSize, type TrainConfig } from './config';
import { deriveSeed } from './random';

/** The networks and optimiser one step works on. */
export interface StepModels {
  student: UNet;
  /** EMA teacher (null for 'supervised' and 'full'). */
  teacher: UNet | null;
  optimizer: tf.Optimizer;
}

/** One step's inputs. The caller owns and disposes the tensors. */
export interface StepBatch {
  /** Labeled images [Nl,H,W,C]. */
  xl: tf.Tensor4D;
  /** Labels [Nl,H,W] int32. */
  yl: tf.Tensor3D;
  /** Unlabeled images [Nu,H,W,C] (null when the method has no unlabeled stream). */
  xu: tf.Tensor4D | null;
}

/** What a step reports. */
export interface StepResult {
  /** Total loss L = L_sup + w(t) sum_k lambda_k L_k. */
  loss: number;
  /** Unweighted loss terms (supervised, consistency, contrastive, affinity). */
  terms: Record<string, number>;
  /** w(t), the ramp-up multiplier of the extra terms. */
  rampup: number;
  /** Patches sampled (0 for methods without patches). */
  patches: number;
}

/** Teacher input: x + clip(N(0, std^2), -clip, clip) (METHOD.md, consistency). Caller disposes. */
export function noisyInput(x: tf.Tensor4D, std: number, clip: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    if (std === 0) return tf.clone(x);
    const noise = tf.clipByValue(tf.randomNormal(x.shape, 0, std, 'float32', seed), -clip, clip);
    return tf.add(x, noise) as tf.Tensor4D;
  });
}

/**
 * The teacher's forward options for a `teacherForward` mode: 'train' = batch statistics and dropout
 * (masks seeded by `seed`), 'batch' = batch statistics without dropout, 'eval' = running statistics.
 * The batch-statistics modes leave the teacher's running statistics untouched (momentum 0): they are
 * the EMA of the student's.
 */
export function teacherForwardOptions(mode: TrainConfig['teacherForward'], seed: number): UNetForwardOptions {
  if (mode === 'eval') return { training: false };
  if (mode === 'batch') return { training: true, dropout: false, bnMomentum: 0 };
  return { training: true, bnMomentum: 0, seed };
}

/** Rows [begin, begin+size) of a batch tensor along axis 0. */
function rows<T extends tf.Tensor>(t: T, begin: number, size: number): T {
  const b = t.shape.map(() => 0);
  b[0] = begin;
  const s = t.shape.map(() => -1);
  s[0] = size;
  return tf.slice(t, b, s) as T;
}

/**
 * Runs one optimisation step of a method (the composition of ARCHITECTURE.md, "One training step"):
 *
 * 1. teacher forward (no gradient, outside the tape) on the noised input: probabilities and embeddings,
 *    in the mode `config.teacherForward` (default 'train': batch statistics and dropout, as SSL4MIS);
 * 2. confidence maps M: one-hot labels for the labeled images, teacher softmax for the unlabeled;
 * 3. average patch entropy (intensity = the input image), inter-patch sampling, teacher patch embeddings;
 * 4. inside the tape: student forward with embeddings, L_sup = 0.5 (CE + Dice) on labeled, L_cons =
 *    softmax MSE on unlabeled, L_contrast and L_AG on the student's patch embeddings;
 * 5. `trainStep` of `@agcl/mean-teacher` (checks the loss is finite before updating).
 *
 * 'supervised' and 'full' run step 4 on the labeled images only; 'mean-teacher' uses L_sup + L_cons.
 * The EMA update and the learning rate are the caller's. Every random draw is seeded by (seed, step).
 *
 * @throws NonFiniteLossError (from trainStep) with the weights untouched.
 */
export async function runMethodStep(
  config: TrainConfig,
  models: StepModels,
  batch: StepBatch,
  step: number,
  numClasses: number,
): Promise<StepResult> {
  const { student, teacher, optimizer } = models;
  const method = config.method;
  const nl = batch.xl.shape[0];
  const withTeacher = usesTeacher(method) && teacher !== null && batch.xu !== null;
  const withPatches = withTeacher && usesPatches(method) && (config.lambdaCon > 0 || config.lambdaAg > 0);
  const patchSize = resolvedPatchSize(config);
  const grid = { patchSize, stride: patchSize };

  const keep: tf.Tensor[] = [];
  try {
    const x: tf.Tensor4D = withTeacher ? tf.concat([batch.xl, batch.xu as tf.Tensor4D], 0) : batch.xl;
    if (x !== batch.xl) keep.push(x);
    const nu = withTeacher ? (batch.xu as tf.Tensor4D).shape[0] : 0;
    // One-hot labels built as int32 then cast: tfjs-backend-wasm 4.22's OneHot kernel ignores a
    // float32 dtype (it writes int32 bits), so tf.oneHot(..., 'float32') is wrong there.
    const ylOneHot = tf.tidy(() => tf.cast(tf.oneHot(batch.yl, numClasses), 'float32')) as tf.Tensor4D;
    keep.push(ylOneHot);

    // 1. teacher, outside the tape
    let teacherLogitsU: tf.Tensor4D | null = null;
    let zTeacher: tf.Tensor2D | null = null;
    let q: tf.Tensor2D | null = null;
    let sample: PatchSample | null = null;
    if (withTeacher && teacher) {
      const tIn = noisyInput(withPatches ? x : (batch.xu as tf.Tensor4D), config.noiseStd, config.noiseClip, deriveSeed(config.seed, 'noise', step));
      keep.push(tIn);
      const tOut = teacher.forward(tIn, { ...teacherForwardOptions(config.teacherForward, deriveSeed(config.seed, 'teacher-dropout', step)), embeddings: withPatches });
      keep.push(tOut.logits);
      if (tOut.embeddings) keep.push(tOut.embeddings);
      teacherLogitsU = withPatches ? rows(tOut.logits, nl, nu) : tOut.logits;
      if (teacherLogitsU !== tOut.logits) keep.push(teacherLogitsU);

      if (withPatches) {
        // 2. confidence maps
        const confidence = tf.tidy(() =>
          tf.concat([ylOneHot, tf.softmax(teacherLogitsU as tf.Tensor4D)], 0),
        ) as tf.Tensor4D;
        keep.push(confidence);
        // 3. sampling
        const ape = averagePatchEntropy(confidence, { patchSize, stride: patchSize, intensity: x, beta: config.beta, bins: 16 });
        keep.push(ape.ape, ape.meanConfidence);
        const [apeValues, muValues] = await Promise.all([ape.ape.data(), ape.meanConfidence.data()]);
        sample = samplePatches(apeValues as Float32Array, muValues as Float32Array, ape.ape.shape as [number, number, number, number], {
          samplesPerClass: config.samplesPerClass,
          draw: config.samplerDraw,
          delta: config.delta,
          maxPatches: config.maxPatches,
          seed: deriveSeed(config.seed, 'sampler', step),
          mode: samplingModeOf(method),
        });
        if (sample.count >= 2) {
          zTeacher = poolPatchEmbeddings(tOut.embeddings as tf.Tensor4D, sample, grid);
          keep.push(zTeacher);
          q = tf.tensor2d(sample.confidence, [sample.count, numClasses]);
          keep.push(q);
        }
      }
    }

    const testNonFinite = config.nanAtStepForTest === step;
    const dropoutSeed = deriveSeed(config.seed, 'dropout', step);
    const weights: Record<string, number> = {};
    if (withTeacher) weights.consistency = config.lambdaCons;
    if (zTeacher && config.lambdaCon > 0) weights.contrastive = config.lambdaCon;
    if (zTeacher && config.lambdaAg > 0) weights.affinity = config.lambdaAg;
    const rampup = withTeacher ? sigmoidRampup(step, config.rampupSteps) : 0;

    // 4.-5. losses inside the tape, update
    const result = await trainStep({
      variables: student.trainableVariables(),
      optimizer,
      step,
      weights,
      rampup,
      losses: () => {
        const out = student.forward(x, { training: true, embeddings: zTeacher !== null, seed: dropoutSeed });
        const logitsL = withTeacher ? rows(out.logits, 0, nl) : out.logits;
        let supervised = tf.mul(0.5, tf.add(crossEntropyLoss(logitsL, ylOneHot), softDiceLoss(logitsL, ylOneHot))) as tf.Scalar;
        if (testNonFinite) supervised = tf.mul(supervised, tf.scalar(Number.NaN)) as tf.Scalar;
        const terms: Record<string, tf.Scalar> = { supervised };
        if (withTeacher && teacherLogitsU) {
          terms.consistency = softmaxMse(rows(out.logits, nl, nu), teacherLogitsU);
        }
        if (zTeacher && sample && out.embeddings) {
          const zStudent = poolPatchEmbeddings(out.embeddings, sample, grid);
          if (weights.contrastive !== undefined) {
            terms.contrastive = patchContrastiveLoss(zStudent, zTeacher, sample.groups, { temperature: config.temperature });
          }
          if (weights.affinity !== undefined && q) {
            terms.affinity = affinityGraphLoss(zStudent, zTeacher, q, {
              temperature: config.graphTemperature,
              threshold: config.threshold,
            });
          }
        }
        return terms;
      },
    });
    return { loss: result.loss, terms: result.terms, rampup, patches: sample?.count ?? 0 };
  } finally {
    for (const t of keep) t.dispose();
  }
}
