import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { samplePatches, samplePatchesFromTensors, type PatchSample } from './sample-patches';
import { uniforms, withinFiveSigma } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Random APE in [0, 1] and mean confidences (rows sum to 1) for a [N, rows, cols, K] grid. */
function randomMaps(shape: [number, number, number, number], seed: number) {
  const [n, r, c, k] = shape;
  const u = uniforms(seed);
  const cells = n * r * c;
  const ape = new Float32Array(cells * k);
  const mu = new Float32Array(cells * k);
  const sharpness = 1 + 8 * u();
  for (let t = 0; t < cells; t++) {
    let total = 0;
    for (let j = 0; j < k; j++) {
      mu[t * k + j] = Math.exp(sharpness * u());
      total += mu[t * k + j];
      ape[t * k + j] = u();
    }
    for (let j = 0; j < k; j++) mu[t * k + j] /= total;
  }
  return { ape, mu };
}

/** One-hot mean confidences from a class per cell. */
function oneHotMaps(classes: number[], k: number) {
  const mu = new Float32Array(classes.length * k);
  classes.forEach((c, t) => (mu[t * k + c] = 1));
  return mu;
}

function cellOf(sample: PatchSample, i: number): number {
  return (sample.image[i] * sample.gridRows + sample.row[i]) * sample.gridCols + sample.col[i];
}

