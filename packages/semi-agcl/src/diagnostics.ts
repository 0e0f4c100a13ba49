import type { PatchSample } from '@agcl/sampler';

/** What the sampled patches of a step give the two patch losses to work with (plain numbers). */
export interface PatchDiagnostics {
  /** N, the unique patches (nodes of the affinity graph). */
  nodes: number;
  /** Nodes whose pseudo-class is c, per class. */
  nodesPerClass: number[];
  /** Positives of class c's contrastive group, per class (0 for a class absent from the batch). */
  positives: number[];
  /** Negatives of class c's group, per class. */
  negatives: number[];
  /** Classes present in the batch (the pseudo-class of at least one patch): the sampler's groups. */
  classesPresent: number;
  /** Classes with at least 2 positives and 1 negative: the ones whose anchors the contrastive loss uses. */
  anchoredClasses: number;
  /** ln N: what the affinity-graph loss scores for a uniform (uninformative) student graph. */
  lnN: number;
  /**
   * The mean row entropy of the target graph W-hat (edges q_i . q_j >= threshold, self-edges 1, rows
   * normalised): the lowest value the affinity-graph loss can reach. `lnN - graphFloor` is the room the
   * graph leaves; near 0, the graph is one block and the loss carries no class signal.
   */
  graphFloor: number;
}

/**
 * The patch diagnostics of a sample: positives and negatives per class, the classes the contrastive loss
 * anchors, and the affinity graph's node mix and entropy floor (see {@link PatchDiagnostics}).
 *
 * @param sample - the step's `PatchSample` (`@agcl/sampler`).
 * @param threshold - the target graph's edge threshold T.
 * @example
 * ```ts
 * const d = patchDiagnostics(sample, 0.8);
 * console.log(d.anchoredClasses, d.lnN - d.graphFloor);
 * ```
 */
export function patchDiagnostics(sample: PatchSample, threshold: number): PatchDiagnostics {
  const k = sample.numClasses;
  const n = sample.count;
  const nodesPerClass = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) nodesPerClass[sample.pseudoClass[i]]++;
  const positives = new Array<number>(k).fill(0);
  const negatives = new Array<number>(k).fill(0);
  for (const g of sample.groups) {
    positives[g.classIndex] = g.positives.length;
    negatives[g.classIndex] = g.negatives.length;
  }
  const anchoredClasses = positives.filter((p, c) => p >= 2 && negatives[c] >= 1).length;
  return { nodes: n, nodesPerClass, positives, negatives, classesPresent: sample.groups.length, anchoredClasses, lnN: n > 0 ? Math.log(n) : 0, graphFloor: targetGraphFloor(sample.confidence, n, k, threshold) };
}

/** Mean row entropy (nats) of the thresholded, row-normalised target graph of confidences q `[n, k]`. */
export function targetGraphFloor(q: ArrayLike<number>, n: number, k: number, threshold: number): number {
  if (n === 0) return 0;
  let total = 0;
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let c = 0; c < k; c++) dot += q[i * k + c] * q[j * k + c];
      row[j] = i === j ? 1 : dot >= threshold ? dot : 0;
      sum += row[j];
    }
    for (let j = 0; j < n; j++) if (row[j] > 0) total -= (row[j] / sum) * Math.log(row[j] / sum);
  }
  return total / n;
}
