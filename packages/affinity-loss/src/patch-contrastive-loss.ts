import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './stop-gradient';
import { checkEmbeddingPair, checkPositive } from './validate';

/** The positive and negative patches of one class; indices into the rows of the embeddings. */
export interface ContrastiveGroup {
  /** Rows that are positives of the class (anchors, and positives of each other). */
  positives: ArrayLike<number>;
  /** Rows that are negatives of the class. */
  negatives: ArrayLike<number>;
}

/** Options of {@link patchContrastiveLoss}. */
export interface PatchContrastiveLossOptions {
  /** InfoNCE temperature tau. Default 0.1. */
  temperature?: number;
}

/**
 * The supervised patch contrastive loss (InfoNCE) of Semi-AGCL / PatchCL, over class groups.
 *
 * For each group (class c) and each positive anchor a of it, with `s_aj = z^S_a . z^T_j / tau`,
 * the positives `P(a)` = the OTHER positives of c (teacher embeddings) and the negatives `Neg` of c:
 * `l_a = (1 / |P(a)|) sum_{p in P(a)} -log( exp(s_ap) / (exp(s_ap) + sum_{n in Neg} exp(s_an)) )`,
 * computed stably as `softplus(logsumexp_n s_an - s_ap)`; the loss is the mean of `l_a` over all
 * valid anchors of all groups. An anchor is valid when its class has at least one other positive
 * and at least one negative; groups with fewer than two positives or no negatives contribute
 * nothing. With no valid anchor the result is exactly 0 (never NaN), still connected to `zStudent`
 * (its gradient is 0). An index listed twice among the positives is the same patch and is not its
 * own positive.
 *
 * The teacher embeddings are constants (stop-gradient: their gradient is 0). Anchors are selected
 * with a one-hot matrix product, so the gradient needs only MatMul (no gather gradient).
 *
 * @param zStudent - `[N, d]` student patch embeddings (L2-normalised), float32; differentiable.
 * @param zTeacher - `[N, d]` teacher patch embeddings of the same patches; constant.
 * @param groups - `{ positives, negatives }` per class, indices in `0..N-1` (a `PatchSample.groups`
 *   from `@agcl/sampler` fits as is).
 * @param options - `temperature` (default 0.1).
 * @returns a scalar; the caller disposes it.
 * @throws Error naming `patchContrastiveLoss` and the argument on mismatching shapes or an index
 *   out of range.
 *
 * @example
 * ```ts
 * const l = patchContrastiveLoss(zS, zT, [{ positives: [0, 1], negatives: [2, 3] }]);
 * ```
 */
export function patchContrastiveLoss(
  zStudent: tf.Tensor2D,
  zTeacher: tf.Tensor2D,
  groups: ReadonlyArray<ContrastiveGroup>,
  options: PatchContrastiveLossOptions = {},
): tf.Scalar {
  const fn = 'patchContrastiveLoss';
  const [n] = checkEmbeddingPair(fn, zStudent, zTeacher);
  const temperature = options.temperature ?? 0.1;
  checkPositive(fn, 'temperature', temperature);
  if (!Array.isArray(groups)) {
    throw new Error(`${fn}: argument 'groups' must be an array of { positives, negatives }.`);
  }
  const anchors: number[] = [];
  const positiveMasks: Array<Set<number>> = [];
  const negativeMasks: Array<Set<number>> = [];
  groups.forEach((group, g) => {
    if (!group || group.positives == null || group.negatives == null) {
      throw new Error(`${fn}: argument 'groups[${g}]' must have 'positives' and 'negatives' index lists.`);
    }
    const positives = uniqueIndices(fn, `groups[${g}].positives`, group.positives, n);
    const negatives = uniqueIndices(fn, `groups[${g}].negatives`, group.negatives, n);
    if (positives.size < 2 || negatives.size === 0) return;
    for (const a of positives) {
      const others = new Set(positives);
      others.delete(a);
      anchors.push(a);
      positiveMasks.push(others);
      negativeMasks.push(negatives);
    }
  });

  return tf.tidy(() => {
    if (anchors.length === 0) return tf.mul(tf.sum(zStudent), 0) as tf.Scalar;
    const m = anchors.length;
    const posMask = new Float32Array(m * n);
    const negMask = new Uint8Array(m * n);
    positiveMasks.forEach((set, i) => set.forEach((j) => (posMask[i * n + j] = 1)));
    negativeMasks.forEach((set, i) => set.forEach((j) => (negMask[i * n + j] = 1)));
    // One-hot selection rows built on the host (tf.oneHot rejects a depth of 1, and a broadcast
    // equal() is slow on the wasm backend).
    const selectRows = new Float32Array(m * n);
    anchors.forEach((a, i) => (selectRows[i * n + a] = 1));
    const select = tf.tensor2d(selectRows, [m, n]);
    const zT = stopGradient(zTeacher);
    const s = tf.div(tf.matMul(tf.matMul(select, zStudent), tf.transpose(zT)), temperature) as tf.Tensor2D;
    const negatives = tf.tensor2d(negMask, [m, n], 'bool');
    const lseNeg = tf.logSumExp(tf.where(negatives, s, tf.fill([m, n], -Infinity)), 1, true);
    const positives = tf.tensor2d(posMask, [m, n]);
    const perPair = tf.mul(tf.softplus(tf.sub(lseNeg, s)), positives);
    const perAnchor = tf.div(tf.sum(perPair, 1), tf.sum(positives, 1));
    return tf.mean(perAnchor) as tf.Scalar;
  });
}

function uniqueIndices(fn: string, arg: string, list: ArrayLike<number>, n: number): Set<number> {
  const set = new Set<number>();
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new Error(`${fn}: argument '${arg}' must hold integer indices in [0, ${n - 1}]; item ${i} is ${String(v)}.`);
    }
    set.add(v);
  }
  return set;
}
