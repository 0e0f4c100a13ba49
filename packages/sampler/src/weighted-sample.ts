import type { Random } from './random';

/**
 * Draws `count` distinct indices with probability proportional to `weights`, without replacement
 * (Efraimidis & Spirakis, "Weighted random sampling with a reservoir", IPL 2006).
 *
 * Each index `i` gets the key `log(u_i) / w_i` with `u_i ~ U(0, 1)` (the logarithm of the classical
 * key `u_i^(1 / w_i)`, which keeps tiny weights distinct); the `count` largest keys win. This is
 * equivalent to drawing one index at a time with probability `w_i / sum of the remaining weights`.
 * Indices with weight 0 are never drawn.
 *
 * @param weights - non-negative finite weights, length M.
 * @param count - how many to draw; capped at the number of positive weights.
 * @param random - the seeded generator (consumes exactly M numbers).
 * @returns the drawn indices in draw order (largest key first), as an `Int32Array`.
 * @throws Error naming the function when a weight is negative or not finite, or `count` is not a
 *   non-negative integer.
 *
 * @example
 * ```ts
 * const picked = weightedSampleWithoutReplacement([1, 1, 8], 2, createRandom(0));
 * ```
 */
export function weightedSampleWithoutReplacement(
  weights: ArrayLike<number>,
  count: number,
  random: Random,
): Int32Array {
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(
      `weightedSampleWithoutReplacement: argument 'count' must be a non-negative integer; got ${String(count)}.`,
    );
  }
  const m = weights.length;
  const keys = new Float64Array(m);
  const candidates: number[] = [];
  for (let i = 0; i < m; i++) {
    const w = weights[i];
    if (!(w >= 0) || !Number.isFinite(w)) {
      throw new Error(
        `weightedSampleWithoutReplacement: argument 'weights' must hold non-negative finite numbers; weights[${i}] = ${String(w)}.`,
      );
    }
    // 1 - u lies in (0, 1], so the logarithm is finite (u = 0 would give -Infinity for every weight).
    const u = 1 - random.next();
    if (w > 0) {
      keys[i] = Math.log(u) / w;
      candidates.push(i);
    }
  }
  candidates.sort((a, b) => keys[b] - keys[a] || a - b);
  return Int32Array.from(candidates.slice(0, Math.min(count, candidates.length)));
}
