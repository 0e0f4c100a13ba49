import * as tf from '@tensorflow/tfjs-core';
import { assertFloatTensor, assertNonNegative, assertOneOf } from './assert';
import { checkLabels, REDUCTIONS, toOneHot, type LossReduction } from './labels';

/** Options of {@link softDiceLoss} (names follow MONAI's `DiceLoss`). */
export interface SoftDiceLossOptions {
  /** Keep class 0 (background) in the average. Default true (SSL4MIS averages all K classes). */
  includeBackground?: boolean;
  /** Added to the numerator. Default 1e-5 (SSL4MIS `smooth`). */
  smoothNr?: number;
  /** Added to the denominator. Default 1e-5 (SSL4MIS `smooth`). */
  smoothDr?: number;
  /** Apply a softmax over the class axis first (the input is logits). Default true; false: the input is probabilities. */
  softmax?: boolean;
  /**
   * Denominator `sum p^2 + sum g^2` (true, default: SSL4MIS `DiceLoss`, MONAI `squared_pred=True`)
   * or `sum p + sum g` (false: MONAI's default).
   */
  squaredDenominator?: boolean;
  /**
   * Sum over the whole batch before the ratio, one Dice per class (true, default: SSL4MIS), or one
   * Dice per image and class (false: MONAI's default `batch=False`).
   */
  batch?: boolean;
  /** `'mean'` (default) or `'sum'` over the per-class (and per-image) losses, or `'none'`. */
  reduction?: LossReduction;
  /** Check int32 labels are in [0, K) (reads min and max back). Default true. */
  validateLabels?: boolean;
}

/**
 * Soft Dice loss over the classes (Milletari et al. 2016; SSL4MIS `losses.DiceLoss`, MONAI `DiceLoss`).
 *
 * Formula, for each class c (and each image when `batch` is false), with `p` the probabilities and
 * `g` the one-hot labels summed over the pixels:
 * `l_c = 1 - (2 sum(p_c g_c) + smoothNr) / (sum(p_c^2) + sum(g_c^2) + smoothDr)`
 * (`sum(p_c) + sum(g_c)` in the denominator when `squaredDenominator` is false). A class absent
 * from both prediction and labels gives `1 - smoothNr/smoothDr` = 0 with the defaults.
 *
 * @param input float32 `[N,H,W,K]` logits (or probabilities with `softmax: false`); classes last, rank >= 2.
 * @param labels int32 `[N,H,W]` class indices in [0, K), or float32 one-hot `[N,H,W,K]`.
 * @param options see {@link SoftDiceLossOptions}; defaults `{ includeBackground: true, smoothNr: 1e-5,
 *   smoothDr: 1e-5, softmax: true, squaredDenominator: true, batch: true, reduction: 'mean' }`.
 * @returns a scalar (`'mean'`, `'sum'`), or `[K']` (`batch` true) / `[N,K']` (`batch` false) with
 *   `'none'`, where K' = K or K - 1 without background; the caller disposes it.
 * @example
 * ```ts
 * const dice = softDiceLoss(logits, labels);                       // SSL4MIS DiceLoss on softmax
 * const monai = softDiceLoss(logits, labels, { squaredDenominator: false, batch: false, includeBackground: false });
 * ```
 */
export function softDiceLoss(input: tf.Tensor, labels: tf.Tensor, options: SoftDiceLossOptions = {}): tf.Tensor {
  const fn = 'softDiceLoss';
  const {
    includeBackground = true,
    smoothNr = 1e-5,
    smoothDr = 1e-5,
    softmax = true,
    squaredDenominator = true,
    batch = true,
    reduction = 'mean',
    validateLabels = true,
  } = options;
  assertFloatTensor(fn, 'input', input, 2);
  assertOneOf(fn, 'reduction', reduction, REDUCTIONS);
  assertNonNegative(fn, 'smoothNr', smoothNr);
  assertNonNegative(fn, 'smoothDr', smoothDr);
  const k = input.shape[input.rank - 1];
  if (!includeBackground && k < 2) {
    throw new Error(`${fn}: option 'includeBackground: false' needs at least 2 classes; got K = ${k}.`);
  }
  const kind = checkLabels(fn, input, labels, validateLabels);
  return tf.tidy(() => {
    let p = softmax ? tf.softmax(input, -1) : input;
    let g = toOneHot(labels, kind, k);
    if (!includeBackground) {
      const begin = new Array<number>(input.rank).fill(0);
      begin[input.rank - 1] = 1;
      p = tf.slice(p, begin, [...input.shape.slice(0, -1), k - 1]);
      g = tf.slice(g, begin, [...input.shape.slice(0, -1), k - 1]);
    }
    const r = input.rank;
    const axes = batch ? range(0, r - 1) : range(1, r - 1);
    const reduce = (x: tf.Tensor): tf.Tensor => (axes.length ? tf.sum(x, axes) : x);
    const intersect = reduce(tf.mul(p, g));
    const den = squaredDenominator ? tf.add(reduce(tf.square(p)), reduce(tf.square(g))) : tf.add(reduce(p), reduce(g));
    const perClass = tf.sub(1, tf.div(tf.add(tf.mul(intersect, 2), smoothNr), tf.add(den, smoothDr)));
    if (reduction === 'none') return perClass;
    return reduction === 'sum' ? tf.sum(perClass) : tf.mean(perClass);
  });
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
