import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormInference, batchNormTraining, instanceNorm, runningMomentsUpdate } from './normalize';

// Float64 references on flat channels-last arrays.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
function randomArray(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}
/** groups(i) -> group id; normalises within each (group, channel). */
function refNorm(x: number[], c: number, group: (pixel: number) => number, gamma: number[], beta: number[], eps: number) {
  const pixels = x.length / c;
  const sums = new Map<string, { s: number; n: number; ss: number }>();
  for (let p = 0; p < pixels; p++) {
    for (let k = 0; k < c; k++) {
      const key = `${group(p)}:${k}`;
      const e = sums.get(key) ?? { s: 0, n: 0, ss: 0 };
      e.s += x[p * c + k];
      e.n += 1;
      sums.set(key, e);
    }
  }
  for (let p = 0; p < pixels; p++) {
    for (let k = 0; k < c; k++) {
      const e = sums.get(`${group(p)}:${k}`)!;
      e.ss += (x[p * c + k] - e.s / e.n) ** 2;
    }
  }
  return x.map((v, i) => {
    const k = i % c;
    const e = sums.get(`${group(Math.floor(i / c))}:${k}`)!;
    const mean = e.s / e.n;
    const variance = e.ss / e.n;
    return (gamma[k] * (v - mean)) / Math.sqrt(variance + eps) + beta[k];
  });
}

const N = 2;
const H = 3;
const W = 2;
const C = 3;
const SIZE = N * H * W * C;

describe('normalisation', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('batchNormTraining matches a float64 reference and returns the biased batch moments', () => {
    const xv = randomArray(SIZE, 1, -2, 3);
    const gv = [0.5, 1.5, -1];
    const bv = [0.1, -0.2, 0.3];
    const x = tf.tensor4d(xv, [N, H, W, C]);
    const { y, mean, variance } = batchNormTraining(x, tf.tensor1d(gv), tf.tensor1d(bv), 1e-5);
    expect(y.shape).toEqual([N, H, W, C]);
    expect(y.dtype).toBe('float32');
    const ref = refNorm(xv, C, () => 0, gv, bv, 1e-5);
    const got = y.dataSync();
    ref.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
    const m = mean.dataSync();
    const vr = variance.dataSync();
    for (let k = 0; k < C; k++) {
      const vals = xv.filter((_, i) => i % C === k);
      const mu = vals.reduce((a, b) => a + b, 0) / vals.length;
      expect(m[k]).toBeCloseTo(mu, 5);
      expect(vr[k]).toBeCloseTo(vals.reduce((a, b) => a + (b - mu) ** 2, 0) / vals.length, 5);
    }
  });

  it('batchNormInference uses the given statistics', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = batchNormInference(x, tf.tensor1d([1]), tf.tensor1d([4 - 1e-5]), tf.tensor1d([2]), tf.tensor1d([1]), 1e-5);
    // 2 (x - 1) / 2 + 1 = x
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4].map((v) => expect.closeTo(v, 5)));
  });

  it('instanceNorm normalises each image and channel separately', () => {
    const xv = randomArray(SIZE, 2, -1, 4);
    const gv = [1, 2, 0.5];
    const bv = [0, 1, -1];
    const y = instanceNorm(tf.tensor4d(xv, [N, H, W, C]), tf.tensor1d(gv), tf.tensor1d(bv), 1e-5);
    const ref = refNorm(xv, C, (p) => Math.floor(p / (H * W)), gv, bv, 1e-5);
    const got = y.dataSync();
    ref.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
  });

  it('rejects mis-shaped arguments, naming the function and argument', () => {
    const x = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    expect(() => batchNormTraining(x, tf.ones([2]) as tf.Tensor1D, tf.zeros([3]) as tf.Tensor1D, 1e-5)).toThrow(
      /batchNormTraining: argument 'gamma' must have shape \[3\], got \[2\]/,
    );
    expect(() => instanceNorm(tf.zeros([2, 3]) as unknown as tf.Tensor4D, tf.ones([3]) as tf.Tensor1D, tf.zeros([3]) as tf.Tensor1D, 1e-5)).toThrow(
      /instanceNorm: argument 'x' must be a rank-4 tensor/,
    );
  });

  for (const kind of ['batch', 'instance'] as const) {
    it(`${kind} norm gradients match float64 finite differences (rtol 1e-3)`, () => {
      const xv = randomArray(SIZE, 3, -1, 1);
      const gv = [0.7, 1.3, -0.9];
      const bv = [0.2, 0, -0.1];
      const upstream = randomArray(SIZE, 4, -1, 1);
      const group = kind === 'batch' ? () => 0 : (p: number) => Math.floor(p / (H * W));
      // f(x, gamma, beta) = sum(upstream * norm(x)): the explicit upstream gradient is `upstream`.
      const f64 = (x: number[], g: number[], b: number[]) =>
        refNorm(x, C, group, g, b, 1e-5).reduce((a, v, i) => a + v * upstream[i], 0);
      const up = tf.tensor4d(upstream, [N, H, W, C]);
      const grads = tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const y =
          kind === 'batch'
            ? batchNormTraining(x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5).y
            : instanceNorm(x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5);
        return tf.sum(tf.mul(y, up));
      })([tf.tensor4d(xv, [N, H, W, C]), tf.tensor1d(gv), tf.tensor1d(bv)]);
      const h = 1e-6;
      const args = [xv, gv, bv];
      args.forEach((arg, which) => {
        const got = grads[which].dataSync();
        arg.forEach((_, i) => {
          const plus = args.map((a) => a.slice());
          const minus = args.map((a) => a.slice());
          plus[which][i] += h;
          minus[which][i] -= h;
          const fd = (f64(plus[0], plus[1], plus[2]) - f64(minus[0], minus[1], minus[2])) / (2 * h);
          expect(Math.abs(got[i] - fd)).toBeLessThanOrEqual(1e-3 * Math.abs(fd) + 1e-4);
        });
      });
    });
  }

  it('runningMomentsUpdate follows PyTorch: momentum 0.1 and the unbiased batch variance', () => {
    const next = runningMomentsUpdate(
      tf.tensor1d([0, 1]),
      tf.tensor1d([1, 2]),
      tf.tensor1d([2, -1]),
      tf.tensor1d([0.5, 3]),
      4,
      0.1,
    );
    // mean: 0.9*0 + 0.1*2 = 0.2, 0.9*1 + 0.1*(-1) = 0.8; var: 0.9*1 + 0.1*0.5*4/3, 0.9*2 + 0.1*3*4/3
    expect(Array.from(next.mean.dataSync())).toEqual([expect.closeTo(0.2, 6), expect.closeTo(0.8, 6)]);
    expect(Array.from(next.variance.dataSync())).toEqual([expect.closeTo(0.9 + 0.2 / 3, 6), expect.closeTo(2.2, 6)]);
    expect(() => runningMomentsUpdate(tf.zeros([1]) as tf.Tensor1D, tf.ones([1]) as tf.Tensor1D, tf.zeros([1]) as tf.Tensor1D, tf.ones([1]) as tf.Tensor1D, 1, 0.1)).toThrow(
      /runningMomentsUpdate: argument 'count' must be an integer > 1/,
    );
  });

  it('does not leak tensors', () => {
    const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const g = tf.ones([3]) as tf.Tensor1D;
    const b = tf.zeros([3]) as tf.Tensor1D;
    const run = () => {
      const r = batchNormTraining(x, g, b, 1e-5);
      tf.dispose([r.y, r.mean, r.variance, instanceNorm(x, g, b, 1e-5)]);
    };
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
  });
});
