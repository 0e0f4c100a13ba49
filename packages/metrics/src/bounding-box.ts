import type { NumericArray } from './validate.js';

/**
 * Axis-aligned box `[lo, hi)` per axis over a C-ordered grid. Internal helper: distances between
 * two masks only depend on the voxels inside the box around both, so metrics crop to it.
 */
export interface Box {
  lo: number[];
  hi: number[];
}

/** Per-label bounding boxes of a label map (`labels[k] === c`); `null` for labels never seen. */
export function labelBoundingBoxes(labels: NumericArray, shape: readonly number[], numLabels: number): Array<Box | null> {
  const ndim = shape.length;
  const d = ndim === 3 ? shape[0] : 1;
  const h = shape[ndim - 2];
  const w = shape[ndim - 1];
  const lo = new Int32Array(numLabels * 3).fill(2 ** 30);
  const hi = new Int32Array(numLabels * 3).fill(-1);
  let k = 0;
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++, k++) {
        const c = labels[k];
        const o = c * 3;
        if (z < lo[o]) lo[o] = z;
        if (z > hi[o]) hi[o] = z;
        if (y < lo[o + 1]) lo[o + 1] = y;
        if (y > hi[o + 1]) hi[o + 1] = y;
        if (x < lo[o + 2]) lo[o + 2] = x;
        if (x > hi[o + 2]) hi[o + 2] = x;
      }
    }
  }
  const boxes: Array<Box | null> = [];
  for (let c = 0; c < numLabels; c++) {
    const o = c * 3;
    if (hi[o] < 0) {
      boxes.push(null);
      continue;
    }
    const l = [lo[o], lo[o + 1], lo[o + 2]];
    const u = [hi[o] + 1, hi[o + 1] + 1, hi[o + 2] + 1];
    boxes.push(ndim === 3 ? { lo: l, hi: u } : { lo: l.slice(1), hi: u.slice(1) });
  }
  return boxes;
}

/** Bounding box of the non-zero voxels of a mask, or `null` when it has none. */
export function maskBoundingBox(mask: NumericArray, shape: readonly number[]): Box | null {
  const ndim = shape.length;
  const d = ndim === 3 ? shape[0] : 1;
  const h = shape[ndim - 2];
  const w = shape[ndim - 1];
  let z0 = d, z1 = -1, y0 = h, y1 = -1, x0 = w, x1 = -1;
  let k = 0;
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++, k++) {
        if (mask[k] === 0) continue;
        if (z < z0) z0 = z;
        if (z > z1) z1 = z;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
      }
    }
  }
  if (z1 < 0) return null;
  return ndim === 3
    ? { lo: [z0, y0, x0], hi: [z1 + 1, y1 + 1, x1 + 1] }
    : { lo: [y0, x0], hi: [y1 + 1, x1 + 1] };
}

/** Smallest box containing both boxes. */
export function unionBox(a: Box, b: Box): Box {
  return { lo: a.lo.map((v, i) => Math.min(v, b.lo[i])), hi: a.hi.map((v, i) => Math.max(v, b.hi[i])) };
}

/** Extent of a box. */
export function boxShape(box: Box): number[] {
  return box.hi.map((v, i) => v - box.lo[i]);
}

/**
 * Copies the box out of `src` as a 0/1 Uint8Array: `src[k] === value`, or `src[k] !== 0` when
 * `value` is `null`.
 */
export function extractCrop(src: NumericArray, shape: readonly number[], box: Box, value: number | null): Uint8Array {
  const ndim = shape.length;
  const h = shape[ndim - 2];
  const w = shape[ndim - 1];
  const z0 = ndim === 3 ? box.lo[0] : 0;
  const z1 = ndim === 3 ? box.hi[0] : 1;
  const y0 = box.lo[ndim - 2];
  const y1 = box.hi[ndim - 2];
  const x0 = box.lo[ndim - 1];
  const x1 = box.hi[ndim - 1];
  const out = new Uint8Array((z1 - z0) * (y1 - y0) * (x1 - x0));
  let k = 0;
  for (let z = z0; z < z1; z++) {
    for (let y = y0; y < y1; y++) {
      const row = (z * h + y) * w;
      if (value === null) {
        for (let x = x0; x < x1; x++, k++) out[k] = src[row + x] !== 0 ? 1 : 0;
      } else {
        for (let x = x0; x < x1; x++, k++) out[k] = src[row + x] === value ? 1 : 0;
      }
    }
  }
  return out;
}
