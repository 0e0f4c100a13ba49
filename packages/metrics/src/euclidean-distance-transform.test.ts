import { describe, expect, it } from 'vitest';
import { euclideanDistanceTransform } from './euclidean-distance-transform.js';
import { close, decodeRle, loadGolden } from './test-utils/golden.js';
import { lcg } from './test-utils/reference.js';

function bruteForce(sites: Uint8Array, shape: number[], spacing: number[]): Float64Array {
  const size = sites.length;
  const coords = (k: number) => {
    const c: number[] = [];
    for (let a = shape.length - 1; a >= 0; a--) {
      c.unshift(k % shape[a]);
      k = Math.floor(k / shape[a]);
    }
    return c;
  };
  const pts: number[][] = [];
  for (let k = 0; k < size; k++) if (sites[k]) pts.push(coords(k));
  const out = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    const c = coords(k);
    let best = Infinity;
    for (const p of pts) {
      let s = 0;
      for (let a = 0; a < c.length; a++) s += ((c[a] - p[a]) * spacing[a]) ** 2;
      best = Math.min(best, s);
    }
    out[k] = Math.sqrt(best);
  }
  return out;
}

describe('euclideanDistanceTransform', () => {
  it('returns a Float64Array of the grid size with exact hand values', () => {
    const d = euclideanDistanceTransform(new Uint8Array([1, 0, 0, 0]), { shape: [2, 2], spacing: [2, 1] });
    expect(d).toBeInstanceOf(Float64Array);
    expect(d.length).toBe(4);
    expect(Array.from(d)).toEqual([0, 1, 2, Math.sqrt(5)]);
  });

  it('squared option gives squared distances', () => {
    const d = euclideanDistanceTransform(new Uint8Array([0, 0, 0, 1]), { shape: [1, 4], squared: true });
    expect(Array.from(d)).toEqual([9, 4, 1, 0]);
  });

  it('is Infinity everywhere without sites', () => {
    const d = euclideanDistanceTransform(new Uint8Array(6), { shape: [2, 3] });
    expect(Array.from(d).every((v) => v === Infinity)).toBe(true);
  });

  it.each([
    [[13, 17], [1.3, 0.6], 1],
    [[6, 7, 9], [2.5, 0.9, 1.2], 2],
    [[1, 9, 5], [1, 1, 1], 3],
    [[9, 1], [0.5, 3], 4],
  ])('matches brute force on random sites, shape %j spacing %j', (shape, spacing, seed) => {
    const rnd = lcg(seed);
    const size = shape.reduce((a, b) => a * b, 1);
    const sites = new Uint8Array(size).map(() => (rnd() < 0.06 ? 1 : 0));
    sites[Math.floor(rnd() * size)] = 1;
    const d = euclideanDistanceTransform(sites, { shape, spacing });
    const ref = bruteForce(sites, shape, spacing);
    for (let k = 0; k < size; k++) expect(d[k]).toBeCloseTo(ref[k], 10);
  });

  it('matches scipy distance_transform_edt (golden)', () => {
    for (const c of loadGolden().edtCases) {
      const d = euclideanDistanceTransform(decodeRle(c.sites), { shape: c.shape, spacing: c.spacing });
      const bad = c.distances.filter((v, k) => !close(d[k], v, 1e-9));
      expect(bad, c.name).toEqual([]);
    }
  });

  it('does not modify its input', () => {
    const sites = new Uint8Array([0, 1, 0, 1, 0, 0]);
    const copy = sites.slice();
    euclideanDistanceTransform(sites, { shape: [2, 3] });
    expect(sites).toEqual(copy);
  });

  it('rejects bad arguments with the function and argument named', () => {
    const s = new Uint8Array(4);
    expect(() => euclideanDistanceTransform(s, { shape: [2, 3] })).toThrow(/euclideanDistanceTransform: shape mismatch: argument 'sites'/);
    expect(() => euclideanDistanceTransform(s, { shape: [2, 2], spacing: [1] })).toThrow(/'options.spacing' must have one entry per axis/);
    expect(() => euclideanDistanceTransform(s, { shape: [2, 2], spacing: [1, 0] })).toThrow(/finite positive/);
    expect(() => euclideanDistanceTransform(s, { shape: [] })).toThrow(/'options.shape' is empty/);
    expect(() => euclideanDistanceTransform(new Float32Array([0, NaN, 0, 0]), { shape: [2, 2] })).toThrow(/NaN at index 1/);
  });
});
