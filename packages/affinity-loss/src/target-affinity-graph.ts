import * as tf from '@tensorflow/tfjs-core';
import { checkMatrix } from './validate';

/** Options of {@link targetAffinityGraph}. */
export interface TargetAffinityGraphOptions {
  /** Edges `q_i . q_j` below this threshold T are set to 0 (the diagonal is kept). Default 0.8. */
  threshold?: number;
}

/**
 * The target affinity graph `W-hat` built from class-confidence vectors (Semi-AGCL; CoMatch's
 * pseudo-label graph).
 *
 * `W_ij = q_i . q_j`; `W_ii = 1`; off-diagonal `W_ij < T` set to 0; rows normalised:
 * `W-hat_ij = W_ij / sum_j W_ij`. Every row keeps its diagonal, so it sums to 1 and never divides by 0.
 * With one-hot q (labeled patches) `W-hat` spreads each row uniformly over the patches of the same class.
 *
 * @param q - `[N, K]` mean class confidences of the patches (rows typically sum to 1), float32.
 * @param options - `threshold` T (default 0.8; any finite number, applied off the diagonal only).
 * @returns `[N, N]` row-stochastic float32 matrix; the caller disposes it.
 * @throws Error naming `targetAffinityGraph` and the argument on a wrong rank/dtype or bad threshold.
 *
 * @example
 * ```ts
 * const w = targetAffinityGraph(tf.tensor2d([[1, 0], [0.9, 0.1], [0, 1]])); // rows sum to 1
 * ```
 */
export function targetAffinityGraph(q: tf.Tensor2D, options: TargetAffinityGraphOptions = {}): tf.Tensor2D {
  const fn = 'targetAffinityGraph';
  checkMatrix(fn, 'q', q);
  const threshold = options.threshold ?? 0.8;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new Error(`${fn}: option 'threshold' must be a finite number; got ${String(threshold)}.`);
  }
  return tf.tidy(() => targetGraphRows(q, tf.transpose(q), 0, q.shape[0], threshold));
}

/**
 * @internal Rows `start .. start + count - 1` of the target graph, `[count, N]`, given `qT = q^T`
 * `[K, N]`. Call inside a tidy. (An explicit transpose and a mask built on the host are much faster
 * on the wasm backend than `matMul(.., transposeB)` and a broadcast `equal`.)
 */
export function targetGraphRows(q: tf.Tensor2D, qT: tf.Tensor2D, start: number, count: number, threshold: number): tf.Tensor2D {
  const n = q.shape[0];
  const qRows = count === n ? q : tf.slice(q, [start, 0], [count, q.shape[1]]);
  const raw = tf.matMul(qRows, qT);
  const kept = tf.where(tf.greaterEqual(raw, threshold), raw, tf.zerosLike(raw));
  const w = tf.where(diagonalMask(start, count, n), tf.onesLike(raw), kept);
  return tf.div(w, tf.sum(w, 1, true)) as tf.Tensor2D;
}

/** @internal `[count, n]` bool mask that is true at (i, start + i). */
export function diagonalMask(start: number, count: number, n: number): tf.Tensor2D {
  const mask = new Uint8Array(count * n);
  for (let i = 0; i < count; i++) mask[i * n + start + i] = 1;
  return tf.tensor2d(mask, [count, n], 'bool');
}
