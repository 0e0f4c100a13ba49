import { type SeededRandom, toRandom } from './seeded-random';
import type { Slice2D } from './types';

/**
 * Cuts the window `[y, y + height) x [x, x + width)` out of a slice (image, label, instances);
 * parts of the window outside the slice are 0 (zero padding), so any window is valid.
 * @example cropSlice(s, 0, 0, 256, 256)
 */
export function cropSlice(s: Slice2D, y: number, x: number, height: number, width: number): Slice2D {
  if (!(Number.isInteger(height) && height > 0 && Number.isInteger(width) && width > 0)) {
    throw new Error(`cropSlice: arguments 'height' and 'width' must be positive integers, got ${height}, ${width}`);
  }
  if (!(Number.isInteger(y) && Number.isInteger(x))) throw new Error(`cropSlice: arguments 'y' and 'x' must be integers, got ${y}, ${x}`);
  const c = s.channels;
  const image = new Float32Array(height * width * c);
  const label = new Uint8Array(height * width);
  const inst = s.instances ? new Int32Array(height * width) : undefined;
  const y0 = Math.max(0, -y);
  const y1 = Math.min(height, s.height - y);
  const x0 = Math.max(0, -x);
  const x1 = Math.min(width, s.width - x);
  for (let yy = y0; yy < y1; yy++) {
    const srcRow = (y + yy) * s.width + x;
    if (x1 > x0) {
      image.set(s.image.subarray((srcRow + x0) * c, (srcRow + x1) * c), (yy * width + x0) * c);
      label.set(s.label.subarray(srcRow + x0, srcRow + x1), yy * width + x0);
      if (inst && s.instances) inst.set(s.instances.subarray(srcRow + x0, srcRow + x1), yy * width + x0);
    }
  }
  return { ...s, image, label, height, width, ...(inst ? { instances: inst } : {}) };
}

/**
 * Random crop of `height x width`, the offset uniform over all positions that keep the window
 * inside the slice (centred, zero-padded, along an axis where the slice is smaller). Seeded.
 * @example randomCrop(tile, { height: 256, width: 256, seed: 3 })
 */
export function randomCrop(s: Slice2D, options: { height: number; width: number; seed?: number | SeededRandom }): Slice2D {
  const rng = toRandom(options.seed, 0);
  const { height, width } = options;
  const y = s.height >= height ? rng.int(s.height - height + 1) : -Math.floor((height - s.height) / 2);
  const x = s.width >= width ? rng.int(s.width - width + 1) : -Math.floor((width - s.width) / 2);
  return cropSlice(s, y, x, height, width);
}

/**
 * Top-left corners of sliding windows of `size` with `stride` covering `[0, length)`: 0, stride,
 * 2 stride, ... and a last window flush with the end (so the union covers everything). A length
 * smaller than the window gives the single position 0.
 * @example slidingPositions(1000, 256, 192) // [0, 192, 384, 576, 744]
 */
export function slidingPositions(length: number, size: number, stride: number): number[] {
  if (!(stride > 0 && size > 0)) throw new Error(`slidingPositions: 'size' and 'stride' must be positive, got ${size}, ${stride}`);
  if (length <= size) return [0];
  const out: number[] = [];
  for (let p = 0; p + size < length; p += stride) out.push(p);
  out.push(length - size);
  return [...new Set(out)];
}

/** One window of {@link slidingWindowCrops}. */
export interface WindowCrop {
  y: number;
  x: number;
  crop: Slice2D;
}

/**
 * Sliding-window crops of a large slice (e.g. a 1000x1000 histology tile) for training or tiled
 * inference: windows of `height x width` every `stride` pixels (default: half the window), the last
 * row/column flush with the border. Windows larger than the slice are zero-padded.
 * Use {@link stitchWindows} to average per-window predictions back into one map.
 * @example for (const { y, x, crop } of slidingWindowCrops(tile, { height: 256, width: 256 })) ...
 */
export function slidingWindowCrops(
  s: Slice2D,
  options: { height: number; width: number; strideY?: number; strideX?: number },
): WindowCrop[] {
  const { height, width } = options;
  const sy = options.strideY ?? Math.max(1, Math.floor(height / 2));
  const sx = options.strideX ?? Math.max(1, Math.floor(width / 2));
  const out: WindowCrop[] = [];
  for (const y of slidingPositions(s.height, height, sy)) {
    for (const x of slidingPositions(s.width, width, sx)) out.push({ y, x, crop: { ...cropSlice(s, y, x, height, width), id: `${s.id}_y${y}_x${x}` } });
  }
  return out;
}

/**
 * Averages per-window maps (e.g. class probabilities `[wh, ww, channels]`) into one `[height, width,
 * channels]` map: each pixel is the mean over the windows covering it (0 where none does).
 * @example const probs = stitchWindows(windows.map((w, i) => ({ y: w.y, x: w.x, data: preds[i] })), { height: 1000, width: 1000, channels: 2, windowHeight: 256, windowWidth: 256 });
 */
export function stitchWindows(
  windows: ReadonlyArray<{ y: number; x: number; data: ArrayLike<number> }>,
  options: { height: number; width: number; channels: number; windowHeight: number; windowWidth: number },
): Float32Array {
  const { height, width, channels: c, windowHeight: wh, windowWidth: ww } = options;
  const sum = new Float32Array(height * width * c);
  const count = new Float32Array(height * width);
  for (const { y, x, data } of windows) {
    if (data.length !== wh * ww * c) throw new Error(`stitchWindows: window at (${y}, ${x}) has ${data.length} values, expected ${wh * ww * c}`);
    for (let yy = Math.max(0, -y); yy < Math.min(wh, height - y); yy++) {
      for (let xx = Math.max(0, -x); xx < Math.min(ww, width - x); xx++) {
        const o = (y + yy) * width + (x + xx);
        count[o]++;
        for (let k = 0; k < c; k++) sum[o * c + k] += data[(yy * ww + xx) * c + k];
      }
    }
  }
  for (let i = 0; i < height * width; i++) {
    if (count[i] > 0) for (let k = 0; k < c; k++) sum[i * c + k] /= count[i];
  }
  return sum;
}
