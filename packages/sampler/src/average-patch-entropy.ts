import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, patchGrid } from './patch-grid';

/** Options of {@link averagePatchEntropy}. */
export interface AveragePatchEntropyOptions {
  /** Side of a square patch in pixels. Default 16. */
  patchSize?: number;
  /** Step between patches in pixels. Default 16. */
  stride?: number;
  /**
   * Pixel intensities `[N, H, W, C]` in `[0, 1]` for the intensity term. With `C > 1` channels the
   * channel mean is used as the intensity. Values outside `[0, 1]` fall into the first or last bin.
   * Without it the intensity term is skipped and `APE = Hconf` (as with `beta = 0`, i.e. PatchCL).
   */
  intensity?: tf.Tensor4D;
  /** Weight of the intensity term, in `[0, 1]`. Default 0.5; 0 reproduces PatchCL's entropy. */
  beta?: number;
  /** Number of intensity histogram bins B (integer >= 2). Default 16. */
  bins?: number;
}

/** Result of {@link averagePatchEntropy}; the caller disposes both tensors. */
export interface AveragePatchEntropyResult {
  /** Average patch entropy `APE(k, c)` in `[0, 1]`, shape `[N, rows, cols, K]`. */
  ape: tf.Tensor4D;
  /** Mean class confidence `mu(k, c)` over each patch, shape `[N, rows, cols, K]`. */
  meanConfidence: tf.Tensor4D;
}

/**
 * Average patch entropy (APE) of class-specific confidence maps, per patch and class (Semi-AGCL).
 *
 * For patch k and class c, with `M_c(i)` the confidence of pixel i:
 * - confidence term: `Hconf(k, c) = mean_{i in k} h(M_c(i))` with the binary entropy in bits
 *   `h(p) = -p log2 p - (1 - p) log2 (1 - p)` (in `[0, 1]`; `0 log 0 = 0`);
 * - intensity term: the histogram `H_b = sum_{i in k, bin(I_i) = b} M_c(i)` of the patch's pixel
 *   intensities `I` in B equal bins over `[0, 1]`, weighted by confidence, normalised to sum 1;
 *   `Hint(k, c) = -(sum_b p_b log2 p_b) / log2 B` in `[0, 1]` (0 when the class has no mass there);
 * - `APE(k, c) = (1 - beta) Hconf(k, c) + beta Hint(k, c)`;
 * - `mu(k, c) = mean_{i in k} M_c(i)`.
 *
 * Computed with tensor ops only: one average pool for each term; the histogram is the average
 * pool of `M_c(i) * onehot(bin(I_i))`, so the cost is one pool over `K * B` channels.
 * Confidences are clipped to `[0, 1]` for the entropies (not for `meanConfidence`).
 *
 * @param confidence - `[N, H, W, K]` class probabilities (teacher softmax) or one-hot labels, float.
 * @param options - `patchSize` (16), `stride` (16), `intensity` (none), `beta` (0.5), `bins` (16).
 * @returns `{ ape, meanConfidence }`, both `[N, rows, cols, K]` with rows/cols from
 *   {@link patchGrid}; the caller disposes them. Intermediates are freed (computed in `tf.tidy`).
 * @throws Error naming `averagePatchEntropy` and the argument for a wrong rank, mismatching
 *   intensity shape, or an option out of range.
 *
 * @example
 * ```ts
 * const probs = tf.softmax(logits);                       // [N, 128, 128, 4]
 * const { ape, meanConfidence } = averagePatchEntropy(probs, { intensity: images });
 * // ape, meanConfidence: [N, 8, 8, 4]
 * ```
 */
