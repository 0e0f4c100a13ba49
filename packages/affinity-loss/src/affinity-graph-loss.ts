import * as tf from '@tensorflow/tfjs-core';
import { targetGraphRows } from './target-affinity-graph';
import { checkEmbeddingPair, checkMatrix, checkPositive } from './validate';

/** Options of {@link affinityGraphLoss}. */
export interface AffinityGraphLossOptions {
  /**
   * `'target'` (default): cross-entropy to the target graph from class confidences.
   * `'relation'`: KL divergence from the teacher's embedding graph (relational distillation).
   */
  mode?: 'target' | 'relation';
  /** tau_g of the student graph in `'target'` mode. Default 0.2. */
  temperature?: number;
  /** T, the edge threshold of the target graph in `'target'` mode. Default 0.8. */
  threshold?: number;
  /** tau_T of the teacher graph in `'relation'` mode. Default 0.05. */
  teacherTemperature?: number;
  /** tau_S of the student graph in `'relation'` mode. Default 0.1. */
  studentTemperature?: number;
  /**
   * Rows per block: the loss and its gradient are computed over blocks of this many rows, so
   * memory peaks at about `chunkSize * N` values instead of `N * N`. Default 1024.
   */
  chunkSize?: number;
}

/**
 * The affinity-graph-guided loss of Semi-AGCL between student and teacher patch embeddings.
 *
 * `'target'` mode (default), with `W-hat` from {@link targetAffinityGraph}:
 * `S_i = softmax_j(z^S_i . z^T_j / tau_g)`, `L_AG = -(1/N) sum_i sum_j W-hat_ij log S_ij`.
 *
 * `'relation'` mode (the ReCo / relational-distillation convention):
 * `A^T_i = softmax_j(z^T_i . z^T_j / tau_T)`, `A^S_i = softmax_j(z^S_i . z^T_j / tau_S)`,
 * `L = (1/N) sum_i KL(A^T_i || A^S_i)`; q is not used (pass any `[N, K]`).
 *
 * Numerics: log-probabilities come from `tf.logSoftmax` (log-sum-exp), so large logits neither
 * overflow nor give `log 0`. The teacher embeddings and q are constants (stop-gradient): their
 * gradient is 0; the gradient with respect to `zStudent` is computed blockwise by a custom gradient,
 * `dL/dz^S_i = (1 / (N tau)) sum_j (S_ij - P_ij) z^T_j` (P = target rows, which sum to 1), so no
 * `N x N` tensor is kept for the backward pass. With N = 1 the loss is 0.
 *
 * @param zStudent - `[N, d]` student patch embeddings (L2-normalised), float32; differentiable.
 * @param zTeacher - `[N, d]` teacher patch embeddings of the same patches; constant.
 * @param q - `[N, K]` class confidences of the patches (mean confidence; one-hot for labeled ones).
 * @param options - `mode` (`'target'`), `temperature` (0.2), `threshold` (0.8),
 *   `teacherTemperature` (0.05), `studentTemperature` (0.1), `chunkSize` (1024).
 * @returns a scalar; the caller disposes it.
 * @throws Error naming `affinityGraphLoss` and the argument on mismatching shapes or bad options.
 *
 * @example
 * ```ts
 * const { value, grads } = tf.variableGrads(() =>
 *   tf.add(supervised(), tf.mul(0.1, affinityGraphLoss(zS(), zT, q))));
 * ```
 */
