/** Saveable state of a {@link SeededRandom}: four 32-bit words, plus a cached normal deviate. */
export interface SeededRandomState {
  s: [number, number, number, number];
  /** Second Box-Muller deviate waiting to be returned, or null. */
  spareNormal: number | null;
}

function splitmix32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Seeded pseudo-random generator (xoshiro128**, seeded through splitmix32) whose state can be
 * saved and restored exactly, so that a resumed run draws the same numbers as an uninterrupted one.
 *
 * @example
 * const rng = new SeededRandom(1337);
 * const a = rng.next();               // uniform in [0, 1)
 * const saved = rng.getState();
 * const b = rng.normal();              // N(0, 1)
 * const rng2 = SeededRandom.fromState(saved);
 * rng2.normal() === b;                 // true
 */
export class SeededRandom {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  /** @param seed any finite number (its 32-bit integer part is used). Default 0. */
  constructor(seed = 0) {
    if (!Number.isFinite(seed)) throw new Error(`SeededRandom: argument 'seed' must be a finite number, got ${seed}`);
    const sm = splitmix32(Math.trunc(seed) | 0);
    for (let i = 0; i < 4; i++) this.s[i] = sm();
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Restores a generator from {@link SeededRandom.getState}. */
  static fromState(state: SeededRandomState): SeededRandom {
    const r = new SeededRandom(0);
    r.setState(state);
    return r;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). `n` must be a positive integer. */
  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`SeededRandom.int: argument 'n' must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal deviate (Box-Muller; the second deviate is cached and is part of the state). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A shuffled `[0, 1, ..., n-1]`. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** A copy of the state (JSON-serialisable). */
  getState(): SeededRandomState {
    return { s: [this.s[0], this.s[1], this.s[2], this.s[3]], spareNormal: this.spare };
  }

  /** Restores a state from {@link SeededRandom.getState}. */
  setState(state: SeededRandomState): void {
    if (!state || !Array.isArray(state.s) || state.s.length !== 4) {
      throw new Error("SeededRandom.setState: argument 'state' must be { s: [4 uint32], spareNormal }");
    }
    for (let i = 0; i < 4; i++) this.s[i] = state.s[i] >>> 0;
    this.spare = state.spareNormal ?? null;
  }

  /** An independent generator with the same state. */
  clone(): SeededRandom {
    return SeededRandom.fromState(this.getState());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A generator from a seed or an existing generator (which is used, not copied). */
export function toRandom(seedOrRandom: number | SeededRandom | undefined, fallbackSeed = 0): SeededRandom {
  if (seedOrRandom instanceof SeededRandom) return seedOrRandom;
  return new SeededRandom(seedOrRandom ?? fallbackSeed);
}