export function averagePatchEntropy(
  confidence: tf.Tensor4D,
  options: AveragePatchEntropyOptions = {},
): AveragePatchEntropyResult {
  const fn = 'averagePatchEntropy';
  if (!(confidence instanceof tf.Tensor) || confidence.rank !== 4) {
    throw new Error(`${fn}: argument 'confidence' must be a rank-4 tensor [N, H, W, K]; got ${describe(confidence)}.`);
  }
  const [n, height, width, k] = confidence.shape;
  if (n === 0 || k === 0) {
    throw new Error(`${fn}: argument 'confidence' must have N >= 1 and K >= 1; got shape [${confidence.shape}].`);
  }
  const patchSize = options.patchSize ?? 16;
  const stride = options.stride ?? 16;
  const beta = options.beta ?? 0.5;
  const bins = options.bins ?? 16;
  checkPositiveInteger(fn, 'options.patchSize', patchSize);
  checkPositiveInteger(fn, 'options.stride', stride);
  if (typeof beta !== 'number' || !(beta >= 0 && beta <= 1)) {
    throw new Error(`${fn}: option 'beta' must be a number in [0, 1]; got ${String(beta)}.`);
  }
  if (!Number.isInteger(bins) || bins < 2) {
    throw new Error(`${fn}: option 'bins' must be an integer >= 2; got ${String(bins)}.`);
  }
  if (patchSize > height || patchSize > width) {
    throw new Error(`${fn}: option 'patchSize' (${patchSize}) must not exceed the map size ${height}x${width}.`);
  }
  const intensity = options.intensity;
  if (intensity !== undefined) {
    if (!(intensity instanceof tf.Tensor) || intensity.rank !== 4) {
      throw new Error(`${fn}: option 'intensity' must be a rank-4 tensor [N, H, W, C]; got ${describe(intensity)}.`);
    }
    const [ni, hi, wi, ci] = intensity.shape;
    if (ni !== n || hi !== height || wi !== width || ci === 0) {
      throw new Error(
        `${fn}: option 'intensity' must have shape [${n}, ${height}, ${width}, C>=1] to match 'confidence'; got [${intensity.shape}].`,
      );
    }
  }
  const grid = patchGrid(height, width, { patchSize, stride });

  return tf.tidy(() => {
    const conf = tf.cast(confidence, 'float32') as tf.Tensor4D;
    const pool = (x: tf.Tensor4D): tf.Tensor4D => tf.avgPool(x, patchSize, stride, 'valid');
    const meanConfidence = pool(conf);
    const p = tf.clipByValue(conf, 0, 1);
    // h(p) in bits: -(p ln p + (1-p) ln(1-p)) / ln 2
    const bitsPerNat = 1 / Math.LN2;
    const h = tf.mul(tf.neg(tf.add(xLogX(p), xLogX(tf.sub(1, p)))), bitsPerNat) as tf.Tensor4D;
    const hConf = pool(h);
    if (intensity === undefined || beta === 0) {
      return { ape: hConf, meanConfidence };
    }
    const gray = (intensity.shape[3] > 1 ? tf.mean(intensity, 3, true) : tf.cast(intensity, 'float32')) as tf.Tensor4D;
    const binIndex = tf.cast(
      tf.clipByValue(tf.floor(tf.mul(tf.reshape(gray, [n, height, width]), bins)), 0, bins - 1),
      'int32',
    );
    const oneHot = tf.oneHot(binIndex as tf.Tensor3D, bins); // [N,H,W,B]
    const weighted = tf.mul(tf.expandDims(p, 4), tf.expandDims(oneHot, 3)); // [N,H,W,K,B]
    const hist = tf.reshape(pool(tf.reshape(weighted, [n, height, width, k * bins]) as tf.Tensor4D), [
      n,
      grid.rows,
      grid.cols,
      k,
      bins,
    ]);
    const mass = tf.sum(hist, 4, true);
    const probs = tf.div(hist, tf.maximum(mass, 1e-30));
    const hInt = tf.div(tf.neg(tf.sum(xLogX(probs), 4)), Math.log(bins)) as tf.Tensor4D;
    const ape = tf.add(tf.mul(hConf, 1 - beta), tf.mul(hInt, beta)) as tf.Tensor4D;
    return { ape, meanConfidence };
  });
}

/**
 * x ln x with 0 ln 0 = 0, for x >= 0: the clamp keeps the logarithm finite and the factor x makes the
 * product 0 at 0, with no select (tfjs-backend-webgpu's select stops at rank 4; the histograms are rank 5).
 */
function xLogX(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.log(tf.maximum(x, 1e-30)));
}

function describe(x: unknown): string {
  if (x instanceof tf.Tensor) return `a rank-${x.rank} tensor of shape [${x.shape}]`;
  return x === null ? 'null' : typeof x;
}
