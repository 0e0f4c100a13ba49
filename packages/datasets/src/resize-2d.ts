import type { Slice2D } from './types';

/** Interpolation of {@link resize2D}: `bilinear` for images, `nearest` for labels and instance maps. */
export type ResizeMode = 'bilinear' | 'nearest';

type AnyArray = Float32Array | Uint8Array | Int32Array | Uint16Array | Float64Array;

/**
 * Resizes a channels-last `[h, w, c]` image to `[outH, outW, c]`.
 *
 * Both modes use half-pixel centres (as `torch.nn.functional.interpolate(align_corners=False)` and
 * `tf.image.resize`): output pixel (y, x) samples the input at
 * `sy = (y + 0.5) * h / outH - 0.5`, `sx = (x + 0.5) * w / outW - 0.5`.
 * - `bilinear`: weighted mean of the 4 neighbours of (sy, sx), clamped at the borders; returns a
 *   Float32Array.
 * - `nearest`: the input pixel `floor((y + 0.5) * h / outH)`; returns the input's array type (so a
 *   Uint8Array label stays Uint8Array and class values are never mixed).
 *
 * @param data `[h * w * c]` row-major, channels-last.
 * @param mode default `'bilinear'`.
 * @example
 * const small = resize2D(slice.image, 256, 216, 1, 128, 128, 'bilinear');
 * const lab = resize2D(slice.label, 256, 216, 1, 128, 128, 'nearest');
 */
export function resize2D<T extends AnyArray>(
  data: T,
  h: number,
  w: number,
  c: number,
  outH: number,
  outW: number,
  mode: ResizeMode = 'bilinear',
): T extends Float32Array ? Float32Array : T | Float32Array {
  for (const [name, v] of [['h', h], ['w', w], ['c', c], ['outH', outH], ['outW', outW]] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new Error(`resize2D: argument '${name}' must be a positive integer, got ${v}`);
  }
  if (data.length !== h * w * c) {
    throw new Error(`resize2D: argument 'data' has length ${data.length}, expected h*w*c = ${h * w * c}`);
  }
  if (mode !== 'bilinear' && mode !== 'nearest') {
    throw new Error(`resize2D: argument 'mode' must be 'bilinear' or 'nearest', got ${String(mode)}`);
  }
  const sy = h / outH;
  const sx = w / outW;
  if (mode === 'nearest') {
    const out = new (data.constructor as new (n: number) => AnyArray)(outH * outW * c);
    const xs = new Int32Array(outW);
    for (let x = 0; x < outW; x++) xs[x] = Math.min(w - 1, Math.floor((x + 0.5) * sx));
    for (let y = 0; y < outH; y++) {
      const iy = Math.min(h - 1, Math.floor((y + 0.5) * sy));
      for (let x = 0; x < outW; x++) {
        const src = (iy * w + xs[x]) * c;
        const dst = (y * outW + x) * c;
        for (let k = 0; k < c; k++) out[dst + k] = data[src + k];
      }
    }
    return out as never;
  }
  const out = new Float32Array(outH * outW * c);
  const x0s = new Int32Array(outW);
  const x1s = new Int32Array(outW);
  const fxs = new Float32Array(outW);
  for (let x = 0; x < outW; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min(x0s[x] + 1, w - 1);
    fxs[x] = fx - x0s[x];
  }
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const ty = fy - y0;
    for (let x = 0; x < outW; x++) {
      const tx = fxs[x];
      const a = (y0 * w + x0s[x]) * c;
      const b = (y0 * w + x1s[x]) * c;
      const d = (y1 * w + x0s[x]) * c;
      const e = (y1 * w + x1s[x]) * c;
      const dst = (y * outW + x) * c;
      for (let k = 0; k < c; k++) {
        const top = data[a + k] + (data[b + k] - data[a + k]) * tx;
        const bottom = data[d + k] + (data[e + k] - data[d + k]) * tx;
        out[dst + k] = top + (bottom - top) * ty;
      }
    }
  }
  return out as never;
}

/**
 * Resizes a slice to `[height, width]`: bilinear for the image, nearest for the label and instances.
 * Keeps `originalHeight` / `originalWidth` (the first size the slice had) so that predictions can be
 * mapped back with {@link resizeBack}. Returns a new slice (the input is not changed); a slice that
 * already has the size is returned as a shallow copy with the original size recorded.
 *
 * @example
 * const s = resizeSlice(raw, 256, 256); // s.originalHeight === raw.height
 */
export function resizeSlice(slice: Slice2D, height: number, width: number): Slice2D {
  const { height: h, width: w, channels: c } = slice;
  const out: Slice2D = {
    ...slice,
    originalHeight: slice.originalHeight ?? h,
    originalWidth: slice.originalWidth ?? w,
  };
  if (h === height && w === width) return out;
  out.image = resize2D(slice.image, h, w, c, height, width, 'bilinear') as Float32Array;
  out.label = resize2D(slice.label, h, w, 1, height, width, 'nearest') as Uint8Array;
  if (slice.instances) out.instances = resize2D(slice.instances, h, w, 1, height, width, 'nearest') as Int32Array;
  out.height = height;
  out.width = width;
  return out;
}

/**
 * Maps a prediction made on a resized slice back to the slice's original size.
 *
 * - A class map (`channels = 1`, `mode = 'nearest'`, the default) is resized with nearest neighbour.
 * - Class probabilities or logits `[H, W, K]` are best resized with `mode: 'bilinear'` and then
 *   arg-maxed; pass `argmax: true` to get the class map `[origH, origW]` (Uint8Array) directly.
 *
 * @param prediction `[slice.height * slice.width * channels]`.
 * @param slice the resized slice (uses `height`, `width`, `originalHeight`, `originalWidth`).
 * @example
 * const classes = resizeBack(probs, s, { channels: 4, mode: 'bilinear', argmax: true });
 */
export function resizeBack<T extends AnyArray>(
  prediction: T,
  slice: Pick<Slice2D, 'height' | 'width' | 'originalHeight' | 'originalWidth'>,
  options: { channels?: number; mode?: ResizeMode; argmax?: boolean } = {},
): AnyArray {
  const channels = options.channels ?? 1;
  const mode = options.mode ?? 'nearest';
  const oh = slice.originalHeight ?? slice.height;
  const ow = slice.originalWidth ?? slice.width;
  const resized = resize2D(prediction, slice.height, slice.width, channels, oh, ow, mode);
  if (!options.argmax) return resized;
  const out = new Uint8Array(oh * ow);
  for (let i = 0; i < oh * ow; i++) {
    let best = 0;
    let bestV = resized[i * channels];
    for (let k = 1; k < channels; k++) {
      const v = resized[i * channels + k];
      if (v > bestV) {
        bestV = v;
        best = k;
      }
    }
    out[i] = best;
  }
  return out;
}
