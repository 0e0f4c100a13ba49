import * as tf from '@tensorflow/tfjs-core';
import { assertFloatTensor, assertOneOf } from './assert';
import { checkLabels, REDUCTIONS, toOneHot, type LossReduction } from './labels';

/** Options of {@link crossEntropyLoss}. */
export interface CrossEntropyLossOptions {
  /** `'mean'` over pixels (default), `'sum'`, or `'none'` (per-pixel losses, shape `[N,H,W]`). */
  reduction?: LossReduction;
  /**
   * A class index whose pixels contribute nothing (PyTorch `ignore_index`); `'mean'` then divides by
   * the number of other pixels. Default: none (every pixel counts). Only with int32 labels.
   */
  ignoreIndex?: number;
  /**
   * Check that int32 labels are integers in [0, K) (reads their min and max back, synchronously).
   * Default true. Turn off only for labels known to be valid, on backends where a read-back stalls.
   */
  validateLabels?: boolean;
}

/**
 * Pixel-wise softmax cross-entropy (PyTorch `nn.CrossEntropyLoss`, as used by SSL4MIS).
 *
 * Formula: `l_i = -sum_k y_ik log softmax(z_i)_k`; `'mean'` gives `(1/|I|) sum_i l_i` over the
 * pixels `I` not ignored. With one-hot or soft labels `y` it is the same formula (PyTorch's
 * probability targets).
 *
 * @param logits float32 `[N,H,W,K]` (any rank >= 2, classes last), unnormalised scores.
 * @param labels int32 `[N,H,W]` class indices in [0, K), or float32 one-hot / soft `[N,H,W,K]`.
 * @param options see {@link CrossEntropyLossOptions}; defaults `{ reduction: 'mean' }`, nothing ignored.
 * @returns a scalar (`'mean'`, `'sum'`) or `[N,H,W]` (`'none'`); the caller disposes it. An empty
 *   batch, or all pixels ignored, gives `'mean'` = 0.
 * @example
 * ```ts
 * const loss = crossEntropyLoss(logits, labels); // tf.Scalar
 * ```
 */
export function crossEntropyLoss(logits: tf.Tensor, labels: tf.Tensor, options: CrossEntropyLossOptions = {}): tf.Tensor {
  const fn = 'crossEntropyLoss';
  const { reduction = 'mean', ignoreIndex, validateLabels = true } = options;
  assertFloatTensor(fn, 'logits', logits, 2);
  assertOneOf(fn, 'reduction', reduction, REDUCTIONS);
  if (ignoreIndex !== undefined && !Number.isInteger(ignoreIndex)) {
    throw new Error(`${fn}: option 'ignoreIndex' must be an integer; got ${String(ignoreIndex)}.`);
  }
  const kind = checkLabels(fn, logits, labels, validateLabels, ignoreIndex);
  const k = logits.shape[logits.rank - 1];
  return tf.tidy(() => {
    let mask: tf.Tensor | null = null;
    let target: tf.Tensor;
    if (kind === 'index' && ignoreIndex !== undefined) {
      const keep = tf.notEqual(labels, ignoreIndex);
      mask = tf.cast(keep, 'float32');
      target = toOneHot(tf.where(keep, labels, tf.zerosLike(labels)), 'index', k);
    } else {
      target = toOneHot(labels, kind, k);
    }
    let perPixel = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits, -1)), -1));
    if (mask) perPixel = tf.mul(perPixel, mask);
    if (reduction === 'none') return perPixel;
    const total = tf.sum(perPixel);
    if (reduction === 'sum') return total;
    const count = mask ? tf.sum(mask) : tf.scalar(perPixel.size);
    return tf.div(total, tf.maximum(count, 1));
  });
}
