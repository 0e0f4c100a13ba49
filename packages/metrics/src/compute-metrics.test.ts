import { describe, expect, it } from 'vitest';
import { computeMetrics, METRIC_NAMES } from './compute-metrics.js';
import { close, decodeRle, loadGolden } from './test-utils/golden.js';

describe('computeMetrics against the medpy re-implementation (golden.json)', () => {
  const golden = loadGolden();
  it('has cases in 2D and 3D', () => {
    expect(golden.cases.some((c) => c.shape.length === 2)).toBe(true);
    expect(golden.cases.some((c) => c.shape.length === 3)).toBe(true);
  });
  for (const c of golden.cases) {
    it(`${c.name} ${JSON.stringify(c.shape)} spacing ${JSON.stringify(c.spacing)}`, () => {
      const pred = decodeRle(c.pred);
      const target = decodeRle(c.target);
      const rows = computeMetrics(pred, target, { shape: c.shape, spacing: c.spacing, numClasses: c.numClasses, includeBackground: true });
      expect(rows.map((r) => r.classIndex)).toEqual(c.classes.map((g) => g.classIndex));
      for (const g of c.classes) {
        const row = rows[g.classIndex];
        for (const m of METRIC_NAMES) {
          const want = g[m];
          const got = row[m] as number;
          if (want === null) expect(got, `${c.name} class ${g.classIndex} ${m}`).toBeNaN();
          else expect(close(got, want), `${c.name} class ${g.classIndex} ${m}: ${got} vs ${want}`).toBe(true);
        }
      }
    });
  }
});

describe('computeMetrics', () => {
  // 4x4, classes 0..2
  const target = new Int32Array([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 2, 2]);
  const pred = new Int32Array([0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 2]);

  it('reports foreground classes by default, with voxel counts and overlap by hand', () => {
    const rows = computeMetrics(pred, target, { shape: [4, 4], numClasses: 3 });
    expect(rows.map((r) => r.classIndex)).toEqual([1, 2]);
    expect(rows[0].predVoxels).toBe(5);
    expect(rows[0].targetVoxels).toBe(4);
    expect(rows[0].dice).toBeCloseTo(8 / 9, 12);
    expect(rows[0].jaccard).toBeCloseTo(4 / 5, 12);
    expect(rows[0].precision).toBeCloseTo(4 / 5, 12);
    expect(rows[0].recall).toBe(1);
    expect(rows[1].dice).toBeCloseTo(2 / 3, 12);
    // class 2: pred (3,3) vs target (3,2),(3,3): forward 0, backward 1 -> hd 1, asd 0, assd 0.25
    expect(rows[1].hd).toBe(1);
    expect(rows[1].asd).toBe(0);
    expect(rows[1].assd).toBeCloseTo(0.25, 12);
  });

  it('computes only the requested metrics', () => {
    const rows = computeMetrics(pred, target, { shape: [4, 4], numClasses: 3, metrics: ['dice', 'hd95'] });
    expect(Object.keys(rows[0]).sort()).toEqual(['classIndex', 'dice', 'hd95', 'predVoxels', 'targetVoxels']);
  });

  it('accepts Uint8Array and integer-valued Float32Array labels alike', () => {
    const a = computeMetrics(Uint8Array.from(pred), Uint8Array.from(target), { shape: [4, 4], numClasses: 3 });
    const b = computeMetrics(Float32Array.from(pred), Float32Array.from(target), { shape: [4, 4], numClasses: 3 });
    expect(b).toEqual(a);
  });

  it('applies the empty-mask policy per class', () => {
    const t = new Uint8Array([1, 1, 0, 0]);
    const p = new Uint8Array([1, 0, 0, 0]);
    const rows = computeMetrics(p, t, { shape: [2, 2], numClasses: 3 });
    expect(rows[1].dice).toBeNaN();
    expect(rows[1].hd95).toBeNaN();
    const perfect = computeMetrics(p, t, { shape: [2, 2], numClasses: 3, bothEmpty: 'perfect', oneEmptyDistance: 'diagonal' });
    expect(perfect[1].dice).toBe(1);
    expect(perfect[1].hd95).toBe(0);
    const miss = computeMetrics(new Uint8Array(4), t, { shape: [2, 2], numClasses: 2, oneEmptyDistance: 'diagonal' });
    expect(miss[0].dice).toBe(0);
    expect(miss[0].hd95).toBeCloseTo(Math.SQRT2 * 2, 12);
  });

  it('does not modify its inputs', () => {
    const p = pred.slice();
    const t = target.slice();
    computeMetrics(p, t, { shape: [4, 4], numClasses: 3, spacing: [2, 1] });
    expect(p).toEqual(pred);
    expect(t).toEqual(target);
  });

  it('rejects bad input with a clear error', () => {
    const o = { shape: [4, 4], numClasses: 3 };
    expect(() => computeMetrics(pred, target.subarray(1), o)).toThrow(/computeMetrics: shape mismatch: argument 'target' has 15 elements but shape \[4, 4\] needs 16/);
    expect(() => computeMetrics(pred, target, { ...o, spacing: [1, 1, 1] })).toThrow(/'options.spacing' must have one entry per axis/);
    expect(() => computeMetrics(pred, target, { ...o, spacing: [1, 0] })).toThrow(/finite positive/);
    expect(() => computeMetrics(pred, target, { ...o, numClasses: 2 })).toThrow(/argument 'pred' holds label 2 at index 15, outside \[0, 2\)/);
    expect(() => computeMetrics(Int32Array.from(pred).fill(-1, 0, 1), target, o)).toThrow(/label -1 at index 0/);
    expect(() => computeMetrics(Float32Array.from(pred).fill(0.5, 3, 4), target, o)).toThrow(/integer class labels, found 0.5 at index 3/);
    expect(() => computeMetrics(pred, target, { ...o, shape: [] })).toThrow(/'options.shape' is empty/);
    expect(() => computeMetrics(pred, target, { ...o, numClasses: 0 })).toThrow(/'numClasses' must be an integer >= 1/);
    expect(() => computeMetrics(pred, target, { ...o, metrics: ['dice', 'hd99' as 'hd95'] })).toThrow(/unknown metric 'hd99'/);
  });
});
