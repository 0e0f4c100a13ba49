import * as tf from '@tensorflow/tfjs-core';
import * as datasets from '@agcl/datasets';
import type { UNet } from '@agcl/unet';

/** A volume (or a 2D image as depth 1) to segment. */
export interface VolumeInput {
  /** Intensities [D*H*W*C] channels-last. */
  image: Float32Array;
  depth: number;
  height: number;
  width: number;
  channels: number;
}

/** Arg-max over the last axis of [n * k] values. */
export function argmaxChannels(values: ArrayLike<number>, n: number, k: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = values[i * k];
    for (let c = 1; c < k; c++) {
      const v = values[i * k + c];
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * Segments a volume slice by slice, as the SSL4MIS evaluation does: each slice is resized to the
 * network's `size` x `size` (bilinear), run through the network (inference mode), and its class
 * probabilities are resized back to the slice's own size (bilinear) and arg-maxed.
 *
 * @returns class map [D*H*W] (Uint8Array) at the volume's original size
 */
export async function segmentVolume(
  model: UNet,
  volume: VolumeInput,
  options: { size: number; numClasses: number; batch?: number },
): Promise<Uint8Array> {
  const { depth, height: h, width: w, channels: c } = volume;
  const { size, numClasses: k } = options;
  const chunk = options.batch ?? 8;
  const out = new Uint8Array(depth * h * w);
  for (let d0 = 0; d0 < depth; d0 += chunk) {
    const n = Math.min(chunk, depth - d0);
    const input = new Float32Array(n * size * size * c);
    for (let i = 0; i < n; i++) {
      const slice = volume.image.subarray((d0 + i) * h * w * c, (d0 + i + 1) * h * w * c);
      const resized = h === size && w === size ? slice : (datasets.resize2D(slice, h, w, c, size, size, 'bilinear') as Float32Array);
      input.set(resized, i * size * size * c);
    }
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(input, [n, size, size, c]);
      return tf.softmax(model.forward(x, { training: false }).logits);
    });
    const values = (await probs.data()) as Float32Array;
    probs.dispose();
    for (let i = 0; i < n; i++) {
      const p = values.subarray(i * size * size * k, (i + 1) * size * size * k);
      const back = h === size && w === size ? p : (datasets.resize2D(p, size, size, k, h, w, 'bilinear') as Float32Array);
      out.set(argmaxChannels(back, h * w, k), (d0 + i) * h * w);
    }
  }
  return out;
}
