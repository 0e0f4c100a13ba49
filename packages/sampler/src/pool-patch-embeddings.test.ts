import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { poolPatchEmbeddings } from './pool-patch-embeddings';
import type { PatchSample } from './sample-patches';
import { randomValues } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** A hand-made sample at the given grid positions. */
function sampleAt(cells: Array<[number, number, number]>, grid: [number, number, number]): PatchSample {
  return {
    count: cells.length,
    image: Int32Array.from(cells.map((c) => c[0])),
    row: Int32Array.from(cells.map((c) => c[1])),
    col: Int32Array.from(cells.map((c) => c[2])),
    pseudoClass: new Int32Array(cells.length),
    confidence: new Float32Array(cells.length),
    weight: new Float32Array(cells.length).fill(1),
    numClasses: 1,
    groups: [],
    numImages: grid[0],
    gridRows: grid[1],
    gridCols: grid[2],
    dropped: { collision: 0, cap: 0 },
  };
}

/** z(k) by loops in float64: mean over the window, divided by its norm. */
function refPool(e: Float64Array, shape: number[], ps: number, st: number, cells: Array<[number, number, number]>): number[] {
  const [, h, w, d] = shape;
  const out: number[] = [];
  for (const [b, r, c] of cells) {
    const v = new Float64Array(d);
    for (let y = r * st; y < r * st + ps; y++)
      for (let x = c * st; x < c * st + ps; x++) for (let j = 0; j < d; j++) v[j] += e[((b * h + y) * w + x) * d + j] / (ps * ps);
    const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    out.push(...Array.from(v, (x) => x / Math.max(norm, 1e-6)));
  }
  return out;
}

