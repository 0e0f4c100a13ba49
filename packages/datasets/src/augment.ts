import { randomCrop } from './crops';
import { type SeededRandom, toRandom } from './seeded-random';
import type { Slice2D } from './types';

/** Options of {@link augment}. Probabilities are per call; `true` means the default probability. */
export interface AugmentOptions {
  /** Rotate by k * 90 degrees, k uniform in {1, 2, 3}, with this probability. `true` = 0.5 (default). */
  rot90?: boolean | number;
  /** Flip left-right and (independently) up-down, each with this probability. `true` = 0.5 (default). */
  flip?: boolean | number;
  /**
   * Small rotation by an angle uniform in [-maxDegrees, maxDegrees] about the centre, with
   * `probability`; bilinear for the image, nearest for the label, outside filled with 0.
   * `true` = { maxDegrees: 20, probability: 0.5 } (default, the SSL4MIS range); `false` = off.
   */
  rotate?: boolean | { maxDegrees?: number; probability?: number };
  /** Random crop (zero-padded when the slice is smaller) to this size. Default: none. */
  crop?: { height: number; width: number };
  /**
   * Intensity jitter `y = (x - m) * c + m + b` (m = image mean, c uniform in [1 - contrast, 1 + contrast],
   * b uniform in [-brightness, brightness]), then clipped to [0, 1]. `true` = { brightness: 0.1,
   * contrast: 0.1 }. Default off.
   */
  intensity?: boolean | { brightness?: number; contrast?: number };
  /** Additive Gaussian noise N(0, std^2), clipped to [0, 1]. `true` = { std: 0.03 }. Default off. */
  noise?: boolean | { std?: number };
  /** Seed or generator (a generator is advanced, so a stream of calls differs). Default seed 0. */
  seed?: number | SeededRandom;
}

const prob = (v: boolean | number | undefined, dflt: boolean): number =>
  v === undefined ? (dflt ? 0.5 : 0) : v === true ? 0.5 : v === false ? 0 : v;

/**
 * Random augmentation applied identically to the image, the label and the instances of a slice
 * (geometric transforms move all three; intensity transforms touch the image only). Order: rot90,
 * flips, small rotation, crop, intensity jitter, noise. Returns a new slice; the input is unchanged.
 * A rot90 by 90 or 270 degrees swaps height and width.
 *
 * @example
 * const rng = new SeededRandom(1);
 * const a = augment(slice, { seed: rng, crop: { height: 128, width: 128 }, noise: true });
 */
export function augment(slice: Slice2D, options: AugmentOptions = {}): Slice2D {
  const rng = toRandom(options.seed, 0);
  let s: Slice2D = { ...slice };
  if (rng.next() < prob(options.rot90, true)) s = rot90(s, 1 + rng.int(3));
  const pf = prob(options.flip, true);
  if (rng.next() < pf) s = flip(s, 'horizontal');
  if (rng.next() < pf) s = flip(s, 'vertical');
  const rot = options.rotate === undefined || options.rotate === true ? {} : options.rotate;
  if (rot) {
    const maxDegrees = rot.maxDegrees ?? 20;
    if (rng.next() < (rot.probability ?? 0.5)) s = rotate(s, rng.uniform(-maxDegrees, maxDegrees));
  }
  if (options.crop) s = randomCrop(s, { ...options.crop, seed: rng });
  if (options.intensity) {
    const { brightness = 0.1, contrast = 0.1 } = options.intensity === true ? {} : options.intensity;
    const c = rng.uniform(1 - contrast, 1 + contrast);
    const b = rng.uniform(-brightness, brightness);
    let m = 0;
    for (let i = 0; i < s.image.length; i++) m += s.image[i];
    m /= s.image.length || 1;
    const img = new Float32Array(s.image.length);
    for (let i = 0; i < img.length; i++) img[i] = clip01((s.image[i] - m) * c + m + b);
    s.image = img;
  }
  if (options.noise) {
    const { std = 0.03 } = options.noise === true ? {} : options.noise;
    const img = new Float32Array(s.image.length);
    for (let i = 0; i < img.length; i++) img[i] = clip01(s.image[i] + rng.normal(0, std));
    s.image = img;
  }
  return s;
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Generic per-pixel remap of all the slice's maps: `src(y, x)` gives the source pixel of output (y, x). */
function remapIndex(s: Slice2D, outH: number, outW: number, src: (y: number, x: number) => number): Slice2D {
  const c = s.channels;
  const image = new Float32Array(outH * outW * c);
  const label = new Uint8Array(outH * outW);
  const inst = s.instances ? new Int32Array(outH * outW) : undefined;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const o = y * outW + x;
      const i = src(y, x);
      for (let k = 0; k < c; k++) image[o * c + k] = s.image[i * c + k];
      label[o] = s.label[i];
      if (inst && s.instances) inst[o] = s.instances[i];
    }
  }
  return { ...s, image, label, height: outH, width: outW, ...(inst ? { instances: inst } : {}) };
}

/**
 * Rotates a slice counter-clockwise (as numpy's `np.rot90(a, k)` on `[H, W]` arrays) by k * 90 degrees.
 * @example rot90(s, 1).height === s.width
 */
