import { describe, expect, it } from 'vitest';
import { percentile } from './percentile.js';

describe('percentile', () => {
  it('interpolates linearly like numpy.percentile', () => {
    expect(percentile(new Float64Array([1, 2, 3, 4]), 95)).toBeCloseTo(3.85, 12); // r = 2.85
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([4, 1, 3, 2], 0)).toBe(1);
    expect(percentile([4, 1, 3, 2], 100)).toBe(4);
  });

  it('agrees with a full sort on many random arrays with ties', () => {
    let s = 7;
    const rnd = () => ((s = (s * 48271) % 2147483647) / 2147483647);
    for (let t = 0; t < 50; t++) {
      const n = 1 + Math.floor(rnd() * 60);
      const v = Array.from({ length: n }, () => Math.floor(rnd() * 10) / 2);
      const sorted = [...v].sort((a, b) => a - b);
      for (const q of [0, 13, 50, 95, 100]) {
        const r = (q / 100) * (n - 1);
        const lo = Math.floor(r);
        const hi = Math.ceil(r);
        expect(percentile(v, q)).toBeCloseTo(sorted[lo] + (sorted[hi] - sorted[lo]) * (r - lo), 12);
      }
    }
  });

  it('does not modify its input, NaN when empty, rejects bad q', () => {
    const v = new Float64Array([3, 1, 2]);
    percentile(v, 50);
    expect(Array.from(v)).toEqual([3, 1, 2]);
    expect(percentile([], 95)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(/percentile: argument 'q'/);
  });
});
