import { describe, expect, it } from 'vitest';
import { asd, assd, hausdorff, hd95, surfaceDistanceMetrics } from './distance-metrics.js';
import { directedSurfaceDistances } from './surface-distances.js';
import { naiveDistanceMetrics, randomBlobMask } from './test-utils/reference.js';

function grid(shape: number[], points: number[][]): Uint8Array {
  const m = new Uint8Array(shape.reduce((a, b) => a * b, 1));
  for (const p of points) {
    let k = 0;
    for (let a = 0; a < shape.length; a++) k = k * shape[a] + p[a];
    m[k] = 1;
  }
  return m;
}

describe('surface-distance metrics, hand-computed', () => {
  it('single voxels with anisotropic spacing (2D)', () => {
    const shape = [5, 5];
    const a = grid(shape, [[0, 0]]);
    const b = grid(shape, [[3, 4]]);
    const d = Math.sqrt((3 * 2) ** 2 + 4 ** 2);
    const m = surfaceDistanceMetrics(a, b, { shape, spacing: [2, 1] });
    expect(m.hd).toBeCloseTo(d, 12);
    expect(m.hd95).toBeCloseTo(d, 12);
    expect(m.asd).toBeCloseTo(d, 12);
    expect(m.assd).toBeCloseTo(d, 12);
  });

  it('single voxels with anisotropic spacing (3D)', () => {
    const shape = [3, 4, 5];
    const a = grid(shape, [[0, 0, 0]]);
    const b = grid(shape, [[2, 1, 3]]);
    expect(hausdorff(a, b, { shape, spacing: [3, 0.5, 1.2] })).toBeCloseTo(Math.sqrt(36 + 0.25 + 12.96), 12);
  });

  it('identical masks give 0', () => {
    const m = randomBlobMask([12, 10], 3);
    expect(surfaceDistanceMetrics(m, m, { shape: [12, 10] })).toEqual({ hd: 0, hd95: 0, asd: 0, assd: 0 });
  });

  it('a 3x3 square against its centre voxel, isotropic and anisotropic', () => {
    const shape = [5, 5];
    const sq: number[][] = [];
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) sq.push([y, x]);
    const ring = grid(shape, sq);
    const centre = grid(shape, [[2, 2]]);
    // isotropic: centre -> ring: 1; ring -> centre: 4 x 1, 4 x sqrt 2
    let m = surfaceDistanceMetrics(centre, ring, { shape });
    expect(m.asd).toBeCloseTo(1, 12);
    expect(m.hd).toBeCloseTo(Math.SQRT2, 12);
    expect(m.hd95).toBeCloseTo(Math.SQRT2, 12);
    expect(m.assd).toBeCloseTo(0.75 + Math.SQRT2 / 4, 12);
    // rows 2 units apart: centre -> ring 1 (left/right); ring -> centre: 2, 2, 1, 1, 4 x sqrt 5
    m = surfaceDistanceMetrics(centre, ring, { shape, spacing: [2, 1] });
    expect(m.asd).toBeCloseTo(1, 12);
    expect(m.hd).toBeCloseTo(Math.sqrt(5), 12);
    expect(m.hd95).toBeCloseTo(Math.sqrt(5), 12);
    expect(m.assd).toBeCloseTo((1 + (6 + 4 * Math.sqrt(5)) / 8) / 2, 12);
    // asd is directed (medpy asd(result, reference))
    expect(asd(ring, centre, { shape })).toBeCloseTo((4 + 4 * Math.SQRT2) / 8, 12);
  });

  it('hd95 interpolates between surface distances (two lines)', () => {
    const shape = [3, 10];
    const pred = grid(shape, Array.from({ length: 10 }, (_, x) => [0, x]));
    const target = grid(shape, Array.from({ length: 5 }, (_, x) => [2, x]));
    const tail = [5, 8, 13, 20, 29].map(Math.sqrt);
    // 15 values: ten 2s, then the tail; rank 0.95 * 14 = 13.3
    expect(hd95(pred, target, { shape })).toBeCloseTo(tail[3] + 0.3 * (tail[4] - tail[3]), 12);
    expect(hausdorff(pred, target, { shape })).toBeCloseTo(Math.sqrt(29), 12);
    const fwd = (10 + tail.reduce((a, b) => a + b, 0)) / 10;
    expect(asd(pred, target, { shape })).toBeCloseTo(fwd, 12);
    expect(assd(pred, target, { shape })).toBeCloseTo((fwd + 2) / 2, 12);
  });

  it('a line shifted by k rows: every distance is k * spacing', () => {
    const shape = [6, 8];
    const a = grid(shape, Array.from({ length: 8 }, (_, x) => [1, x]));
    const b = grid(shape, Array.from({ length: 8 }, (_, x) => [4, x]));
    const m = surfaceDistanceMetrics(a, b, { shape, spacing: [1.5, 0.7] });
    for (const v of Object.values(m)) expect(v).toBeCloseTo(4.5, 12);
  });

  it('concentric discs: matches the naive reference', () => {
    const shape = [31, 31];
    const disc = (r: number) => {
      const m = new Uint8Array(31 * 31);
      for (let y = 0; y < 31; y++) for (let x = 0; x < 31; x++) if ((y - 15) ** 2 + (x - 15) ** 2 <= r * r) m[y * 31 + x] = 1;
      return m;
    };
    const a = disc(6);
    const b = disc(10);
    const m = surfaceDistanceMetrics(a, b, { shape, spacing: [1, 1] });
    const ref = naiveDistanceMetrics(a, b, shape, [1, 1]);
    expect(m.hd).toBeCloseTo(ref.hd, 10);
    expect(m.hd95).toBeCloseTo(ref.hd95, 10);
    expect(m.asd).toBeCloseTo(ref.asd, 10);
    expect(m.assd).toBeCloseTo(ref.assd, 10);
    expect(m.asd).toBeGreaterThan(3.5);
    expect(m.asd).toBeLessThan(4.5);
  });

  it.each([
    [[14, 11], [1.3, 0.7], 1],
    [[20, 9], [1, 1], 2],
    [[5, 9, 8], [3, 0.8, 1.1], 3],
    [[1, 12, 10], [4, 1, 1], 4],
  ])('random blobs %j spacing %j: matches the naive reference', (shape, spacing, seed) => {
    const a = randomBlobMask(shape, seed * 2);
    const b = randomBlobMask(shape, seed * 2 + 1);
    a[0] = 1; // a voxel on the grid border
    const m = surfaceDistanceMetrics(a, b, { shape, spacing });
    const ref = naiveDistanceMetrics(a, b, shape, spacing);
    expect(m.hd).toBeCloseTo(ref.hd, 10);
    expect(m.hd95).toBeCloseTo(ref.hd95, 10);
    expect(m.asd).toBeCloseTo(ref.asd, 10);
    expect(m.assd).toBeCloseTo(ref.assd, 10);
    const fwd = directedSurfaceDistances(a, b, { shape, spacing });
    expect(Array.from(fwd).map((v) => +v.toFixed(9))).toEqual(ref.forward.map((v) => +v.toFixed(9)));
  });
});

