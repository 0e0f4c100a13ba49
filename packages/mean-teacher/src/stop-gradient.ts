/**
 * tfjs-core has no `stopGradient`; this is one. Internal: not re-exported from the index.
 */
import * as tf from '@tensorflow/tfjs-core';

const stop = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(Array.isArray(dy) ? dy[0] : dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

/** A copy of `x` through which no gradient flows (the gradient is zero). Call inside `tf.tidy`. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
