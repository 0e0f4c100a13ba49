import { boxShape, extractCrop, maskBoundingBox, unionBox } from './bounding-box.js';
import { type EmptyMaskOptions, resolveEmptyPolicy } from './empty-mask-policy.js';
import { summariseSurfaceDistances, surfaceDistancePair } from './surface-distances.js';
import { checkArray, checkBinary, checkShape, checkSpacing, type NumericArray, type Shape, type Spacing } from './validate.js';

/** Options of the binary distance metrics {@link hausdorff}, {@link hd95}, {@link asd}, {@link assd}. */
export interface DistanceOptions extends EmptyMaskOptions {
  /** Grid extent `[H, W]` or `[D, H, W]`. Required. */
  shape: Shape;
  /** Voxel size per axis, same order as `shape` (anisotropic allowed). Default: all 1. */
  spacing?: Spacing;
}

/** All four surface-distance metrics of a binary pair; see {@link hausdorff} etc. */
export interface SurfaceDistanceMetrics {
  hd: number;
  hd95: number;
  asd: number;
  assd: number;
}

/**
 * HD, HD95, ASD and ASSD of two binary masks in one pass (two distance transforms).
 * Definitions as {@link hausdorff}, {@link hd95}, {@link asd}, {@link assd}; same empty-mask policy.
 *
 * @example
 * const m = surfaceDistanceMetrics(pred, target, { shape: [10, 256, 224], spacing: [5, 1.5, 1.5] });
 */
export function surfaceDistanceMetrics(pred: NumericArray, target: NumericArray, options: DistanceOptions, fn = 'surfaceDistanceMetrics'): SurfaceDistanceMetrics {
  if (options === undefined || options === null) throw new Error(`${fn}: argument 'options' with a 'shape' is required`);
  const size = checkShape(fn, options.shape, 'options.shape');
  const spacing = checkSpacing(fn, options.spacing, options.shape.length, 'options.spacing');
  checkArray(fn, 'pred', pred, size, options.shape);
  checkArray(fn, 'target', target, size, options.shape);
  checkBinary(fn, 'pred', pred);
  checkBinary(fn, 'target', target);
  const policy = resolveEmptyPolicy(fn, options, options.shape, spacing);
  const bp = maskBoundingBox(pred, options.shape);
  const bt = maskBoundingBox(target, options.shape);
  if (bp === null && bt === null) {
    const v = policy.bothEmptyDistance;
    return { hd: v, hd95: v, asd: v, assd: v };
  }
  if (bp === null || bt === null) {
    const v = policy.oneEmptyDistance;
    return { hd: v, hd95: v, asd: v, assd: v };
  }
  const box = unionBox(bp, bt);
  const cropShape = boxShape(box);
  const pair = surfaceDistancePair(extractCrop(pred, options.shape, box, null), extractCrop(target, options.shape, box, null), cropShape, spacing);
  return summariseSurfaceDistances(pair);
}

/**
 * Hausdorff distance (medpy `hd`): `max(max_{p in dP} d(p, dT), max_{t in dT} d(t, dP))`, with `dX`
 * the surface voxels of X (removed by one face-connected erosion, grid border = background) and
 * `d` the Euclidean distance in physical units (`spacing`). Empty masks: see {@link EmptyMaskOptions}.
 *
 * @example
 * // two single voxels 3 rows apart at 2 mm row spacing
 * hausdorff(a, b, { shape: [4, 1], spacing: [2, 1] }) // 6
 */
export function hausdorff(pred: NumericArray, target: NumericArray, options: DistanceOptions): number {
  return surfaceDistanceMetrics(pred, target, options, 'hausdorff').hd;
}

/**
 * 95th-percentile Hausdorff distance (medpy `hd95`): `numpy.percentile(concat(d(dP, dT), d(dT, dP)), 95)`
 * with linear interpolation, over both directed surface-distance sets concatenated.
 *
 * @example hd95(pred, target, { shape: [256, 224], spacing: [1.5, 1.5] })
 */
export function hd95(pred: NumericArray, target: NumericArray, options: DistanceOptions): number {
  return surfaceDistanceMetrics(pred, target, options, 'hd95').hd95;
}

/**
 * Average surface distance (medpy `asd(result, reference)`, not symmetric): the mean over the surface
 * voxels of the prediction of their distance to the reference surface.
 *
 * @example asd(pred, target, { shape: [10, 256, 224], spacing: [5, 1.5, 1.5] })
 */
export function asd(pred: NumericArray, target: NumericArray, options: DistanceOptions): number {
  return surfaceDistanceMetrics(pred, target, options, 'asd').asd;
}

/**
 * Average symmetric surface distance (medpy `assd`): `(asd(pred, target) + asd(target, pred)) / 2`.
 *
 * @example assd(pred, target, { shape: [10, 256, 224], spacing: [5, 1.5, 1.5] })
 */
export function assd(pred: NumericArray, target: NumericArray, options: DistanceOptions): number {
  return surfaceDistanceMetrics(pred, target, options, 'assd').assd;
}
