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

/**
 * Segments a volume slice by slice, as the SSL4MIS evaluation does: each slice is resized to the
 * network's `size` x `size` (bilinear), run through the network (inference mode), and its class
 * probabilities are resized back to the slice's own size (bilinear) and arg-maxed (`resizeBack` of
 * `@agcl/datasets` with `argmax: true`; ties go to the lower class).
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
      const atNetSize = { height: size, width: size, originalHeight: h, originalWidth: w };
      out.set(datasets.resizeBack(p, atNetSize, { channels: k, mode: 'bilinear', argmax: true }), (d0 + i) * h * w);
    }
  }
  return out;
}
