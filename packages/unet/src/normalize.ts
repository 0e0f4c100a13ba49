import * as tf from '@tensorflow/tfjs-core';

/** Result of {@link batchNormTraining}: the normalised tensor and the batch moments it used. */
export interface BatchNormTrainingResult {
  /** `gamma (x - mean) / sqrt(variance + epsilon) + beta`, shape of `x`. */
  y: tf.Tensor4D;
  /** Per-channel batch mean over N, H, W, shape `[C]`. */
  mean: tf.Tensor1D;
  /** Per-channel biased batch variance over N, H, W, shape `[C]`. */
  variance: tf.Tensor1D;
}

function checkNormArgs(fn: string, x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): void {
  if (x.rank !== 4) throw new Error(`${fn}: argument 'x' must be a rank-4 tensor [N,H,W,C], got shape [${x.shape}].`);
  const c = x.shape[3];
  if (gamma.rank !== 1 || gamma.shape[0] !== c) {
    throw new Error(`${fn}: argument 'gamma' must have shape [${c}], got [${gamma.shape}].`);
  }
  if (beta.rank !== 1 || beta.shape[0] !== c) {
    throw new Error(`${fn}: argument 'beta' must have shape [${c}], got [${beta.shape}].`);
  }
  if (!(epsilon > 0)) throw new Error(`${fn}: argument 'epsilon' must be > 0, got ${epsilon}.`);
}

/**
 * Batch normalisation with the statistics of the batch (training mode of PyTorch's `BatchNorm2d`).
 *
 * `mean_c = mean_{n,h,w} x`, `var_c = mean_{n,h,w} (x - mean_c)^2` (biased),
 * `y = gamma_c (x - mean_c) / sqrt(var_c + epsilon) + beta_c`. Differentiable in `x`, `gamma`, `beta`
 * (through the moments too). The running statistics are not touched here.
 *
 * @param x `[N,H,W,C]` float32.
 * @param gamma Scale `[C]`.
 * @param beta Offset `[C]`.
 * @param epsilon Added to the variance, > 0 (PyTorch: 1e-5).
 * @returns `{ y, mean, variance }`; the caller disposes all three.
 * @example
 * const { y, mean, variance } = batchNormTraining(x, gamma, beta, 1e-5);
 */
export function batchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): BatchNormTrainingResult {
  checkNormArgs('batchNormTraining', x, gamma, beta, epsilon);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const y = tf.batchNorm(x, mean, variance, beta, gamma, epsilon) as tf.Tensor4D;
    return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  });
}

/**
 * Batch normalisation with fixed (running) statistics: inference mode of PyTorch's `BatchNorm2d`.
 *
 * `y = gamma_c (x - movingMean_c) / sqrt(movingVariance_c + epsilon) + beta_c`.
 *
 * @param x `[N,H,W,C]` float32.
 * @param movingMean `[C]`.
 * @param movingVariance `[C]`.
 * @param gamma Scale `[C]`.
 * @param beta Offset `[C]`.
 * @param epsilon Added to the variance, > 0.
 * @returns `y`, shape of `x`; the caller disposes it.
 * @example
 * const y = batchNormInference(x, runningMean, runningVar, gamma, beta, 1e-5);
 */
export function batchNormInference(
  x: tf.Tensor4D,
  movingMean: tf.Tensor1D,
  movingVariance: tf.Tensor1D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): tf.Tensor4D {
  checkNormArgs('batchNormInference', x, gamma, beta, epsilon);
  return tf.tidy(() => tf.batchNorm(x, movingMean, movingVariance, beta, gamma, epsilon) as tf.Tensor4D);
}

/**
 * Affine instance normalisation: per image and channel, over H and W (`InstanceNorm2d(affine=True)`).
 *
 * `y = gamma_c (x - mean_{n,c}) / sqrt(var_{n,c} + epsilon) + beta_c`, with biased variances; the same
 * in training and inference, no running statistics.
 *
 * @param x `[N,H,W,C]` float32.
 * @param gamma Scale `[C]`.
 * @param beta Offset `[C]`.
 * @param epsilon Added to the variance, > 0.
 * @returns `y`, shape of `x`; the caller disposes it.
 * @example
 * const y = instanceNorm(x, gamma, beta, 1e-5);
 */
export function instanceNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor4D {
  checkNormArgs('instanceNorm', x, gamma, beta, epsilon);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [1, 2], true);
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(normed, gamma), beta) as tf.Tensor4D;
  });
}

/**
 * PyTorch's running-statistics update of `BatchNorm2d` in training mode, as new tensors.
 *
 * `newMean = (1 - m) movingMean + m mean`, `newVar = (1 - m) movingVariance + m var n / (n - 1)`, where
 * `var` is the biased batch variance over `n = N H W` values (so the running variance is unbiased).
 * Nothing returned here feeds a loss, so inside `tf.variableGrads` / `tf.grads` no gradient flows
 * through it (the tape only differentiates the path from the variables to the loss).
 *
 * @param movingMean `[C]`; `movingVariance` `[C]`; `mean`, `variance` `[C]` (biased batch moments).
 * @param count `n`, values per channel in the batch, > 1.
 * @param momentum `m` in [0, 1] (PyTorch: 0.1).
 * @returns `{ mean, variance }` new tensors; the caller disposes (or assigns) them.
 * @example
 * const next = runningMomentsUpdate(rm, rv, mean, variance, 2 * 8 * 8, 0.1);
 */
export function runningMomentsUpdate(
  movingMean: tf.Tensor1D,
  movingVariance: tf.Tensor1D,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  count: number,
  momentum: number,
): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  if (!Number.isInteger(count) || count < 2) {
    throw new Error(`runningMomentsUpdate: argument 'count' must be an integer > 1 (values per channel), got ${count}.`);
  }
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new Error(`runningMomentsUpdate: argument 'momentum' must be in [0, 1], got ${momentum}.`);
  }
  return tf.tidy(() => {
    const m = tf.scalar(momentum);
    const keep = tf.scalar(1 - momentum);
    const unbiased = tf.mul(variance, tf.scalar(count / (count - 1)));
    return {
      mean: tf.add(tf.mul(keep, movingMean), tf.mul(m, mean)) as tf.Tensor1D,
      variance: tf.add(tf.mul(keep, movingVariance), tf.mul(m, unbiased)) as tf.Tensor1D,
    };
  });
}
