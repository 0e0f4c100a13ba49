import { describe, expect, it } from 'vitest';
import { computeObjectMetrics, objectDice, objectF1, objectHausdorff } from './object-metrics.js';
import { close, decodeRle, loadGolden } from './test-utils/golden.js';

function paint(shape: [number, number], rects: Array<[number, number, number, number, number]>): Int32Array {
  const m = new Int32Array(shape[0] * shape[1]);
  for (const [y0, x0, h, w, v] of rects) for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) m[y * shape[1] + x] = v;
  return m;
}

describe('GlaS object metrics, hand-computed', () => {
  it('identical instance maps are perfect', () => {
    const g = paint([10, 10], [[1, 1, 3, 3, 5], [6, 6, 2, 3, 9]]);
    const m = computeObjectMetrics(g, g, { shape: [10, 10], predIsInstanceMap: true, targetIsInstanceMap: true });
    expect(m).toMatchObject({ f1: 1, precision: 1, recall: 1, objectDice: 1, objectHausdorff: 0, tp: 2, fp: 0, fn: 0 });
  });

  it('50% overlap is not a true positive (the code tests > 0.5); weighted object Dice by hand', () => {
    const shape: [number, number] = [12, 12];
    const g = paint(shape, [[0, 0, 4, 4, 1], [6, 6, 4, 4, 2]]);
    // pred: A exactly, and B shifted by 2 columns (8 of 16 pixels overlap)
    const s = paint(shape, [[0, 0, 4, 4, 1], [6, 8, 4, 4, 1]]);
    const m = computeObjectMetrics(s, g, { shape, targetIsInstanceMap: true });
    expect(m.predObjects).toBe(2);
    expect(m.targetObjects).toBe(2);
    expect(m.tp).toBe(1);
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBe(0.5);
    expect(m.f1).toBe(0.5);
    // each side: 0.5 * 1 + 0.5 * (2 * 8 / 32)
    expect(m.objectDice).toBeCloseTo(0.75, 12);
    // Hausdorff: A-A 0; shifted square vs square: 2 -> each side 0.5 * 0 + 0.5 * 2
    expect(m.objectHausdorff).toBeCloseTo(1, 12);
    expect(objectF1(s, g, { shape, targetIsInstanceMap: true })).toBe(0.5);
    expect(objectDice(s, g, { shape, targetIsInstanceMap: true })).toBeCloseTo(0.75, 12);
    expect(objectHausdorff(s, g, { shape, targetIsInstanceMap: true })).toBeCloseTo(1, 12);
  });

  it('an object without overlap is paired with the nearest object by Hausdorff distance', () => {
    const shape: [number, number] = [1, 12];
    const g = paint(shape, [[0, 0, 1, 1, 1], [0, 10, 1, 1, 2]]);
    const s = paint(shape, [[0, 3, 1, 1, 1]]);
    const m = computeObjectMetrics(s, g, { shape, targetIsInstanceMap: true });
    // S side: 3 (nearest is g1); G side: 0.5 * 3 + 0.5 * 7
    expect(m.objectHausdorff).toBeCloseTo((3 + 5) / 2, 12);
    expect(m.f1).toBe(0);
    expect(m.objectDice).toBe(0);
    // with spacing 0.5 along x
    expect(objectHausdorff(s, g, { shape, targetIsInstanceMap: true, spacing: [1, 0.5] })).toBeCloseTo(2, 12);
  });

  it('uses the full pixel sets (GlaS code), not only the surfaces', () => {
    // a 5x5 ring (target) around a single pixel (pred) that does not overlap the ring
    const shape: [number, number] = [5, 5];
    const g = paint(shape, [[0, 0, 5, 5, 1]]);
    g[12] = 0;
    const s = new Int32Array(25);
    s[12] = 1;
    const m = computeObjectMetrics(s, g, { shape, targetIsInstanceMap: true });
    // pred -> ring: 1; ring -> pred: corners at 2 sqrt 2
    expect(m.objectHausdorff).toBeCloseTo(2 * Math.SQRT2, 12);
  });

  it('semantic masks are split into 8-connected components (or 4 with connectivity "face")', () => {
    const s = new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0, 0]);
    const g = new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(computeObjectMetrics(s, g, { shape: [3, 3] }).predObjects).toBe(1);
    expect(computeObjectMetrics(s, g, { shape: [3, 3], connectivity: 'face' }).predObjects).toBe(2);
  });

  it('3D: 26-connected components, anisotropic Hausdorff', () => {
    // 2 x 3 x 3: target voxel (0,0,0); prediction voxels (0,0,0) and (1,1,1) (corner neighbours, one object)
    const shape = [2, 3, 3];
    const t = new Uint8Array(18);
    t[0] = 1;
    const p = new Uint8Array(18);
    p[0] = 1;
    p[9 + 3 + 1] = 1;
    const m = computeObjectMetrics(p, t, { shape, spacing: [2, 1, 1] });
    expect(m.predObjects).toBe(1);
    expect(m.tp).toBe(1);
    expect(m.objectDice).toBeCloseTo(2 / 3, 12);
    expect(m.objectHausdorff).toBeCloseTo(Math.sqrt(4 + 1 + 1), 12);
    expect(computeObjectMetrics(p, t, { shape, connectivity: 18 }).predObjects).toBe(2);
  });

  it('empty inputs follow the empty-mask policy', () => {
    const z = new Uint8Array(9);
    const o = new Uint8Array(9).fill(1, 0, 2);
    const both = computeObjectMetrics(z, z, { shape: [3, 3] });
    expect(both.f1).toBeNaN();
    expect(both.objectHausdorff).toBeNaN();
    expect(computeObjectMetrics(z, z, { shape: [3, 3], bothEmpty: 'perfect' })).toMatchObject({ f1: 1, objectDice: 1, objectHausdorff: 0 });
    const one = computeObjectMetrics(o, z, { shape: [3, 3] });
    expect(one).toMatchObject({ f1: 0, objectDice: 0, tp: 0, fp: 1, fn: 0 });
    expect(one.objectHausdorff).toBeNaN();
    expect(objectHausdorff(z, o, { shape: [3, 3], oneEmptyDistance: 100 })).toBe(100);
  });

  it('does not modify inputs; rejects bad instance maps', () => {
    const g = paint([4, 4], [[0, 0, 2, 2, 3]]);
    const copy = g.slice();
    computeObjectMetrics(g, g, { shape: [4, 4], targetIsInstanceMap: true });
    expect(g).toEqual(copy);
    expect(() => objectF1(g, Float32Array.from(g).fill(1.5, 0, 1), { shape: [4, 4], targetIsInstanceMap: true })).toThrow(
      /objectF1: argument 'target' must hold non-negative integer instance labels/,
    );
    expect(() => objectDice(g, g, { shape: [4, 5] })).toThrow(/objectDice: shape mismatch/);
  });
});

describe('GlaS object metrics against the challenge-code re-implementation (golden.json)', () => {
  for (const c of loadGolden().objectCases) {
    it(c.name, () => {
      const m = computeObjectMetrics(decodeRle(c.pred), decodeRle(c.target), { shape: c.shape, spacing: c.spacing, targetIsInstanceMap: true });
      const g = c.metrics;
      expect(m.predObjects).toBe(g.predObjects);
      expect(m.targetObjects).toBe(g.targetObjects);
      expect(m.tp).toBe(g.tp);
      for (const k of ['f1', 'precision', 'recall', 'objectDice', 'objectHausdorff'] as const) {
        expect(close(m[k] as number, g[k]), `${k}: ${m[k]} vs ${g[k]}`).toBe(true);
      }
    });
  }
});