describe('poolPatchEmbeddings', () => {
  const shape = [2, 6, 5, 3];
  const data = Float64Array.from(randomValues(2 * 6 * 5 * 3, 9), (v) => v - 0.4);
  const cells: Array<[number, number, number]> = [
    [1, 1, 0],
    [0, 0, 1],
    [1, 2, 1],
    [0, 2, 0],
  ];
  const sample = sampleAt(cells, [2, 3, 2]); // patchSize 2, stride 2 over 6x5 -> 3x2

  it('returns unit rows equal to the L2-normalised patch means, for gather and matmul', () => {
    for (const method of ['auto', 'gather', 'matmul'] as const) {
      const z = poolPatchEmbeddings(tf.tensor4d(Float32Array.from(data), shape as [number, number, number, number]), sample, {
        patchSize: 2,
        stride: 2,
        method,
      });
      expect(z.shape).toEqual([4, 3]);
      expect(z.dtype).toBe('float32');
      const ref = refPool(data, shape, 2, 2, cells);
      Array.from(z.dataSync()).forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThan(1e-6));
    }
  });

  it('pools overlapping windows (stride < patchSize) with values and gradients of the reference', () => {
    const over: Array<[number, number, number]> = [
      [0, 1, 1],
      [1, 0, 0],
    ];
    const overSample = sampleAt(over, [2, 2, 2]); // patchSize 3, stride 2 over 6x5 -> 2x2
    const input = tf.tensor4d(Float32Array.from(data), shape as [number, number, number, number]);
    const z = poolPatchEmbeddings(input, overSample, { patchSize: 3, stride: 2 });
    const ref = refPool(data, shape, 3, 2, over);
    Array.from(z.dataSync()).forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThan(1e-6));
    const weights = [0.3, -0.2, 0.5, 0.1, 0.4, -0.6];
    const objective = (e: Float64Array) => refPool(e, shape, 3, 2, over).reduce((a, v, i) => a + weights[i] * v, 0);
    const x = Float64Array.from(data);
    const g = tf.grad((e: tf.Tensor) => tf.sum(tf.mul(tf.tensor2d(weights, [2, 3]), poolPatchEmbeddings(e as tf.Tensor4D, overSample, { patchSize: 3, stride: 2 }))))(input).dataSync();
    for (let i = 0; i < x.length; i++) {
      const keep = x[i];
      x[i] = keep + 1e-6;
      const up = objective(x);
      x[i] = keep - 1e-6;
      const down = objective(x);
      x[i] = keep;
      const fd = (up - down) / 2e-6;
      expect(Math.abs(g[i] - fd)).toBeLessThanOrEqual(1e-3 * Math.abs(fd) + 1e-5);
    }
  });

  it('has the gradient of the float64 reference (finite differences), the same for gather and matmul', () => {
    const weights = Array.from(randomValues(12, 4), (v) => v - 0.5);
    const objective = (e: Float64Array) => refPool(e, shape, 2, 2, cells).reduce((a, v, i) => a + weights[i] * v, 0);
    const fd = new Float64Array(data.length);
    const x = Float64Array.from(data);
    for (let i = 0; i < x.length; i++) {
      const keep = x[i];
      x[i] = keep + 1e-6;
      const up = objective(x);
      x[i] = keep - 1e-6;
      const down = objective(x);
      x[i] = keep;
      fd[i] = (up - down) / 2e-6;
    }
    const scale = Math.max(...Array.from(fd, Math.abs));
    const w = tf.tensor2d(weights, [4, 3]);
    const grads = (['gather', 'matmul'] as const).map((method) =>
      tf
        .grad((e: tf.Tensor) => tf.sum(tf.mul(w, poolPatchEmbeddings(e as tf.Tensor4D, sample, { patchSize: 2, stride: 2, method }))))(
          tf.tensor4d(Float32Array.from(data), shape as [number, number, number, number]),
        )
        .dataSync(),
    );
    for (const g of grads) {
      Array.from(g).forEach((v, i) => expect(Math.abs(v - fd[i])).toBeLessThanOrEqual(1e-3 * Math.abs(fd[i]) + 1e-4 * scale));
    }
  });

  it('handles an empty sample, a zero patch, and leaks no tensors', () => {
    const e = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    expect(poolPatchEmbeddings(e, sampleAt([], [1, 2, 2]), { patchSize: 2, stride: 2 }).shape).toEqual([0, 2]);
    const zero = poolPatchEmbeddings(e, sampleAt([[0, 1, 1]], [1, 2, 2]), { patchSize: 2, stride: 2 });
    expect(Array.from(zero.dataSync())).toEqual([0, 0]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(poolPatchEmbeddings(x as tf.Tensor4D, sampleAt([[0, 1, 1]], [1, 2, 2]), { patchSize: 2, stride: 2 })))(e);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    const input = tf.tensor4d(Float32Array.from(data), shape as [number, number, number, number]);
    const run = () => {
      for (const method of ['gather', 'matmul'] as const) {
        poolPatchEmbeddings(input, sample, { patchSize: 2, stride: 2, method }).dispose();
        tf.grad((x: tf.Tensor) => tf.sum(poolPatchEmbeddings(x as tf.Tensor4D, sample, { patchSize: 2, stride: 2, method })))(input).dispose();
      }
    };
    run();
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a sample drawn on another grid and bad options', () => {
    const e = tf.zeros([2, 6, 5, 3]) as tf.Tensor4D;
    expect(() => poolPatchEmbeddings(e, sample, { patchSize: 3, stride: 3 })).toThrow(
      /poolPatchEmbeddings: argument 'sample' was drawn on a 2x3x2 grid, but 'embeddings' \[2,6,5,3\] with patchSize 3 and stride 3 give 2x2x1/,
    );
    const { numImages, gridRows, gridCols, ...bare } = sampleAt([[0, 3, 0]], [2, 3, 2]);
    void [numImages, gridRows, gridCols];
    expect(() => poolPatchEmbeddings(e, bare as PatchSample, { patchSize: 2, stride: 2 })).toThrow(
      /poolPatchEmbeddings: argument 'sample' patch 0 at \(image 0, row 3, col 0\) lies outside the 2x3x2 grid/,
    );
    expect(poolPatchEmbeddings(e, { ...bare, row: Int32Array.from([2]) } as PatchSample, { patchSize: 2, stride: 2 }).shape).toEqual([1, 3]);
    expect(() => poolPatchEmbeddings(tf.zeros([6, 5, 3]) as unknown as tf.Tensor4D, sample)).toThrow(/argument 'embeddings' must be a rank-4/);
    expect(() => poolPatchEmbeddings(e, sample, { patchSize: 2, stride: 2, method: 'loop' as 'gather' })).toThrow(/option 'method'/);
    expect(() => poolPatchEmbeddings(e, {} as PatchSample, { patchSize: 2, stride: 2 })).toThrow(/argument 'sample' must be a PatchSample/);
  });
});