describe('surface-distance metrics, empty masks and errors', () => {
  const shape = [4, 5];
  const z = new Uint8Array(20);
  const o = grid(shape, [[1, 1]]);

  it('both empty: NaN by default, 0 with bothEmpty "perfect"', () => {
    expect(hausdorff(z, z, { shape })).toBeNaN();
    expect(hd95(z, z, { shape, bothEmpty: 'perfect' })).toBe(0);
  });

  it('one empty: NaN by default, the diagonal or a fixed number on request', () => {
    expect(hd95(o, z, { shape })).toBeNaN();
    expect(asd(z, o, { shape })).toBeNaN();
    expect(hd95(o, z, { shape, spacing: [2, 1], oneEmptyDistance: 'diagonal' })).toBeCloseTo(Math.sqrt(8 * 8 + 5 * 5), 12);
    expect(assd(z, o, { shape, oneEmptyDistance: 42 })).toBe(42);
    expect(() => hd95(o, z, { shape, oneEmptyDistance: -1 })).toThrow(/'oneEmptyDistance'/);
  });

  it('directedSurfaceDistances throws on an empty mask, as medpy', () => {
    expect(() => directedSurfaceDistances(z, o, { shape })).toThrow(/'result' has no foreground/);
    expect(() => directedSurfaceDistances(o, z, { shape })).toThrow(/'reference' has no foreground/);
  });

  it('does not modify its inputs', () => {
    const a = randomBlobMask(shape, 9);
    const b = randomBlobMask(shape, 10);
    const ca = a.slice();
    const cb = b.slice();
    surfaceDistanceMetrics(a, b, { shape, spacing: [1, 2] });
    expect(a).toEqual(ca);
    expect(b).toEqual(cb);
  });

  it('rejects bad shapes and spacings', () => {
    expect(() => hausdorff(o, o, { shape: [5, 5] })).toThrow(/hausdorff: shape mismatch: argument 'pred' has 20 elements/);
    expect(() => hd95(o, o, { shape, spacing: [1, 1, 1] })).toThrow(/hd95: argument 'options.spacing' must have one entry per axis \(2\)/);
    expect(() => asd(o, o, { shape, spacing: [1, -1] })).toThrow(/asd: argument 'options.spacing' must contain finite positive/);
    expect(() => assd(o, o, { shape: [20] })).toThrow(/2 or 3 dimensions/);
    expect(() => assd(o, o, { shape: [4, 0, 5] })).toThrow(/positive integers/);
    expect(() => hd95(o, o, undefined as never)).toThrow(/hd95: argument 'options'/);
  });
});
