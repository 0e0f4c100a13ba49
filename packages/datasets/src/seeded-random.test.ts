import { describe, expect, it } from 'vitest';
import { SeededRandom } from './seeded-random';

/** Independent BigInt reference of xoshiro128** (Blackman & Vigna). */
function xoshiroReference(state: bigint[], n: number): number[] {
  const M = 0xffffffffn;
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  const s = [...state];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(Number((rotl((s[1] * 5n) & M, 7n) * 9n) & M));
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
  }
  return out;
}

describe('SeededRandom', () => {
  it('is xoshiro128** (matches a BigInt reference from a set state)', () => {
    const r = SeededRandom.fromState({ s: [1, 2, 3, 4], spareNormal: null });
    const got = Array.from({ length: 8 }, () => r.nextUint32());
    expect(got).toEqual(xoshiroReference([1n, 2n, 3n, 4n], 8));
  });

  it('repeats for a seed, differs between seeds', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const xa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xa);
  });

  it('restores its state exactly, including a cached normal deviate', () => {
    const r = new SeededRandom(7);
    r.normal(); // leaves the second Box-Muller deviate cached
    const saved = JSON.parse(JSON.stringify(r.getState()));
    const expected = [r.normal(), r.next(), r.int(10), r.normal()];
    const r2 = SeededRandom.fromState(saved);
    expect([r2.normal(), r2.next(), r2.int(10), r2.normal()]).toEqual(expected);
  });

  it('uniform has mean 1/2, variance 1/12; normal mean 0, variance 1 (20000 draws)', () => {
    const r = new SeededRandom(3);
    const n = 20000;
    const u = Array.from({ length: n }, () => r.next());
    const z = Array.from({ length: n }, () => r.normal());
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const variance = (a: number[]) => {
      const m = mean(a);
      return mean(a.map((v) => (v - m) ** 2));
    };
    // tolerances: ~5 standard errors
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance(u) - 1 / 12)).toBeLessThan(0.004);
    expect(Math.abs(mean(z))).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance(z) - 1)).toBeLessThan(0.05);
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('int, shuffle and permutation', () => {
    const r = new SeededRandom(1);
    const ints = Array.from({ length: 1000 }, () => r.int(6));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    expect([...r.permutation(20)].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(() => r.int(0)).toThrow(/SeededRandom.int: argument 'n'/);
    expect(() => new SeededRandom(Number.NaN)).toThrow(/argument 'seed'/);
  });
});
