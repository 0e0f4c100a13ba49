import { describe, expect, it } from 'vitest';
import { createRandom } from './random';
import { weightedSampleWithoutReplacement } from './weighted-sample';
import { withinFiveSigma } from './test-utils/reference';

describe('createRandom', () => {
  it('is reproducible per seed and uniform in [0, 1)', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    const r = createRandom(1);
    const bins = new Array(10).fill(0);
    const trials = 20000;
    for (let i = 0; i < trials; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      bins[Math.floor(u * 10)]++;
    }
    for (const count of bins) expect(withinFiveSigma(count, trials, 0.1)).toBe(true);
    expect(() => createRandom(Number.NaN)).toThrow(/createRandom: argument 'seed'/);
  });
});

describe('weightedSampleWithoutReplacement', () => {
  it('draws distinct indices, never a zero weight, at most count', () => {
    const r = createRandom(3);
    for (let t = 0; t < 200; t++) {
      const picked = weightedSampleWithoutReplacement([0.5, 0, 2, 1, 0, 3], 3, r);
      expect(picked.length).toBe(3);
      expect(new Set(picked).size).toBe(3);
      for (const i of picked) expect([0, 2, 3, 5]).toContain(i);
    }
    expect(Array.from(weightedSampleWithoutReplacement([0, 1, 0], 5, r))).toEqual([1]);
    expect(weightedSampleWithoutReplacement([1, 2], 0, r).length).toBe(0);
  });

  it('picks a single index with probability w_i / sum w (5-sigma binomial bound per index)', () => {
    const w = [1, 2, 3, 4, 0.5, 0.001];
    const total = w.reduce((a, b) => a + b, 0);
    const trials = 30000;
    const counts = new Array(w.length).fill(0);
    const r = createRandom(11);
    for (let t = 0; t < trials; t++) counts[weightedSampleWithoutReplacement(w, 1, r)[0]]++;
    let chi2 = 0;
    w.forEach((wi, i) => {
      expect(withinFiveSigma(counts[i], trials, wi / total)).toBe(true);
      chi2 += (counts[i] - (trials * wi) / total) ** 2 / ((trials * wi) / total);
    });
    // chi-square with 5 degrees of freedom: P(chi2 > 40) < 1e-7
    expect(chi2).toBeLessThan(40);
  });

  it('includes index i in a draw of two with the successive-sampling probability', () => {
    // P(i in S) = p_i + sum_{j != i} p_j w_i / (W - w_j), p = w / W.
    const w = [1, 2, 4, 8];
    const total = 15;
    const expected = w.map((wi, i) => wi / total + w.reduce((acc, wj, j) => (j === i ? acc : acc + (wj / total) * (wi / (total - wj))), 0));
    const trials = 20000;
    const counts = new Array(4).fill(0);
    const r = createRandom(5);
    for (let t = 0; t < trials; t++) for (const i of weightedSampleWithoutReplacement(w, 2, r)) counts[i]++;
    expected.forEach((p, i) => expect(withinFiveSigma(counts[i], trials, p)).toBe(true));
  });

  it('rejects negative or non-finite weights and a bad count', () => {
    const r = createRandom(0);
    expect(() => weightedSampleWithoutReplacement([1, -1], 1, r)).toThrow(/weightedSampleWithoutReplacement: argument 'weights'.*weights\[1\] = -1/);
    expect(() => weightedSampleWithoutReplacement([1, Number.NaN], 1, r)).toThrow(/argument 'weights'/);
    expect(() => weightedSampleWithoutReplacement([1], 1.5, r)).toThrow(/argument 'count'/);
  });
});
