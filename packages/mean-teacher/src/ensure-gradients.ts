import * as tf from '@tensorflow/tfjs-core';

let registered = false;

/** The explanation given when tfjs-core has no gradients registered. */
export const GRADIENTS_HINT =
  'TensorFlow.js gradients are not registered: tfjs-core alone registers none. ' +
  "Install '@tensorflow/tfjs' beside this package and `import * as tf from '@tensorflow/tfjs'` (it registers them), " +
  "or call `await initBackend()` from '@agcl/backend', before training.";

/**
 * Checks once per process that gradients are registered (those of a few core kernels).
 * Throws an Error explaining how to register them (importing `@tensorflow/tfjs`, or `initBackend`
 * from `@agcl/backend`) when they are not. Called by {@link trainStep}.
 *
 * @example
 * ```ts
 * await initBackend({ backend: 'cpu' });
 * ensureGradientsRegistered(); // no-op from now on
 * ```
 */
export function ensureGradientsRegistered(): void {
  if (registered) return;
  // Looked up in the gradient registry rather than computed, so that no value is read back from the
  // device (webgpu under Node cannot read synchronously).
  const missing = ['Square', 'Conv2D', 'FusedBatchNorm', 'MaxPool', 'Softmax'].filter((k) => tf.getGradient(k) == null);
  if (missing.length > 0) throw new Error(`${GRADIENTS_HINT} (no gradient registered for: ${missing.join(', ')})`);
  registered = true;
}

/** True when an error message says a gradient function is missing. Internal. */
export function isMissingGradientError(err: unknown): boolean {
  return err instanceof Error && /gradient function not found/i.test(err.message);
}
