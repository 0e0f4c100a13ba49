/**
 * Mixes a seed with any number of integer parts (stream name hash, step, epoch...) into a new
 * 31-bit seed. Deterministic, so every random stream of a run can be re-derived from the step
 * number: that is what makes `--resume` continue exactly where the run stopped.
 *
 * Formula: a murmur3-style finaliser applied after each part.
 *
 * @example
 * ```ts
 * const dropoutSeed = deriveSeed(1337, 'dropout', step);
 * ```
 */
export function deriveSeed(seed: number, ...parts: Array<number | string>): number {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  const mix = (v: number) => {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  };
  for (const part of parts) {
    if (typeof part === 'number') {
      mix(part >>> 0);
      mix(Math.floor(part / 2 ** 32) >>> 0);
    } else {
      for (let i = 0; i < part.length; i++) mix(part.charCodeAt(i));
    }
  }
  return h & 0x7fffffff;
}

/**
 * A small seeded random generator (mulberry32) whose whole state is one 32-bit integer.
 *
 * @example
 * ```ts
 * const rng = new Random(42);
 * rng.next(); // in [0, 1)
 * ```
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
