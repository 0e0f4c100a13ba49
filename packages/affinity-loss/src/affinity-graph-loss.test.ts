import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { affinityGraphLoss } from './affinity-graph-loss';
import {
  finiteDifferences,
  flat,
  permuteRows,
  randomMatrix,
  randomProbabilities,
  refRelationLoss,
  refTargetLoss,
  type Matrix,
} from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const t2 = (m: Matrix) => tf.tensor2d(flat(m), [m.length, m[0].length]);

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Number.isFinite(actual[i])).toBe(true);
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(atol + rtol * Math.abs(expected[i]));
  }
}

/** Labeled-like one-hot confidences plus soft ones, so the target graph has real edges. */
function mixedConfidences(n: number, k: number, seed: number): Matrix {
  const soft = randomProbabilities(n, k, seed, 4);
  return soft.map((row, i) => (i % 2 === 0 ? Float64Array.from(row, (_, c) => (c === i % k ? 1 : 0)) : row));
}

describe('affinityGraphLoss', () => {
  const n = 7;
  const d = 5;
  const k = 3;
  const zS = randomMatrix(n, d, 11);
  const zT = randomMatrix(n, d, 12);
  const q = mixedConfidences(n, k, 13);

  it("returns a float32 scalar equal to the float64 reference in 'target' mode", () => {
    for (const [temperature, threshold] of [
      [0.2, 0.8],
      [0.5, 0.3],
      [0.05, 0.95],
    ]) {
      const loss = affinityGraphLoss(t2(zS), t2(zT), t2(q), { temperature, threshold });
      expect(loss.rank).toBe(0);
      expect(loss.dtype).toBe('float32');
      const expected = refTargetLoss(zS, zT, q, temperature, threshold);
      expectAllClose(loss.dataSync(), [expected], 1e-5, 1e-6);
    }
  });

  it("equals the float64 reference KL in 'relation' mode", () => {
    const loss = affinityGraphLoss(t2(zS), t2(zT), t2(q), { mode: 'relation' });
    expectAllClose(loss.dataSync(), [refRelationLoss(zS, zT, 0.05, 0.1)], 1e-5, 1e-6);
    const other = affinityGraphLoss(t2(zS), t2(zT), t2(q), {
      mode: 'relation',
      teacherTemperature: 0.2,
      studentTemperature: 0.3,
    });
    expectAllClose(other.dataSync(), [refRelationLoss(zS, zT, 0.2, 0.3)], 1e-5, 1e-6);
  });

  it('gives the same value and gradient for every chunk size', () => {
    for (const mode of ['target', 'relation'] as const) {
      const f = (chunkSize: number) => {
        const zt = t2(zT);
        const qq = t2(q);
        const g = tf.valueAndGrad((x: tf.Tensor) => affinityGraphLoss(x as tf.Tensor2D, zt, qq, { mode, chunkSize }));
        const { value, grad } = g(t2(zS));
        return { value: value.dataSync()[0], grad: Array.from(grad.dataSync()) };
      };
      const whole = f(1024);
      for (const chunkSize of [1, 2, 3, 6]) {
        const part = f(chunkSize);
        expectAllClose([part.value], [whole.value], 1e-6, 1e-6);
        expectAllClose(part.grad, whole.grad, 1e-5, 1e-6);
      }
    }
  });

  it('has gradients with respect to zStudent that match finite differences of the float64 reference', () => {
    const cases = [
      { options: { mode: 'target' as const }, ref: (x: Matrix) => refTargetLoss(x, zT, q, 0.2, 0.8) },
      { options: { mode: 'target' as const, temperature: 0.5, threshold: 0.4, chunkSize: 3 }, ref: (x: Matrix) => refTargetLoss(x, zT, q, 0.5, 0.4) },
      { options: { mode: 'relation' as const }, ref: (x: Matrix) => refRelationLoss(x, zT, 0.05, 0.1) },
      { options: { mode: 'relation' as const, chunkSize: 2 }, ref: (x: Matrix) => refRelationLoss(x, zT, 0.05, 0.1) },
    ];
    for (const { options, ref } of cases) {
      const zt = t2(zT);
      const qq = t2(q);
      const dy = 1.7; // explicit upstream gradient
      const grad = tf.grad((x: tf.Tensor) => tf.mul(affinityGraphLoss(x as tf.Tensor2D, zt, qq, options), dy))(t2(zS));
      expect(grad.shape).toEqual([n, d]);
      const fd = flat(finiteDifferences(ref, zS.map((r) => Float64Array.from(r)))).map((v) => v * dy);
      const scale = Math.max(...fd.map(Math.abs));
      expectAllClose(grad.dataSync(), fd, 1e-3, 1e-4 * scale);
    }
  });

  it('matches autodiff through plain tensor ops (independent of the custom gradient)', () => {
    const zt = t2(zT);
    const qq = t2(q);
    const naive = (x: tf.Tensor) => {
      const w = tf.tensor2d(flat(refTargetGraphFromQ(q, 0.8)), [n, n]);
      const logS = tf.logSoftmax(tf.div(tf.matMul(x as tf.Tensor2D, zt, false, true), 0.2));
      return tf.div(tf.neg(tf.sum(tf.mul(w, logS))), n) as tf.Scalar;
    };
    const expected = tf.grad(naive)(t2(zS)).dataSync();
    const actual = tf.grad((x: tf.Tensor) => affinityGraphLoss(x as tf.Tensor2D, zt, qq))(t2(zS)).dataSync();
    expectAllClose(actual, expected, 1e-4, 1e-6);
  });

  it('treats the teacher embeddings and q as constants (zero gradient)', () => {
    const [gT, gQ] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      affinityGraphLoss(t2(zS), a as tf.Tensor2D, b as tf.Tensor2D, { mode: 'relation' }),
    )([t2(zT), t2(q)]);
    expect(Math.max(...Array.from(gT.dataSync(), Math.abs))).toBe(0);
    expect(Math.max(...Array.from(gQ.dataSync(), Math.abs))).toBe(0);
  });

  it('is unchanged when the patches are permuted', () => {
    const perm = [3, 0, 6, 1, 5, 2, 4];
    for (const mode of ['target', 'relation'] as const) {
      const a = affinityGraphLoss(t2(zS), t2(zT), t2(q), { mode }).dataSync()[0];
      const b = affinityGraphLoss(t2(permuteRows(zS, perm)), t2(permuteRows(zT, perm)), t2(permuteRows(q, perm)), {
        mode,
      }).dataSync()[0];
      expect(Math.abs(a - b)).toBeLessThan(1e-5 * Math.abs(a) + 1e-6);
    }
  });

  it('is lower when the student graph agrees with the target than when it does not', () => {
    // Two classes; teacher embeddings cluster by class; aligned student = teacher, misaligned =
    // teacher with the classes swapped.
    const m = 8;
    const qq: Matrix = [];
    const teacher: Matrix = [];
    const swapped: Matrix = [];
    const jitter = randomMatrix(m, 4, 5, false);
    for (let i = 0; i < m; i++) {
      const c = i < m / 2 ? 0 : 1;
      qq.push(Float64Array.from([1 - c, c]));
      const base = c === 0 ? [1, 0, 0, 0] : [0, 1, 0, 0];
      const other = c === 0 ? [0, 1, 0, 0] : [1, 0, 0, 0];
      teacher.push(normalise(base.map((v, j) => v + 0.1 * jitter[i][j])));
      swapped.push(normalise(other.map((v, j) => v + 0.1 * jitter[i][j])));
    }
    for (const mode of ['target', 'relation'] as const) {
      const aligned = affinityGraphLoss(t2(teacher), t2(teacher), t2(qq), { mode }).dataSync()[0];
      const misaligned = affinityGraphLoss(t2(swapped), t2(teacher), t2(qq), { mode }).dataSync()[0];
      expect(aligned).toBeLessThan(misaligned);
    }
  });

  it('is 0 for a single patch, and finite for extreme logits', () => {
    const one = [Float64Array.from([0.6, 0.8])];
    for (const mode of ['target', 'relation'] as const) {
      expect(affinityGraphLoss(t2(one), t2(one), t2([Float64Array.from([1])]), { mode }).dataSync()[0]).toBe(0);
    }
    const big = zS.map((r) => r.map((v) => v * 100));
    const loss = affinityGraphLoss(t2(big), t2(zT), t2(q), { temperature: 1e-3 });
    const grad = tf.grad((x: tf.Tensor) => affinityGraphLoss(x as tf.Tensor2D, t2(zT), t2(q), { temperature: 1e-3 }))(t2(big));
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    expectAllClose(loss.dataSync(), [refTargetLoss(big, zT, q, 1e-3, 0.8)], 1e-4, 1e-3);
  });

  it('leaks no tensors in the forward or backward pass', () => {
    const zs = t2(zS);
    const zt = t2(zT);
    const qq = t2(q);
    const run = () => {
      for (const chunkSize of [2, 1024]) {
        for (const mode of ['target', 'relation'] as const) {
          affinityGraphLoss(zs, zt, qq, { mode, chunkSize }).dispose();
          const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => affinityGraphLoss(x as tf.Tensor2D, zt, qq, { mode, chunkSize }))(zs);
          value.dispose();
          grad.dispose();
        }
      }
    };
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad shapes and options with errors naming the function and argument', () => {
    const zs = t2(zS);
    const zt = t2(zT);
    const qq = t2(q);
    expect(() => affinityGraphLoss(tf.zeros([n, d + 1]) as tf.Tensor2D, zt, qq)).toThrow(/affinityGraphLoss: arguments 'zStudent'.*same shape/);
    expect(() => affinityGraphLoss(zs, tf.zeros([n - 1, d]) as tf.Tensor2D, qq)).toThrow(/affinityGraphLoss.*same shape/);
    expect(() => affinityGraphLoss(zs, zt, tf.zeros([n + 1, k]) as tf.Tensor2D)).toThrow(/affinityGraphLoss: argument 'q' must have N = 7 rows/);
    expect(() => affinityGraphLoss(tf.zeros([n, d, 1]) as unknown as tf.Tensor2D, zt, qq)).toThrow(/argument 'zStudent' must be a rank-2/);
    expect(() => affinityGraphLoss(zs, zt, qq, { temperature: 0 })).toThrow(/option 'temperature'/);
    expect(() => affinityGraphLoss(zs, zt, qq, { chunkSize: 1.5 })).toThrow(/option 'chunkSize'/);
    expect(() => affinityGraphLoss(zs, zt, qq, { mode: 'other' as 'target' })).toThrow(/option 'mode'/);
    expect(() => affinityGraphLoss(zs, zt, qq, { threshold: Number.NaN })).toThrow(/option 'threshold'/);
  });
});

function normalise(v: number[]): Float64Array {
  const s = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return Float64Array.from(v, (x) => x / s);
}

/** The target graph, recomputed from its definition for the autodiff comparison. */
function refTargetGraphFromQ(q: Matrix, threshold: number): Matrix {
  return q.map((qi, i) => {
    const row = q.map((qj, j) => {
      if (i === j) return 1;
      const v = qi.reduce((a, x, c) => a + x * qj[c], 0);
      return v < threshold ? 0 : v;
    });
    const total = row.reduce((a, x) => a + x, 0);
    return Float64Array.from(row, (x) => x / total);
  });
}
