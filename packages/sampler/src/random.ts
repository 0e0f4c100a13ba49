/** A seeded source of uniform numbers in `[0, 1)`. */
export interface Random {
  /** Next uniform number in `[0, 1)` (32 bits of resolution). */
  next(): number;
}

/**
 * A small, fast, seeded pseudo-random generator (mulberry32, 32-bit state).
 *
 * The same seed always gives the same sequence on every platform, so sampling is reproducible.
 * Not for cryptography. The seed is reduced to 32 bits (`seed >>> 0`).
 *
 * @param seed - any finite number; default 0.
 * @returns a {@link Random} whose `next()` returns uniforms in `[0, 1)`.
 *
 * @example
 * ```ts
 * const rng = createRandom(42);
 * const u = rng.next(); // same value on every run
 * ```
 */
export function createRandom(seed = 0): Random {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new Error(`createRandom: argument 'seed' must be a finite number; got ${String(seed)}.`);
  }
  let state = Math.trunc(seed) >>> 0;
  return {
    next(): number {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
