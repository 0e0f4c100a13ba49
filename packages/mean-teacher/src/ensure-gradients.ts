import * as tf from '@tensorflow/tfjs-core';

let registered = false;

/** The explanation given when tfjs-core has no gradients registered. */
export const GRADIENTS_HINT =
  'TensorFlow.js gradients are not registered: tfjs-core alone registers none in Node. ' +
  "Call `await initBackend()` from '@agcl/backend' (or `import '@tensorflow/tfjs-layers'` / '@tensorflow/tfjs') before training.";

/**
 * Checks once per process that gradients are registered, by differentiating `x^2` at 3.
 * Throws an Error explaining how to register them (`initBackend` from `@agcl/backend`, or importing
 * `@tensorflow/tfjs-layers`) when they are not. Called by {@link trainStep}.
 *
 * @example
 * ```ts
 * await initBackend({ backend: 'cpu' });
 * ensureGradientsRegistered(); // no-op from now on
 * ```
 */
export function ensureGradientsRegistered(): void {
  if (registered) return;
  let ok = false;
  let cause = '';
  try {
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.square(x))(tf.scalar(3)));
    ok = Math.abs(g.dataSync()[0] - 6) < 1e-6;
    g.dispose();
    if (!ok) cause = 'd(x^2)/dx at 3 did not evaluate to 6';
  } catch (err) {
    cause = err instanceof Error ? err.message : String(err);
  }
  if (!ok) throw new Error(`${GRADIENTS_HINT} (probe failed: ${cause})`);
  registered = true;
}

/** True when an error message says a gradient function is missing. Internal. */
export function isMissingGradientError(err: unknown): boolean {
  return err instanceof Error && /gradient function not found/i.test(err.message);
}