describe('samplePatches', () => {
  it('never lets a class collide: positives have pseudo-class c, negatives mu(k, c) < delta (many seeds and inputs)', () => {
    for (let s = 0; s < 150; s++) {
      const shape: [number, number, number, number] = [1 + (s % 3), 2 + (s % 4), 3, 2 + (s % 3)];
      const { ape, mu } = randomMaps(shape, 1000 + s);
      const delta = [0.2, 0.05, 0.5][s % 3];
      const sample = samplePatches(ape, mu, shape, { seed: s, delta, samplesPerClass: 1 + (s % 7), maxPatches: 1 + (s % 40) });
      const k = shape[3];
      expect(sample.count).toBeLessThanOrEqual(1 + (s % 40));
      const cells = new Set<number>();
      for (let i = 0; i < sample.count; i++) cells.add(cellOf(sample, i));
      expect(cells.size).toBe(sample.count); // unique patches
      for (let i = 0; i < sample.count; i++) {
        const t = cellOf(sample, i);
        const row = Array.from(mu.subarray(t * k, t * k + k));
        expect(sample.pseudoClass[i]).toBe(row.indexOf(Math.max(...row)));
        expect(Array.from(sample.confidence.subarray(i * k, i * k + k))).toEqual(row);
      }
      for (const g of sample.groups) {
        for (const p of g.positives) expect(sample.pseudoClass[p]).toBe(g.classIndex);
        for (const q of g.negatives) expect(sample.confidence[q * k + g.classIndex]).toBeLessThan(delta);
      }
    }
  });

  it('returns one group per class present, in ascending order', () => {
    // 2x2 grid, K = 3; class 2 is never the argmax.
    const mu = new Float32Array([0.7, 0.1, 0.2, 0.1, 0.6, 0.3, 0.8, 0.1, 0.1, 0.2, 0.45, 0.35]);
    const sample = samplePatches(new Float32Array(12), mu, [1, 2, 2, 3], { seed: 1 });
    expect(sample.groups.map((g) => g.classIndex)).toEqual([0, 1]);
    expect(sample.numClasses).toBe(3);
    expect(sample.gridRows).toBe(2);
    expect(sample.gridCols).toBe(2);
  });

  it('draws patches with frequencies proportional to max(1 - APE, 1e-3) (5-sigma bound, chi-square)', () => {
    // 6 cells, one-hot classes so that no draw is dropped; n = 1 draw per class.
    const classes = [0, 0, 0, 1, 1, 1];
    const mu = oneHotMaps(classes, 2);
    const apeClass0 = [0.1, 0.5, 0.9, 0, 0.7, 1];
    const ape = new Float32Array(12);
    apeClass0.forEach((v, t) => (ape[t * 2] = v));
    const w = apeClass0.map((a) => Math.max(1 - a, 1e-3));
    const total = w.reduce((a, b) => a + b, 0);
    const trials = 6000;
    for (const mode of ['entropy', 'uniform'] as const) {
      const counts = new Array(6).fill(0);
      for (let seed = 0; seed < trials; seed++) {
        const sample = samplePatches(ape, mu, [1, 2, 3, 2], { seed, samplesPerClass: 1, mode });
        const g = sample.groups[0];
        expect(g.positives.length + g.negatives.length).toBe(1);
        const index = g.positives.length ? g.positives[0] : g.negatives[0];
        counts[cellOf(sample, index)]++;
      }
      let chi2 = 0;
      for (let t = 0; t < 6; t++) {
        const p = mode === 'entropy' ? w[t] / total : 1 / 6;
        expect(withinFiveSigma(counts[t], trials, p)).toBe(true);
        chi2 += (counts[t] - trials * p) ** 2 / (trials * p);
      }
      expect(chi2).toBeLessThan(40); // 5 degrees of freedom: P(chi2 > 40) < 1e-7
    }
  });

  it('makes a drawn patch a positive with probability mu(k, c)', () => {
    // Single cell, mu = (0.7, 0.3): for class 0 it is positive w.p. 0.7, else a negative that the
    // guard drops (mu = 0.7 >= delta).
    const mu = new Float32Array([0.7, 0.3]);
    const trials = 4000;
    let positives = 0;
    for (let seed = 0; seed < trials; seed++) {
      const sample = samplePatches(new Float32Array(2), mu, [1, 1, 1, 2], { seed });
      positives += sample.groups[0].positives.length;
      expect(sample.groups[0].negatives.length).toBe(0);
      expect(sample.dropped.collision).toBe(1 - sample.groups[0].positives.length);
    }
    expect(withinFiveSigma(positives, trials, 0.7)).toBe(true);
  });

  it('is reproducible for a seed, and equal for array and tensor inputs', async () => {
    const shape: [number, number, number, number] = [2, 3, 3, 3];
    const { ape, mu } = randomMaps(shape, 7);
    const a = samplePatches(ape, mu, shape, { seed: 42 });
    const b = samplePatches(ape, mu, shape, { seed: 42 });
    expect(b).toEqual(a);
    const c = samplePatches(tf.tensor4d(ape, shape), tf.tensor4d(mu, shape), shape, { seed: 42 });
    expect(c).toEqual(a);
    const d = await samplePatchesFromTensors(tf.tensor4d(ape, shape), tf.tensor4d(mu, shape), { seed: 42 });
    expect(d).toEqual(a);
    const others = [1, 2, 3].map((seed) => samplePatches(ape, mu, shape, { seed }));
    expect(others.some((o) => JSON.stringify(o) !== JSON.stringify(a))).toBe(true);
  });

  it('caps the unique patches at maxPatches, giving every class a turn first', () => {
    const classes = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2];
    const mu = oneHotMaps(classes, 3);
    const sample = samplePatches(new Float32Array(36), mu, [1, 3, 4, 3], { seed: 3, samplesPerClass: 8, maxPatches: 5 });
    expect(sample.count).toBe(5);
    expect(sample.dropped.cap).toBeGreaterThan(0);
    for (const g of sample.groups) expect(g.positives.length + g.negatives.length).toBeGreaterThan(0);
    // Draws larger than the pool take the whole pool.
    const all = samplePatches(new Float32Array(36), mu, [1, 3, 4, 3], { seed: 3, samplesPerClass: 100, maxPatches: 100 });
    expect(all.count).toBe(12);
    expect(all.dropped).toEqual({ collision: 0, cap: 0 });
  });

  it('rejects bad shapes, values and options with clear errors', () => {
    const ape = new Float32Array(8);
    const mu = new Float32Array(8).fill(0.5);
    expect(() => samplePatches(ape, mu, [1, 2, 2] as never)).toThrow(/samplePatches: argument 'shape' must be \[N, rows, cols, K\]/);
    expect(() => samplePatches(ape, mu, [1, 2, 3, 2])).toThrow(/samplePatches: argument 'ape' must hold 12 values/);
    expect(() => samplePatches(ape, new Float32Array(8).fill(Number.NaN), [1, 2, 2, 2])).toThrow(/argument 'meanConfidence' must hold finite/);
    expect(() => samplePatches([1, 2] as never, mu, [1, 2, 2, 2])).toThrow(/argument 'ape' must be a Float32Array or a tf.Tensor/);
    expect(() => samplePatches(ape, mu, [1, 2, 2, 2], { delta: 0 })).toThrow(/option 'delta'/);
    expect(() => samplePatches(ape, mu, [1, 2, 2, 2], { maxPatches: 0 })).toThrow(/option 'maxPatches'/);
    expect(() => samplePatches(ape, mu, [1, 2, 2, 2], { samplesPerClass: -1 })).toThrow(/option 'samplesPerClass'/);
    expect(() => samplePatches(ape, mu, [1, 2, 2, 2], { mode: 'random' as 'uniform' })).toThrow(/option 'mode'/);
    expect(() => samplePatches(ape, mu, [1, 2, 2, 2], { seed: Number.NaN })).toThrow(/option 'seed'/);
    expect(() => samplePatches(ape, mu, [1, 2, 2, 2], { draw: 'half' as 'pool' })).toThrow(/option 'draw' must be 'pool' or 'stratified'/);
  });

  describe("draw: 'stratified'", () => {
    it("leaves the default ('pool') unchanged", () => {
      const shape: [number, number, number, number] = [2, 4, 4, 4];
      const { ape, mu } = randomMaps(shape, 11);
      for (let seed = 0; seed < 20; seed++) {
        expect(samplePatches(ape, mu, shape, { seed, draw: 'pool' })).toEqual(samplePatches(ape, mu, shape, { seed }));
      }
    });

    it('gives a rare class its positives: ceil(n/2) draws among its patches, the rest elsewhere', () => {
      // 100 one-hot cells, class 1 on 3 of them; n = 8. Stratified: the 3 class-1 cells (fewer than
      // ceil(8/2) = 4) are all drawn as positives (mu = 1), the other 5 draws are negatives (mu = 0).
      const classes = new Array(100).fill(0);
      for (const t of [17, 52, 88]) classes[t] = 1;
      const mu = oneHotMaps(classes, 2);
      const ape = new Float32Array(200);
      let poolPositives = 0;
      for (let seed = 0; seed < 50; seed++) {
        const s = samplePatches(ape, mu, [1, 10, 10, 2], { seed, samplesPerClass: 8, draw: 'stratified' });
        const g = s.groups[1];
        expect(g.positives.length).toBe(3);
        expect(g.negatives.length).toBe(5);
        expect(new Set(Array.from(g.positives, (i) => cellOf(s, i)))).toEqual(new Set([17, 52, 88]));
        // Class 0 (97 cells): 4 positives from its cells, 4 draws among the 3 class-1 cells -> 3 negatives.
        expect(s.groups[0].positives.length).toBe(4);
        expect(s.groups[0].negatives.length).toBe(3);
        poolPositives += samplePatches(ape, mu, [1, 10, 10, 2], { seed, samplesPerClass: 8 }).groups[1].positives.length;
      }
      // The pool draw: 8 of 100 uniformly, expected 3 * 8 / 100 = 0.24 class-1 positives per sample.
      expect(poolPositives / 50).toBeLessThan(1);
    });

    it('draws within the class part with frequencies proportional to max(1 - APE, 1e-3) (5 sigma)', () => {
      const classes = [0, 0, 0, 1, 1, 1];
      const mu = oneHotMaps(classes, 2);
      const apeClass0 = [0.1, 0.5, 0.9, 0, 0.7, 1];
      const ape = new Float32Array(12);
      apeClass0.forEach((v, t) => (ape[t * 2] = v));
      const w = apeClass0.slice(0, 3).map((a) => Math.max(1 - a, 1e-3));
      const wOther = apeClass0.slice(3).map((a) => Math.max(1 - a, 1e-3));
      const total = w.reduce((a, b) => a + b, 0);
      const totalOther = wOther.reduce((a, b) => a + b, 0);
      const trials = 4000;
      const counts = new Array(6).fill(0);
      for (let seed = 0; seed < trials; seed++) {
        const s = samplePatches(ape, mu, [1, 2, 3, 2], { seed, samplesPerClass: 2, draw: 'stratified' });
        const g = s.groups[0];
        expect(g.positives.length).toBe(1);
        expect(g.negatives.length).toBe(1);
        counts[cellOf(s, g.positives[0])]++;
        counts[cellOf(s, g.negatives[0])]++;
      }
      for (let t = 0; t < 3; t++) expect(withinFiveSigma(counts[t], trials, w[t] / total)).toBe(true);
      for (let t = 3; t < 6; t++) expect(withinFiveSigma(counts[t], trials, wOther[t - 3] / totalOther)).toBe(true);
    });

    it('keeps the class-collision guard and the cap (many seeds and inputs)', () => {
      for (let s = 0; s < 100; s++) {
        const shape: [number, number, number, number] = [1 + (s % 3), 2 + (s % 4), 3, 2 + (s % 3)];
        const { ape, mu } = randomMaps(shape, 5000 + s);
        const k = shape[3];
        const sample = samplePatches(ape, mu, shape, { seed: s, samplesPerClass: 1 + (s % 7), maxPatches: 1 + (s % 40), draw: 'stratified' });
        expect(sample.count).toBeLessThanOrEqual(1 + (s % 40));
        for (const g of sample.groups) {
          for (const p of g.positives) expect(sample.pseudoClass[p]).toBe(g.classIndex);
          for (const q of g.negatives) expect(sample.confidence[q * k + g.classIndex]).toBeLessThan(0.2);
        }
      }
    });
  });
});
