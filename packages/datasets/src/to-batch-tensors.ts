import type { Slice2D } from './types';

/**
 * The part of the tfjs-core module that {@link toBatchTensors} uses (pass `tf` itself). Typed
 * structurally, so this package's declarations do not need tfjs installed; with the real module the
 * results are inferred as `tf.Tensor4D` and `tf.Tensor3D`.
 */
export interface TfModule<T4 = unknown, T3 = unknown> {
  tensor4d(values: Float32Array, shape: [number, number, number, number], dtype: 'float32'): T4;
  tensor3d(values: Int32Array, shape: [number, number, number], dtype: 'int32'): T3;
}

/**
 * Packs equally sized slices into a batch: `x` float32 `[N, H, W, C]` and `y` int32 `[N, H, W]`
 * (channels-last). The tfjs module is passed in, so `@agcl/datasets` never imports tfjs itself
 * (tfjs-core is an optional peer). The caller owns (and disposes) both tensors.
 *
 * @param tf the tfjs (or tfjs-core) module: `import * as tf from '@tensorflow/tfjs-core'`.
 * @param slices at least one slice; all must share height, width and channels.
 * @example
 * const { x, y } = toBatchTensors(tf, batch.labeled.map((i) => labeled[i]));
 * ... ; tf.dispose([x, y]);
 */
export function toBatchTensors<T4, T3>(tf: TfModule<T4, T3>, slices: readonly Slice2D[]): { x: T4; y: T3 } {
  if (!tf || typeof tf.tensor4d !== 'function') {
    throw new Error("toBatchTensors: argument 'tf' must be the tfjs module (import * as tf from '@tensorflow/tfjs-core')");
  }
  if (!Array.isArray(slices) || slices.length === 0) throw new Error("toBatchTensors: argument 'slices' must be a non-empty array");
  const { height: h, width: w, channels: c } = slices[0];
  const plane = h * w;
  const x = new Float32Array(slices.length * plane * c);
  const y = new Int32Array(slices.length * plane);
  slices.forEach((s, n) => {
    if (s.height !== h || s.width !== w || s.channels !== c) {
      throw new Error(`toBatchTensors: slice '${s.id}' is ${s.height}x${s.width}x${s.channels}, expected ${h}x${w}x${c} like '${slices[0].id}'`);
    }
    x.set(s.image, n * plane * c);
    y.set(s.label, n * plane);
  });
  return { x: tf.tensor4d(x, [slices.length, h, w, c], 'float32'), y: tf.tensor3d(y, [slices.length, h, w], 'int32') };
}
