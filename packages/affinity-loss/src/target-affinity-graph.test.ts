import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { embeddingAffinityGraph } from './embedding-affinity-graph';
import { stopGradient } from './stop-gradient';
import { targetAffinityGraph } from './target-affinity-graph';
import { dot, flat, logSoftmaxRow, randomMatrix, randomProbabilities, refTargetGraph } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('targetAffinityGraph', () => {
  it('matches a graph computed by hand', () => {
    const q = tf.tensor2d([
      [1, 0],
      [0.9, 0.1],
      [0, 1],
    ]);
    // W = [[1, .9, 0], [.9, 1, .1 -> 0], [0, 0, 1]]; rows / [1.9, 1.9, 1]
    const w = targetAffinityGraph(q);
    expect(w.shape).toEqual([3, 3]);
    expect(w.dtype).toBe('float32');
    const expected = [1 / 1.9, 0.9 / 1.9, 0, 0.9 / 1.9, 1 / 1.9, 0, 0, 0, 1];
    Array.from(w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('equals the float64 reference for soft confidences and several thresholds', () => {
    const q = randomProbabilities(6, 3, 4, 5);
    for (const threshold of [0, 0.3, 0.8, 1.5]) {
      const w = targetAffinityGraph(tf.tensor2d(flat(q), [6, 3]), { threshold }).dataSync();
      const ref = flat(refTargetGraph(q, threshold));
      ref.forEach((v, i) => expect(Math.abs(w[i] - v)).toBeLessThan(1e-6));
      for (let r = 0; r < 6; r++) {
        const sum = ref.slice(r * 6, r * 6 + 6).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 10);
      }
    }
  });

  it('handles one patch and rejects bad input', () => {
    expect(Array.from(targetAffinityGraph(tf.tensor2d([[0.5, 0.5]])).dataSync())).toEqual([1]);
    expect(() => targetAffinityGraph(tf.zeros([3]) as unknown as tf.Tensor2D)).toThrow(/targetAffinityGraph: argument 'q' must be a rank-2/);
    expect(() => targetAffinityGraph(tf.zeros([2, 2]) as tf.Tensor2D, { threshold: Number.POSITIVE_INFINITY })).toThrow(
      /option 'threshold'/,
    );
    expect(() => targetAffinityGraph(tf.zeros([2, 2], 'int32') as tf.Tensor2D)).toThrow(/must be float32/);
  });

  it('leaks no tensors', () => {
    const q = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    targetAffinityGraph(q).dispose();
    const before = tf.memory().numTensors;
    targetAffinityGraph(q).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('embeddingAffinityGraph', () => {
  it('is the row softmax of the scaled similarities', () => {
    const a = randomMatrix(4, 3, 1);
    const b = randomMatrix(5, 3, 2);
    const g = embeddingAffinityGraph(tf.tensor2d(flat(a), [4, 3]), tf.tensor2d(flat(b), [5, 3]), { temperature: 0.3 });
    expect(g.shape).toEqual([4, 5]);
    const values = g.dataSync();
    a.forEach((ai, i) => {
      const ref = logSoftmaxRow(b.map((bj) => dot(ai, bj) / 0.3)).map(Math.exp);
      ref.forEach((v, j) => expect(Math.abs(values[i * 5 + j] - v)).toBeLessThan(1e-6));
    });
    expect(() => embeddingAffinityGraph(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D)).toThrow(
      /embeddingAffinityGraph: arguments 'zA'.*same width/,
    );
  });
});

describe('stopGradient', () => {
  it('is the identity forward and blocks the gradient', () => {
    const x = tf.tensor1d([1, -2, 3]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([1, -2, 3]);
    // d/dx sum(x * stop(x)) = stop(x) = x (not 2x)
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, stopGradient(v))))(x);
    expect(Array.from(g.dataSync())).toEqual([1, -2, 3]);
  });
});
