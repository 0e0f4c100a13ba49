import { createRandom } from '@agcl/sampler';
import { deriveSeed } from '@agcl/semi-agcl';

/** A random permutation of 0..n-1 (Fisher-Yates over `createRandom` of `@agcl/sampler`, mulberry32). */
function permutation(n: number, seed: number): Int32Array {
  const random = createRandom(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * Indices of the items drawn at a given step from a stream of `count` items, `batch` per step,
 * walking through a fresh seeded permutation each epoch (as a shuffling data loader does).
 *
 * The batch of step t depends only on (seed, stream, t), so a resumed run draws exactly the batches
 * the uninterrupted run would have drawn: the "batch sampler position" is the step itself.
 *
 * @param count  items in the stream (> 0)
 * @param batch  items per step (> 0); may exceed count (items then repeat across epochs)
 * @param step   0-based step
 * @returns      `batch` indices in [0, count)
 *
 * @example
 * ```ts
 * const labeled = batchIndices(40, 4, step, 1337, 'labeled');
 * ```
 */
export function batchIndices(count: number, batch: number, step: number, seed: number, stream: string): number[] {
  if (!(count > 0) || !(batch > 0)) {
    throw new Error(`batchIndices: 'count' and 'batch' must be > 0; got count ${count}, batch ${batch}`);
  }
  const out: number[] = [];
  let position = step * batch;
  let epoch = -1;
  let perm: Int32Array | null = null;
  for (let i = 0; i < batch; i++, position++) {
    const e = Math.floor(position / count);
    if (e !== epoch) {
      epoch = e;
      perm = permutation(count, deriveSeed(seed, stream, e));
    }
    out.push(perm![position - e * count]);
  }
  return out;
}
