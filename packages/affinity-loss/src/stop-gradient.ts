import * as tf from '@tensorflow/tfjs-core';

const identityWithZeroGradient = (x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
});
const stop = tf.customGrad(identityWithZeroGradient as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * The identity in the forward pass with a zero gradient (TensorFlow's `stop_gradient`, PyTorch's
 * `detach`), for the teacher embeddings inside a loss that is differentiated.
 *
 * @param x - any tensor; not disposed.
 * @returns a tensor equal to `x` (the caller disposes it) whose gradient is always 0.
 *
 * @example
 * ```ts
 * const g = tf.grad((x) => tf.sum(tf.mul(x, stopGradient(x))))(x); // = x, not 2x
 * ```
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  if (!(x instanceof tf.Tensor)) throw new Error(`stopGradient: argument 'x' must be a tf.Tensor.`);
  return stop(x) as T;
}
