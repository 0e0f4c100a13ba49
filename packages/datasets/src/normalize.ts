/**
 * Min-max normalisation to [0, 1]: `y = (x - min) / (max - min)` over the whole array (a volume or
 * an image). A constant array maps to zeros. Returns a new Float32Array.
 *
 * This is the SSL4MIS ACDC preprocessing (per volume).
 * @example normalizeMinMax(volume.image)
 */
export function normalizeMinMax(data: ArrayLike<number>): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float32Array(data.length);
  const range = hi - lo;
  if (!(range > 0)) return out;
  for (let i = 0; i < data.length; i++) out[i] = (data[i] - lo) / range;
  return out;
}

/**
 * Z-score normalisation: `y = (x - mean) / max(std, eps)` with the population standard deviation
 * over the whole array (or only over the voxels where `mask` is non-zero, when given; the result is
 * still computed for every voxel). Returns a new Float32Array.
 *
 * @param options.eps default 1e-8.
 * @example normalizeZScore(volume.image)
 */
export function normalizeZScore(
  data: ArrayLike<number>,
  options: { mask?: ArrayLike<number>; eps?: number } = {},
): Float32Array {
  const { mask, eps = 1e-8 } = options;
  if (mask && mask.length !== data.length) {
    throw new Error(`normalizeZScore: argument 'mask' has length ${mask.length}, expected ${data.length}`);
  }
  let n = 0;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    if (mask && !mask[i]) continue;
    sum += data[i];
    n++;
  }
  const mean = n > 0 ? sum / n : 0;
  let ss = 0;
  for (let i = 0; i < data.length; i++) {
    if (mask && !mask[i]) continue;
    ss += (data[i] - mean) ** 2;
  }
  const std = Math.max(n > 0 ? Math.sqrt(ss / n) : 0, eps);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] - mean) / std;
  return out;
}
