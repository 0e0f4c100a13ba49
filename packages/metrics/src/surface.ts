import { checkArray, checkBinary, checkShape, type NumericArray, type Shape } from './validate.js';

/**
 * Surface (border) voxels of a mask without checks: `mask AND NOT erode(mask)`, erosion by the
 * face-connected structuring element (`scipy.ndimage.generate_binary_structure(ndim, 1)`) with
 * `border_value = 0`, so foreground on the grid border is surface. Internal fast path.
 */
export function surfaceOf(mask: ArrayLike<number>, shape: readonly number[]): Uint8Array {
  const ndim = shape.length;
  if (ndim !== 2 && ndim !== 3) return surfaceGeneric(mask, shape);
  // One pass over [D, H, W] (D = 1 and no z neighbours in 2D).
  const d = ndim === 3 ? shape[0] : 1;
  const h = shape[ndim - 2];
  const w = shape[ndim - 1];
  const plane = h * w;
  const surface = new Uint8Array(d * plane);
  let k = 0;
  for (let z = 0; z < d; z++) {
    const zEdge = ndim === 3 && (z === 0 || z === d - 1);
    for (let y = 0; y < h; y++) {
      const yEdge = zEdge || y === 0 || y === h - 1;
      for (let x = 0; x < w; x++, k++) {
        if (mask[k] === 0) continue;
        if (
          yEdge ||
          x === 0 ||
          x === w - 1 ||
          mask[k - 1] === 0 ||
          mask[k + 1] === 0 ||
          mask[k - w] === 0 ||
          mask[k + w] === 0 ||
          (ndim === 3 && (mask[k - plane] === 0 || mask[k + plane] === 0))
        ) {
          surface[k] = 1;
        }
      }
    }
  }
  return surface;
}

/** Any number of axes: erosion as an AND of shifted masks, axis by axis. */
function surfaceGeneric(mask: ArrayLike<number>, shape: readonly number[]): Uint8Array {
  const ndim = shape.length;
  let size = 1;
  for (const n of shape) size *= n;
  // interior[k] = 1 while every face neighbour seen so far is foreground (and inside the grid).
  const interior = new Uint8Array(size);
  for (let k = 0; k < size; k++) interior[k] = mask[k] !== 0 ? 1 : 0;
  for (let axis = 0; axis < ndim; axis++) {
    const n = shape[axis];
    let stride = 1;
    for (let a = axis + 1; a < ndim; a++) stride *= shape[a];
    const outer = size / (n * stride);
    for (let o = 0; o < outer; o++) {
      const base = o * n * stride;
      for (let i = 0; i < stride; i++) {
        interior[base + i] = 0;
        interior[base + (n - 1) * stride + i] = 0;
      }
      for (let j = 1; j < n - 1; j++) {
        const b = base + j * stride;
        for (let i = 0; i < stride; i++) {
          const k = b + i;
          if (interior[k] !== 0 && (mask[k - stride] === 0 || mask[k + stride] === 0)) interior[k] = 0;
        }
      }
    }
  }
  const surface = new Uint8Array(size);
  for (let k = 0; k < size; k++) surface[k] = mask[k] !== 0 && interior[k] === 0 ? 1 : 0;
  return surface;
}

/** Options of {@link surfaceMask}. */
export interface SurfaceMaskOptions {
  /** Grid extent `[H, W]` or `[D, H, W]`. Required. */
  shape: Shape;
}

/**
 * Surface voxels of a binary mask as medpy defines them: `mask XOR binary_erosion(mask, structure =
 * generate_binary_structure(ndim, 1), border_value = 0)`, i.e. foreground voxels with a background
 * face neighbour or lying on the grid border.
 *
 * @param mask non-zero = foreground, `prod(shape)` elements; not modified.
 * @returns a new 0/1 Uint8Array of `prod(shape)` elements, owned by the caller.
 * @example
 * surfaceMask(new Uint8Array(9).fill(1), { shape: [3, 3] }); // every voxel but the centre is 1
 */
export function surfaceMask(mask: NumericArray, options: SurfaceMaskOptions): Uint8Array {
  const fn = 'surfaceMask';
  if (options === undefined || options === null) throw new Error(`${fn}: argument 'options' with a 'shape' is required`);
  const size = checkShape(fn, options.shape, 'options.shape');
  checkArray(fn, 'mask', mask, size, options.shape);
  checkBinary(fn, 'mask', mask);
  return surfaceOf(mask, options.shape);
}
