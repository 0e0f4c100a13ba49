import * as tf from '@tensorflow/tfjs-core';
import { checkMatrix, checkPositive } from './validate';

/** Options of {@link embeddingAffinityGraph}. */
export interface EmbeddingAffinityGraphOptions {
  /** Softmax temperature tau. Default 0.1. */
  temperature?: number;
}

/**
 * An affinity graph between two sets of embeddings: `A = row-softmax(zA zB^T / tau)`.
 *
 * With `zA = zB = z^T` and `tau = 0.05` it is the teacher graph of the relation mode of
 * `affinityGraphLoss`; with `zA = z^S`, `zB = z^T` it is the student graph.
 *
 * @param zA - `[N, d]` row embeddings (usually L2-normalised), float32.
 * @param zB - `[M, d]` column embeddings, float32.
 * @param options - `temperature` (default 0.1).
 * @returns `[N, M]` row-stochastic matrix; the caller disposes it.
 * @throws Error naming `embeddingAffinityGraph` and the argument on a shape mismatch.
 *
 * @example
 * ```ts
 * const a = embeddingAffinityGraph(zT, zT, { temperature: 0.05 });
 * ```
 */
export function embeddingAffinityGraph(
  zA: tf.Tensor2D,
  zB: tf.Tensor2D,
  options: EmbeddingAffinityGraphOptions = {},
): tf.Tensor2D {
  const fn = 'embeddingAffinityGraph';
  checkMatrix(fn, 'zA', zA);
  checkMatrix(fn, 'zB', zB);
  if (zA.shape[1] !== zB.shape[1]) {
    throw new Error(`${fn}: arguments 'zA' [${zA.shape}] and 'zB' [${zB.shape}] must have the same width d.`);
  }
  const temperature = options.temperature ?? 0.1;
  checkPositive(fn, 'temperature', temperature);
  return tf.tidy(() => tf.softmax(tf.div(tf.matMul(zA, tf.transpose(zB)), temperature)) as tf.Tensor2D);
}