export function rot90(s: Slice2D, k: number): Slice2D {
  const kk = ((k % 4) + 4) % 4;
  const { height: h, width: w } = s;
  if (kk === 0) return { ...s };
  if (kk === 2) return remapIndex(s, h, w, (y, x) => (h - 1 - y) * w + (w - 1 - x));
  // np.rot90 k=1: out[y, x] = in[x, W-1-y], output shape [W, H]
  if (kk === 1) return remapIndex(s, w, h, (y, x) => x * w + (w - 1 - y));
  return remapIndex(s, w, h, (y, x) => (h - 1 - x) * w + y);
}

/** Flips a slice left-right (`'horizontal'`, reverses x) or up-down (`'vertical'`, reverses y). */
export function flip(s: Slice2D, axis: 'horizontal' | 'vertical'): Slice2D {
  const { height: h, width: w } = s;
  return axis === 'horizontal'
    ? remapIndex(s, h, w, (y, x) => y * w + (w - 1 - x))
    : remapIndex(s, h, w, (y, x) => (h - 1 - y) * w + x);
}

/**
 * Rotates a slice by `degrees` (counter-clockwise in image display, y down) about its centre, same
 * size: label and instances by nearest neighbour, the image bilinearly (default) or by nearest
 * neighbour (`interpolation: 'nearest'`, as scipy's `ndimage.rotate(order=0, reshape=False)`); pixels
 * whose source falls outside are 0.
 *
 * @param interpolation `'bilinear'` (default) or `'nearest'`, for the image.
 */
export function rotate(s: Slice2D, degrees: number, interpolation: 'bilinear' | 'nearest' = 'bilinear'): Slice2D {
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') {
    throw new Error(`rotate: argument 'interpolation' must be 'bilinear' or 'nearest', got ${String(interpolation)}`);
  }
  if (!Number.isFinite(degrees)) throw new Error(`rotate: argument 'degrees' must be a finite number, got ${degrees}`);
  const { height: h, width: w, channels: c } = s;
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  const image = new Float32Array(h * w * c);
  const label = new Uint8Array(h * w);
  const inst = s.instances ? new Int32Array(h * w) : undefined;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dy = y - cy;
      const dx = x - cx;
      // inverse rotation: source = R(-t) * (dst - centre) + centre
      const sx = cos * dx - sin * dy + cx;
      const sy = sin * dx + cos * dy + cy;
      const o = y * w + x;
      const nx = Math.round(sx);
      const ny = Math.round(sy);
      if (nx >= 0 && nx < w && ny >= 0 && ny < h) {
        label[o] = s.label[ny * w + nx];
        if (inst && s.instances) inst[o] = s.instances[ny * w + nx];
        if (interpolation === 'nearest') for (let k = 0; k < c; k++) image[o * c + k] = s.image[(ny * w + nx) * c + k];
      }
      if (interpolation === 'nearest') continue;
      if (sx < -0.5 || sx > w - 0.5 || sy < -0.5 || sy > h - 0.5) continue;
      const fx = Math.min(Math.max(sx, 0), w - 1);
      const fy = Math.min(Math.max(sy, 0), h - 1);
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const ax = fx - x0;
      const ay = fy - y0;
      for (let k = 0; k < c; k++) {
        const a = s.image[(y0 * w + x0) * c + k];
        const b = s.image[(y0 * w + x1) * c + k];
        const d = s.image[(y1 * w + x0) * c + k];
        const e = s.image[(y1 * w + x1) * c + k];
        image[o * c + k] = (a + (b - a) * ax) * (1 - ay) + (d + (e - d) * ax) * ay;
      }
    }
  }
  return { ...s, image, label, ...(inst ? { instances: inst } : {}) };
}


/**
 * SSL4MIS's `RandomGenerator` augmentation (without its final resize): with probability 0.5, a rot90 by
 * k * 90 degrees (k uniform in {0, 1, 2, 3}) followed by a flip along one axis chosen uniformly (up-down
 * or left-right); otherwise, with probability 0.5 (0.25 overall), a rotation by an integer angle uniform
 * in [-20, 19] degrees (numpy's `randint(-20, 20)`), nearest neighbour for the image and the label
 * (`ndimage.rotate(order=0, reshape=False)`, outside 0); otherwise (0.25) the slice unchanged. Compare
 * {@link augment}, whose default applies rot90, flips and a bilinear rotation independently.
 *
 * @param slice The slice; not modified.
 * @param options `seed`: a seed or a generator (advanced). Default seed 0.
 * @returns A new slice (a rot90 by 90 or 270 degrees swaps height and width).
 * @example
 * const a = augmentSsl4mis(slice, { seed: 7 });
 */
export function augmentSsl4mis(slice: Slice2D, options: { seed?: number | SeededRandom } = {}): Slice2D {
  const rng = toRandom(options.seed, 0);
  if (rng.next() < 0.5) {
    const rotated = rot90(slice, rng.int(4));
    return flip(rotated, rng.int(2) === 0 ? 'vertical' : 'horizontal');
  }
  if (rng.next() < 0.5) return rotate(slice, rng.int(40) - 20, 'nearest');
  return { ...slice };
}
