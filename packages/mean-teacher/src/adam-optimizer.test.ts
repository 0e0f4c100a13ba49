import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamOptimizer } from './adam-optimizer';
import { expectClose } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('AdamOptimizer (PyTorch Adam semantics)', () => {
  it('matches a hand-computed 2-step update', () => {
    // step 1: m = 0.1 g, v = 0.001 g^2, mhat = g, vhat = g^2 -> w -= 0.1 * g/|g| = [0.9, -2.1]
    // step 2: m = [0.045 - 0.1, 0.09 + 0.2] = [-0.055, 0.29]
    //   v = [0.999 * 0.00025 + 0.001, 0.999 * 0.001 + 0.004] = [0.00124975, 0.004999]
    //   mhat = m / 0.19 = [-0.289474, 1.526316]; vhat = v / 0.001999 = [0.625188, 2.500750]
    //   w -= 0.1 * mhat / (sqrt(vhat) + 1e-8) -> [0.9 + 0.036610, -2.1 - 0.096518]
    const w = tf.variable(tf.tensor1d([1, -2]), true, 'adam-hand-w');
    const opt = new AdamOptimizer({ learningRate: 0.1 });
    const g1 = tf.tensor1d([0.5, 1]);
    const g2 = tf.tensor1d([-1, 2]);
    opt.applyGradients({ [w.name]: g1 });
    expectClose(w.dataSync(), [0.9, -2.1], 1e-6);
    opt.applyGradients({ [w.name]: g2 });
    expectClose(w.dataSync(), [0.93661035, -2.1965182], 2e-6);
    const s = opt.getState();
    expectClose(s[`${w.name}/m`].dataSync(), [-0.055, 0.29], 1e-7);
    expectClose(s[`${w.name}/v`].dataSync(), [0.00124975, 0.004999], 1e-8);
    expect(s[`${w.name}/step`].dataSync()[0]).toBe(2);
    tf.dispose([w, g1, g2, ...Object.values(s)]);
    opt.dispose();
  });

  it('applies coupled and decoupled weight decay', () => {
    // coupled, one step: g' = g + wd w = 0.5 + 0.1 * 1 = 0.6 -> w = 1 - lr * sign(g') = 0.9
    // decoupled, one step: w = 1 (1 - lr wd) - lr * sign(g) = 0.99 - 0.1 = 0.89
    const a = tf.variable(tf.tensor1d([1]), true, 'adam-wd-a');
    const b = tf.variable(tf.tensor1d([1]), true, 'adam-wd-b');
    const g = tf.tensor1d([0.5]);
    const coupled = new AdamOptimizer({ learningRate: 0.1, weightDecay: 0.1 });
    const decoupled = new AdamOptimizer({ learningRate: 0.1, weightDecay: 0.1, decoupledWeightDecay: true });
    coupled.applyGradients({ [a.name]: g });
    decoupled.applyGradients({ [b.name]: g });
    expectClose(a.dataSync(), [0.9], 1e-6);
    expectClose(b.dataSync(), [0.89], 1e-6);
    // second coupled step: g' = 0.5 + 0.09 = 0.59; m = 0.9*0.06 + 0.059 = 0.113; v = 0.999*0.00036 + 0.001*0.3481
    const m = 0.9 * 0.06 + 0.1 * 0.59;
    const v = 0.999 * 0.00036 + 0.001 * 0.59 ** 2;
    const expected = 0.9 - (0.1 * (m / 0.19)) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
    coupled.applyGradients({ [a.name]: g });
    expectClose(a.dataSync(), [expected], 2e-6);
    tf.dispose([a, b, g]);
    coupled.dispose();
    decoupled.dispose();
  });

  it('rejects bad options', () => {
    expect(() => new AdamOptimizer({ beta1: 1 })).toThrow(/beta1/);
    expect(() => new AdamOptimizer({ epsilon: 0 })).toThrow(/AdamOptimizer: argument 'epsilon' must be > 0/);
  });
});
