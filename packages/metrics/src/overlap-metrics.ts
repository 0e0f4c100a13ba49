import { type EmptyMaskOptions, type EmptyPolicy, resolveEmptyPolicy } from './empty-mask-policy.js';
import { checkArray, checkBinary, checkShape, type NumericArray, type Shape } from './validate.js';

/** Options of the binary overlap metrics {@link dice}, {@link jaccard}, {@link precision}, {@link recall}. */
export interface OverlapOptions extends Pick<EmptyMaskOptions, 'bothEmpty'> {
  /** Optional grid extent; when given, both masks must have `prod(shape)` elements. */
  shape?: Shape;
}

/** Voxel counts of a binary confusion (non-zero = foreground). Internal. */
export interface OverlapCounts {
  tp: number;
  pred: number;
  target: number;
}

/** The four overlap scores from counts under an empty-mask policy. Internal. */
export function overlapScores(c: OverlapCounts, policy: EmptyPolicy): { dice: number; jaccard: number; precision: number; recall: number } {
  if (c.pred === 0 && c.target === 0) {
    const v = policy.bothEmptyOverlap;
    return { dice: v, jaccard: v, precision: v, recall: v };
  }
  if (c.pred === 0 || c.target === 0) return { dice: 0, jaccard: 0, precision: 0, recall: 0 };
  return {
    dice: (2 * c.tp) / (c.pred + c.target),
    jaccard: c.tp / (c.pred + c.target - c.tp),
    precision: c.tp / c.pred,
    recall: c.tp / c.target,
  };
}

function countBinary(fn: string, pred: NumericArray, target: NumericArray, options: OverlapOptions | undefined): OverlapCounts {
  if (options?.shape !== undefined) {
    const size = checkShape(fn, options.shape, 'options.shape');
    checkArray(fn, 'pred', pred, size, options.shape);
    checkArray(fn, 'target', target, size, options.shape);
  } else {
    const n = (pred as NumericArray | undefined)?.length ?? 0;
    checkArray(fn, 'pred', pred, n, [n]);
    if (n === 0) throw new Error(`${fn}: argument 'pred' is empty (0 elements); a metric needs a non-empty grid`);
    checkArray(fn, 'target', target, n, [n]);
  }
  checkBinary(fn, 'pred', pred);
  checkBinary(fn, 'target', target);
  let tp = 0;
  let np = 0;
  let nt = 0;
  for (let k = 0; k < pred.length; k++) {
    const p = pred[k] !== 0;
    const t = target[k] !== 0;
    if (p) np++;
    if (t) nt++;
    if (p && t) tp++;
  }
  return { tp, pred: np, target: nt };
}

/**
 * Dice coefficient of two binary masks (medpy `dc`): `2 |P ∩ T| / (|P| + |T|)`, in `[0, 1]`.
 * Non-zero voxels are foreground. Both empty: `NaN` (or 1 with `bothEmpty: 'perfect'`); one empty: 0.
 *
 * @param pred prediction mask; not modified.
 * @param target reference mask, same length; not modified.
 * @example dice(new Uint8Array([1, 1, 0, 0]), new Uint8Array([1, 0, 0, 0])) // 2/3
 */
export function dice(pred: NumericArray, target: NumericArray, options?: OverlapOptions): number {
  const fn = 'dice';
  return overlapScores(countBinary(fn, pred, target, options), resolveEmptyPolicy(fn, options, undefined, undefined)).dice;
}

/**
 * Jaccard index (IoU) of two binary masks (medpy `jc`): `|P ∩ T| / |P ∪ T|`, in `[0, 1]`.
 * Both empty: `NaN` (or 1 with `bothEmpty: 'perfect'`); one empty: 0.
 *
 * @example jaccard(new Uint8Array([1, 1, 0, 0]), new Uint8Array([1, 0, 0, 0])) // 1/2
 */
export function jaccard(pred: NumericArray, target: NumericArray, options?: OverlapOptions): number {
  const fn = 'jaccard';
  return overlapScores(countBinary(fn, pred, target, options), resolveEmptyPolicy(fn, options, undefined, undefined)).jaccard;
}

/**
 * Precision (positive predictive value, medpy `precision`): `|P ∩ T| / |P|`.
 * Both empty: `NaN` (or 1 with `bothEmpty: 'perfect'`); one empty (including an empty prediction): 0.
 *
 * @example precision(new Uint8Array([1, 1, 0, 0]), new Uint8Array([1, 0, 0, 0])) // 1/2
 */
export function precision(pred: NumericArray, target: NumericArray, options?: OverlapOptions): number {
  const fn = 'precision';
  return overlapScores(countBinary(fn, pred, target, options), resolveEmptyPolicy(fn, options, undefined, undefined)).precision;
}

/**
 * Recall (sensitivity, medpy `recall`): `|P ∩ T| / |T|`.
 * Both empty: `NaN` (or 1 with `bothEmpty: 'perfect'`); one empty (including an empty reference): 0.
 *
 * @example recall(new Uint8Array([1, 1, 0, 0]), new Uint8Array([1, 0, 0, 0])) // 1
 */
export function recall(pred: NumericArray, target: NumericArray, options?: OverlapOptions): number {
  const fn = 'recall';
  return overlapScores(countBinary(fn, pred, target, options), resolveEmptyPolicy(fn, options, undefined, undefined)).recall;
}
