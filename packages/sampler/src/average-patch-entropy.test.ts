import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { averagePatchEntropy } from './average-patch-entropy';
import { randomConfidence, randomValues, refAveragePatchEntropy } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(tol);
}

describe('averagePatchEntropy', () => {
  it('gives 1 bit for p = 0.5 and 0 for one-hot maps (confidence term only)', () => {
    const half = tf.fill([1, 4, 4, 2], 0.5) as tf.Tensor4D;
    const { ape, meanConfidence } = averagePatchEntropy(half, { patchSize: 2, stride: 2 });
    expect(ape.shape).toEqual([1, 2, 2, 2]);
    expect(ape.dtype).toBe('float32');
    expectClose(ape.dataSync(), new Array(8).fill(1), 1e-6);
    expectClose(meanConfidence.dataSync(), new Array(8).fill(0.5), 1e-7);
    const labels = tf.oneHot(tf.tensor3d([0, 1, 1, 0, 1, 1, 0, 0, 0], [1, 3, 3], 'int32'), 2) as tf.Tensor4D;
    const oneHot = averagePatchEntropy(tf.cast(labels, 'float32') as tf.Tensor4D, { patchSize: 3, stride: 3 });
    expectClose(oneHot.ape.dataSync(), [0, 0], 0);
    expectClose(oneHot.meanConfidence.dataSync(), [5 / 9, 4 / 9], 1e-6);
  });

  it('computes the intensity term from a histogram worked by hand', () => {
    // One 2x2 patch, K = 1 with confidence 1 everywhere (so Hconf = 0); intensities fall in bins
    // {0, 0, 1, 3} of B = 4 -> p = (1/2, 1/4, 0, 1/4), H = 1.5 bits, / log2 4 = 0.75.
    const conf = tf.ones([1, 2, 2, 1]) as tf.Tensor4D;
    const intensity = tf.tensor4d([0.1, 0.2, 0.3, 0.9], [1, 2, 2, 1]);
    const { ape } = averagePatchEntropy(conf, { patchSize: 2, stride: 2, intensity, bins: 4, beta: 1 });
    expectClose(ape.dataSync(), [0.75], 1e-6);
    const half = averagePatchEntropy(conf, { patchSize: 2, stride: 2, intensity, bins: 4, beta: 0.5 });
    expectClose(half.ape.dataSync(), [0.375], 1e-6);
  });

  it('equals the float64 reference on random maps (gray and RGB, overlapping patches)', () => {
    const cases = [
      { shape: [2, 8, 8, 3] as [number, number, number, number], patchSize: 4, stride: 4, beta: 0.5, bins: 16, channels: 1 },
      { shape: [1, 9, 7, 2] as [number, number, number, number], patchSize: 3, stride: 2, beta: 0.3, bins: 5, channels: 3 },
      { shape: [1, 6, 6, 4] as [number, number, number, number], patchSize: 6, stride: 1, beta: 0.8, bins: 2, channels: 1 },
    ];
    cases.forEach((c, i) => {
      const [n, h, w, k] = c.shape;
      const conf = randomConfidence(n, h, w, k, 10 + i);
      const inten = randomValues(n * h * w * c.channels, 20 + i);
      const ref = refAveragePatchEntropy(conf, c.shape, { ...c, intensity: inten });
      const { ape, meanConfidence } = averagePatchEntropy(tf.tensor4d(Float32Array.from(conf), c.shape, 'float32'), {
        patchSize: c.patchSize,
        stride: c.stride,
        beta: c.beta,
        bins: c.bins,
        intensity: tf.tensor4d(Float32Array.from(inten), [n, h, w, c.channels], 'float32'),
      });
      expect(ape.shape).toEqual([n, ref.rows, ref.cols, k]);
      expectClose(ape.dataSync(), ref.ape, 1e-5);
      expectClose(meanConfidence.dataSync(), ref.mu, 1e-6);
      for (const v of ape.dataSync()) expect(v >= 0 && v <= 1 + 1e-6).toBe(true);
    });
  });

  it('uses the confidence term alone without intensity or with beta = 0', () => {
    const shape: [number, number, number, number] = [1, 4, 4, 2];
    const conf = randomConfidence(1, 4, 4, 2, 3);
    const ref = refAveragePatchEntropy(conf, shape, { patchSize: 2, stride: 2, beta: 0.5, bins: 16 });
    const t = tf.tensor4d(Float32Array.from(conf), shape, 'float32');
    expectClose(averagePatchEntropy(t, { patchSize: 2, stride: 2 }).ape.dataSync(), ref.ape, 1e-5);
    const withIntensity = averagePatchEntropy(t, { patchSize: 2, stride: 2, beta: 0, intensity: tf.zeros([1, 4, 4, 1]) as tf.Tensor4D });
    expectClose(withIntensity.ape.dataSync(), ref.ape, 1e-5);
  });

  it('leaks no tensors', () => {
    const conf = tf.tensor4d(Float32Array.from(randomConfidence(1, 8, 8, 3, 1)), [1, 8, 8, 3], 'float32');
    const intensity = tf.tensor4d(Float32Array.from(randomValues(64, 2)), [1, 8, 8, 1], 'float32');
    const run = () => {
      const r = averagePatchEntropy(conf, { patchSize: 4, stride: 4, intensity });
      r.ape.dispose();
      r.meanConfidence.dispose();
    };
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad arguments with errors naming the function and argument', () => {
    const conf = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    expect(() => averagePatchEntropy(tf.zeros([4, 4, 2]) as unknown as tf.Tensor4D)).toThrow(
      /averagePatchEntropy: argument 'confidence' must be a rank-4 tensor/,
    );
    expect(() => averagePatchEntropy(conf, { patchSize: 8 })).toThrow(/option 'patchSize' \(8\) must not exceed the map size 4x4/);
    expect(() => averagePatchEntropy(conf, { patchSize: 2, beta: 1.5 })).toThrow(/option 'beta'/);
    expect(() => averagePatchEntropy(conf, { patchSize: 2, bins: 1 })).toThrow(/option 'bins'/);
    expect(() => averagePatchEntropy(conf, { patchSize: 2, stride: 0 })).toThrow(/'options.stride'/);
    expect(() => averagePatchEntropy(conf, { patchSize: 2, intensity: tf.zeros([1, 4, 5, 1]) as tf.Tensor4D })).toThrow(
      /option 'intensity' must have shape \[1, 4, 4, C>=1\]/,
    );
  });
});
