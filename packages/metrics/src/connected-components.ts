import { checkArray, checkBinary, checkShape, type NumericArray, type Shape } from './validate.js';

/**
 * Neighbourhood of {@link connectedComponents}: `'full'` (8 in 2D, 26 in 3D; default), `'face'`
 * (4 in 2D, 6 in 3D), or the neighbour count itself (4 or 8 in 2D; 6, 18 or 26 in 3D).
 */
export type Connectivity = 'full' | 'face' | 4 | 8 | 6 | 18 | 26;

/** Result of {@link connectedComponents}. */
export interface ConnectedComponents {
  /** Component label per voxel: 0 background, 1..count in raster order of each component's first voxel (as `scipy.ndimage.label`). */
  labels: Int32Array;
  /** Number of components. */
  count: number;
}

/** Resolves a connectivity to the largest number of non-zero offset components allowed. Internal. */
export function connectivityRank(fn: string, connectivity: Connectivity | undefined, ndim: number): number {
  const c = connectivity ?? 'full';
  if (c === 'full') return ndim;
  if (c === 'face') return 1;
  if (ndim === 2 && (c === 4 || c === 8)) return c === 4 ? 1 : 2;
  if (ndim === 3 && (c === 6 || c === 18 || c === 26)) return c === 6 ? 1 : c === 18 ? 2 : 3;
  throw new Error(
    `${fn}: argument 'connectivity' must be 'full', 'face'${ndim === 2 ? ', 4 or 8' : ', 6, 18 or 26'} for a ${ndim}D grid, got ${String(c)}`,
  );
}

/** Two-pass union-find labelling without checks. Internal fast path. */
export function labelComponents(mask: ArrayLike<number>, shape: readonly number[], rank: number): ConnectedComponents {
  const ndim = shape.length;
  const d = ndim === 3 ? shape[0] : 1;
  const h = shape[ndim - 2];
  const w = shape[ndim - 1];
  const size = d * h * w;
  // Prior neighbours (already visited in raster order): offsets whose first non-zero component is -1.
  const offs: Array<[number, number, number]> = [];
  for (let dz = ndim === 3 ? -1 : 0; dz <= (ndim === 3 ? 1 : 0); dz++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const nnz = (dz !== 0 ? 1 : 0) + (dy !== 0 ? 1 : 0) + (dx !== 0 ? 1 : 0);
        if (nnz === 0 || nnz > rank) continue;
        const prior = dz < 0 || (dz === 0 && (dy < 0 || (dy === 0 && dx < 0)));
        if (prior) offs.push([dz, dy, dx]);
      }
    }
  }
  const labels = new Int32Array(size);
  const parent = new Int32Array(size + 1);
  let next = 1;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  let k = 0;
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++, k++) {
        if (mask[k] === 0) continue;
        let root = 0;
        for (let o = 0; o < offs.length; o++) {
          const [dz, dy, dx] = offs[o];
          const zz = z + dz;
          const yy = y + dy;
          const xx = x + dx;
          if (zz < 0 || yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          const l = labels[(zz * h + yy) * w + xx];
          if (l === 0) continue;
          const r = find(l);
          if (root === 0) root = r;
          else if (r !== root) {
            if (r < root) {
              parent[root] = r;
              root = r;
            } else parent[r] = root;
          }
        }
        if (root === 0) {
          root = next++;
          parent[root] = root;
        }
        labels[k] = root;
      }
    }
  }
  const final = new Int32Array(next);
  let count = 0;
  for (let i = 0; i < size; i++) {
    const l = labels[i];
    if (l === 0) continue;
    const r = find(l);
    let f = final[r];
    if (f === 0) {
      f = ++count;
      final[r] = f;
    }
    labels[i] = f;
  }
  return { labels, count };
}

/**
 * Connected-component labelling of a binary mask (non-zero = foreground), 2D or 3D, two-pass
 * union-find. Labels follow the raster order of each component's first voxel, like
 * `scipy.ndimage.label(mask, structure)` with the matching structure.
 *
 * @param mask `prod(shape)` values, C order; not modified.
 * @param shape `[H, W]` or `[D, H, W]`.
 * @param connectivity default `'full'` (8-connected in 2D, 26 in 3D).
 * @returns new labels (Int32Array) and the component count, owned by the caller.
 * @example
 * connectedComponents(new Uint8Array([1, 0, 0, 1]), [2, 2]);          // count 1 (diagonal touch)
 * connectedComponents(new Uint8Array([1, 0, 0, 1]), [2, 2], 'face');  // count 2
 */
export function connectedComponents(mask: NumericArray, shape: Shape, connectivity?: Connectivity): ConnectedComponents {
  const fn = 'connectedComponents';
  const size = checkShape(fn, shape, 'shape');
  checkArray(fn, 'mask', mask, size, shape);
  checkBinary(fn, 'mask', mask);
  const rank = connectivityRank(fn, connectivity, shape.length);
  return labelComponents(mask, shape, rank);
}