export function affinityGraphLoss(
  zStudent: tf.Tensor2D,
  zTeacher: tf.Tensor2D,
  q: tf.Tensor2D,
  options: AffinityGraphLossOptions = {},
): tf.Scalar {
  const fn = 'affinityGraphLoss';
  const [n] = checkEmbeddingPair(fn, zStudent, zTeacher);
  checkMatrix(fn, 'q', q);
  if (q.shape[0] !== n) {
    throw new Error(`${fn}: argument 'q' must have N = ${n} rows like the embeddings; got shape [${q.shape}].`);
  }
  const mode = options.mode ?? 'target';
  if (mode !== 'target' && mode !== 'relation') {
    throw new Error(`${fn}: option 'mode' must be 'target' or 'relation'; got '${String(mode)}'.`);
  }
  const temperature = options.temperature ?? 0.2;
  const threshold = options.threshold ?? 0.8;
  const teacherTemperature = options.teacherTemperature ?? 0.05;
  const studentTemperature = options.studentTemperature ?? 0.1;
  const chunkSize = options.chunkSize ?? 1024;
  checkPositive(fn, 'temperature', temperature);
  checkPositive(fn, 'teacherTemperature', teacherTemperature);
  checkPositive(fn, 'studentTemperature', studentTemperature);
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new Error(`${fn}: option 'threshold' must be a finite number; got ${String(threshold)}.`);
  }
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
    throw new Error(`${fn}: option 'chunkSize' must be a positive integer; got ${String(chunkSize)}.`);
  }
  const tau = mode === 'target' ? temperature : studentTemperature;

  /** Target rows P and, in relation mode, their logarithm, for rows start..start+count-1. */
  // zTt = zT^T and qT = q^T are transposed once: on the wasm backend matMul(a, b^T) through the
  // transposeB flag is several times slower than a product with an explicit transpose.
  const targetRows = (zT: tf.Tensor2D, zTt: tf.Tensor2D, qq: tf.Tensor2D, qT: tf.Tensor2D, start: number, count: number) => {
    if (mode === 'target') return { p: targetGraphRows(qq, qT, start, count, threshold), logP: null };
    const rows = count === n ? zT : tf.slice(zT, [start, 0], [count, zT.shape[1]]);
    const logP = tf.logSoftmax(tf.div(tf.matMul(rows, zTt), teacherTemperature)) as tf.Tensor2D;
    return { p: tf.exp(logP) as tf.Tensor2D, logP };
  };
  const blocks: Array<[number, number]> = [];
  for (let start = 0; start < n; start += chunkSize) blocks.push([start, Math.min(chunkSize, n - start)]);

  const body = (zS: tf.Tensor2D, zT: tf.Tensor2D, qq: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([zS, zT, qq]);
    const [zTt, qT] = [tf.transpose(zT), tf.transpose(qq)];
    let total: tf.Tensor = tf.scalar(0);
    for (const [start, count] of blocks) {
      const next = tf.tidy(() => {
        const rows = count === n ? zS : tf.slice(zS, [start, 0], [count, zS.shape[1]]);
        const logS = tf.logSoftmax(tf.div(tf.matMul(rows, zTt), tau));
        const { p, logP } = targetRows(zT, zTt, qq, qT, start, count);
        const perEntry = logP === null ? tf.neg(tf.mul(p, logS)) : tf.mul(p, tf.sub(logP, logS));
        return tf.add(total, tf.sum(perEntry));
      });
      total.dispose();
      total = next;
    }
    const value = tf.div(total, n) as tf.Scalar;
    tf.dispose([total, zTt, qT]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sS, sT, sQ] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const [sTt, sQt] = [tf.transpose(sT), tf.transpose(sQ)];
        const parts = blocks.map(([start, count]) =>
          tf.tidy(() => {
            const rows = count === n ? sS : tf.slice(sS, [start, 0], [count, sS.shape[1]]);
            const s = tf.softmax(tf.div(tf.matMul(rows, sTt), tau));
            const { p } = targetRows(sT, sTt, sQ, sQt, start, count);
            const dLogits = tf.sub(tf.mul(s, tf.sum(p, 1, true)), p);
            return tf.matMul(dLogits, sT);
          }),
        );
        const dzS = tf.mul(parts.length === 1 ? parts[0] : tf.concat(parts, 0), tf.div(dy, n * tau));
        return [dzS, tf.zerosLike(sT), tf.zerosLike(sQ)];
      },
    };
  };
  const loss = tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]);
  return loss(zStudent, zTeacher, q) as tf.Scalar;
}
