import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { describe, expect, it } from 'vitest';
import { FUSED_BATCH_NORM_FLAG, fusedBatchNormActivation, fusedBatchNormActivationAvailable } from './batch-norm-activation';

/** Deterministic values in [-1, 1). */
function seeded(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Float64 reference: loss = sum(w * leaky(gamma (x + bias - mean) / sqrt(var + eps) + beta)), plus moments. */
function reference(x: Float64Array, bias: Float64Array, gamma: Float64Array, beta: Float64Array, w: Float64Array, c: number, eps: number, alpha: number) {
  const m = x.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mean[i % c] += (x[i] + bias[i % c]) / m;
  for (let i = 0; i < x.length; i++) variance[i % c] += (x[i] + bias[i % c] - mean[i % c]) ** 2 / m;
  const out = new Float64Array(x.length);
  let loss = 0;
  for (let i = 0; i < x.length; i++) {
    const k = i % c;
    const y = (gamma[k] * (x[i] + bias[k] - mean[k])) / Math.sqrt(variance[k] + eps) + beta[k];
    out[i] = y > 0 ? y : alpha * y;
    loss += w[i] * out[i];
  }
  return { out, mean, variance, loss };
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

const shape: [number, number, number, number] = [2, 3, 5, 4];
const c = shape[3];
const size = shape[0] * shape[1] * shape[2] * c;
const eps = 1e-5;
// Channel means far from zero (bias 3) test the shifted moments; gamma of both signs; beta moves the
// activation threshold.
const xs = seeded(size, 1).map((v, i) => 2 * v + (i % c) * 0.5 + 3);
const bias = seeded(c, 2);
const gamma = seeded(c, 3).map((v) => v + (v >= 0 ? 0.5 : -0.5));
const beta = seeded(c, 4).map((v) => 0.3 * v);
const w = seeded(size, 5);

describe.each(['cpu', 'wasm'] as const)('fused batch norm + leaky ReLU kernel on %s', (backend) => {
  it.each([0.01, 0])('values, moments and gradients equal a float64 reference and its finite differences (alpha %s)', async (alpha) => {
    await initBackend({ backend });
    expect(fusedBatchNormActivationAvailable()).toBe(true);
    const t = (v: Float64Array, s: number[]) => tf.tensor(Float32Array.from(v), s);
    const [xt, bt, gt, btt, wt] = [t(xs, shape), t(bias, [c]), t(gamma, [c]), t(beta, [c]), t(w, shape)];
    const { out, mean, variance } = fusedBatchNormActivation(xt as tf.Tensor4D, bt, gt, btt, eps, alpha);
    // float32 inputs: the reference uses the same rounded values
    const [x32, b32, g32, be32] = [xs, bias, gamma, beta].map((v) => Float64Array.from(Float32Array.from(v)));
    const ref = reference(x32, b32, g32, be32, w, c, eps, alpha);
    expect(out.shape).toEqual(shape);
    expect(maxRel(await out.data(), ref.out)).toBeLessThan(1e-5);
    expect(maxRel(await mean.data(), ref.mean)).toBeLessThan(1e-6);
    expect(maxRel(await variance.data(), ref.variance)).toBeLessThan(1e-5);

    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, g: tf.Tensor, be: tf.Tensor) =>
      tf.sum(tf.mul(fusedBatchNormActivation(a as tf.Tensor4D, b, g, be, eps, alpha).out, wt)),
    )([xt, bt, gt, btt]);
    const got = await Promise.all(grads.map((g) => g.data()));
    // central finite differences of the float64 reference, per argument
    const args = [x32, b32, g32, be32];
    args.forEach((arg, which) => {
      const fd = Array.from(arg, (_, i) => {
        const h = 1e-6;
        const plus = args.map((a) => a.slice());
        const minus = args.map((a) => a.slice());
        plus[which][i] += h;
        minus[which][i] -= h;
        const lp = reference(plus[0], plus[1], plus[2], plus[3], w, c, eps, alpha).loss;
        const lm = reference(minus[0], minus[1], minus[2], minus[3], w, c, eps, alpha).loss;
        return (lp - lm) / (2 * h);
      });
      if (which === 1) {
        // d/dbias is zero (the batch mean absorbs it): compare on the scale of d/dx
        const scale = Math.max(...Array.from(got[0], Math.abs));
        got[1].forEach((v, i) => expect(Math.abs(v - fd[i])).toBeLessThan(1e-4 * scale));
      } else {
        expect(maxRel(got[which], fd)).toBeLessThan(1e-3);
      }
    });
    tf.dispose([xt, bt, gt, btt, wt, out, mean, variance, ...grads]);
  });

  it('equals the composed ops (batch norm from moments, then leaky ReLU) and their autodiff gradients', async () => {
    await initBackend({ backend });
    const x = tf.tensor4d(Float32Array.from(xs), shape);
    const [b, g, be, wt] = [tf.tensor1d(Float32Array.from(bias)), tf.tensor1d(Float32Array.from(gamma)), tf.tensor1d(Float32Array.from(beta)), tf.tensor(Float32Array.from(w), shape)];
    const fusedLoss = (a: tf.Tensor, bb: tf.Tensor, gg: tf.Tensor, ee: tf.Tensor) => tf.sum(tf.mul(fusedBatchNormActivation(a as tf.Tensor4D, bb, gg, ee, eps, 0.01).out, wt));
    const composedLoss = (a: tf.Tensor, bb: tf.Tensor, gg: tf.Tensor, ee: tf.Tensor) => {
      const u = tf.add(a, bb);
      const { mean, variance } = tf.moments(u, [0, 1, 2]);
      return tf.sum(tf.mul(tf.leakyRelu(tf.batchNorm(u, mean, variance, ee, gg, eps), 0.01), wt));
    };
    const gf = tf.grads(fusedLoss)([x, b, g, be]);
    const gc = tf.grads(composedLoss)([x, b, g, be]);
    for (let i = 0; i < 4; i++) {
      const scale = Math.max(...Array.from(await gc[0].data(), Math.abs));
      const a = await gf[i].data();
      const r = await gc[i].data();
      a.forEach((v, j) => expect(Math.abs(v - r[j])).toBeLessThan(1e-4 * Math.max(scale, 1e-3) + 1e-5));
    }
    tf.dispose([x, b, g, be, wt, ...gf, ...gc]);
  });

  it('leaves no tensors behind across repeated gradient calls', async () => {
    await initBackend({ backend });
    const x = tf.tensor4d(Float32Array.from(xs), shape);
    const [b, g, be] = [tf.ones([c]), tf.ones([c]), tf.zeros([c])];
    const run = () => {
      const gs = tf.grads((a: tf.Tensor, bb: tf.Tensor, gg: tf.Tensor, ee: tf.Tensor) => tf.sum(fusedBatchNormActivation(a as tf.Tensor4D, bb, gg, ee, eps, 0.01).out))([x, b, g, be]);
      tf.dispose(gs);
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, b, g, be]);
  });
});

describe('fused batch norm switch', () => {
  it(`is off when the tfjs flag ${FUSED_BATCH_NORM_FLAG} is false, and off on backends without the kernels`, async () => {
    await initBackend({ backend: 'cpu' });
    tf.env().set(FUSED_BATCH_NORM_FLAG, false);
    try {
      expect(fusedBatchNormActivationAvailable()).toBe(false);
    } finally {
      tf.env().set(FUSED_BATCH_NORM_FLAG, true);
    }
    expect(fusedBatchNormActivationAvailable()).toBe(true);
  });
});
