import { boxShape, extractCrop, maskBoundingBox, unionBox } from './bounding-box.js';
import { squaredDistanceToSites } from './euclidean-distance-transform.js';
import { percentile } from './percentile.js';
import { surfaceOf } from './surface.js';
import { checkArray, checkBinary, checkShape, checkSpacing, type NumericArray, type Shape, type Spacing } from './validate.js';

/** Distances between two surfaces, both directions. Internal. */
export interface SurfaceDistancePair {
  /** From each surface voxel of the first mask (prediction / medpy `result`) to the second's surface. */
  forward: Float64Array;
  /** From each surface voxel of the second mask (reference) to the first's surface. */
  backward: Float64Array;
}

/** Distances between the surfaces of two non-empty 0/1 masks on one (cropped) grid. Internal. */
export function surfaceDistancePair(a: Uint8Array, b: Uint8Array, shape: readonly number[], spacing: readonly number[]): SurfaceDistancePair {
  const sa = surfaceOf(a, shape);
  const sb = surfaceOf(b, shape);
  return { forward: sampleDistances(squaredDistanceToSites(sb, shape, spacing), sa), backward: sampleDistances(squaredDistanceToSites(sa, shape, spacing), sb) };
}

function sampleDistances(squared: Float64Array, where: Uint8Array): Float64Array {
  let n = 0;
  for (let k = 0; k < where.length; k++) n += where[k];
  const out = new Float64Array(n);
  let i = 0;
  for (let k = 0; k < where.length; k++) if (where[k] !== 0) out[i++] = Math.sqrt(squared[k]);
  return out;
}

/** HD, HD95, ASD and ASSD from the two directed surface-distance sets (medpy definitions). Internal. */
export function summariseSurfaceDistances(pair: SurfaceDistancePair): { hd: number; hd95: number; asd: number; assd: number } {
  const { forward, backward } = pair;
  let max = 0;
  let sf = 0;
  let sb = 0;
  for (let i = 0; i < forward.length; i++) {
    const v = forward[i];
    sf += v;
    if (v > max) max = v;
  }
  for (let i = 0; i < backward.length; i++) {
    const v = backward[i];
    sb += v;
    if (v > max) max = v;
  }
  const both = new Float64Array(forward.length + backward.length);
  both.set(forward, 0);
  both.set(backward, forward.length);
  const asdForward = sf / forward.length;
  const asdBackward = sb / backward.length;
  return { hd: max, hd95: percentile(both, 95), asd: asdForward, assd: (asdForward + asdBackward) / 2 };
}

/** Options of {@link directedSurfaceDistances}. */
export interface SurfaceDistanceOptions {
  /** Grid extent `[H, W]` or `[D, H, W]`. Required. */
  shape: Shape;
  /** Voxel size per axis, same order as `shape` (anisotropic allowed). Default: all 1. */
  spacing?: Spacing;
}

/**
 * Directed surface distances (medpy `__surface_distances(result, reference)`): for every surface
 * voxel of `result`, the Euclidean distance (physical units) to the nearest surface voxel of
 * `reference`. Surfaces are `mask XOR erode(mask)` with face connectivity and `border_value = 0`;
 * distances come from an exact distance transform of the reference surface, computed inside the
 * bounding box of both masks (exact: all surface voxels lie inside it).
 *
 * Throws when either mask is empty (the distances are undefined), as medpy does.
 *
 * @param result prediction mask, non-zero = foreground; not modified.
 * @param reference reference mask; not modified.
 * @returns a new Float64Array with one distance per surface voxel of `result`, in C order.
 * @example
 * const a = new Uint8Array([1, 0, 0, 0]), b = new Uint8Array([0, 0, 0, 1]);
 * directedSurfaceDistances(a, b, { shape: [2, 2] }); // [Math.SQRT2]
 */
export function directedSurfaceDistances(result: NumericArray, reference: NumericArray, options: SurfaceDistanceOptions): Float64Array {
  const fn = 'directedSurfaceDistances';
  if (options === undefined || options === null) throw new Error(`${fn}: argument 'options' with a 'shape' is required`);
  const size = checkShape(fn, options.shape, 'options.shape');
  const spacing = checkSpacing(fn, options.spacing, options.shape.length, 'options.spacing');
  checkArray(fn, 'result', result, size, options.shape);
  checkArray(fn, 'reference', reference, size, options.shape);
  checkBinary(fn, 'result', result);
  checkBinary(fn, 'reference', reference);
  const ba = maskBoundingBox(result, options.shape);
  const bb = maskBoundingBox(reference, options.shape);
  if (ba === null) throw new Error(`${fn}: argument 'result' has no foreground voxel; surface distances are undefined`);
  if (bb === null) throw new Error(`${fn}: argument 'reference' has no foreground voxel; surface distances are undefined`);
  const box = unionBox(ba, bb);
  const cropShape = boxShape(box);
  const a = extractCrop(result, options.shape, box, null);
  const b = extractCrop(reference, options.shape, box, null);
  return surfaceDistancePair(a, b, cropShape, spacing).forward;
}
