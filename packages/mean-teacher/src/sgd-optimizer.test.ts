import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SgdOptimizer } from './sgd-optimizer';
import { expectClose } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('SgdOptimizer (PyTorch SGD semantics)', () => {
  it('matches a hand-computed 2-step update with momentum 0.9 and weight decay 0.01', () => {
    // v = mu v + (g + wd w); w -= lr v
    // step 1: d = [0.5 + 0.01, 1 - 0.02] = [0.51, 0.98]; v = d; w = [1 - 0.051, -2 - 0.098] = [0.949, -2.098]
    // step 2 (lr 0.05): d = [-1 + 0.00949, 2 - 0.02098] = [-0.99051, 1.97902]
    //   v = 0.9 [0.51, 0.98] + d = [-0.53151, 2.86102]; w = [0.949 + 0.0265755, -2.098 - 0.143051]
    const w = tf.variable(tf.tensor1d([1, -2]), true, 'sgd-hand-w');
    const opt = new SgdOptimizer({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.01 });
    const g1 = tf.tensor1d([0.5, 1]);
    const g2 = tf.tensor1d([-1, 2]);
    opt.applyGradients({ [w.name]: g1 });
    expectClose(w.dataSync(), [0.949, -2.098], 1e-6);
    opt.setLearningRate(0.05);
    opt.applyGradients({ [w.name]: g2 });
    expectClose(w.dataSync(), [0.9755755, -2.241051], 1e-6);
    const state = opt.getState();
    expectClose(state[`${w.name}/momentum`].dataSync(), [-0.53151, 2.86102], 1e-6);
    expect(state.iterations.dataSync()[0]).toBe(2);
    expect(opt.iterations).toBe(2);
    tf.dispose([w, g1, g2, ...Object.values(state)]);
    opt.dispose();
  });

  it('equals tfjs MomentumOptimizer when weight decay is 0', () => {
    const a = tf.variable(tf.tensor2d([[0.3, -1], [2, 0.5]]), true, 'sgd-cmp-a');
    const b = tf.variable(tf.tensor2d([[0.3, -1], [2, 0.5]]), true, 'sgd-cmp-b');
    const ours = new SgdOptimizer({ learningRate: 0.05, momentum: 0.9, weightDecay: 0 });
    const theirs = tf.train.momentum(0.05, 0.9);
    for (let i = 0; i < 4; i++) {
      const g = tf.tensor2d([[i, -1], [0.5 * i, 2]]);
      ours.applyGradients({ [a.name]: g });
      theirs.applyGradients({ [b.name]: g } as never);
      g.dispose();
    }
    expectClose(a.dataSync(), b.dataSync(), 1e-6);
    tf.dispose([a, b]);
    ours.dispose();
    theirs.dispose();
  });

  it('works through tf.Optimizer.minimize', () => {
    const w = tf.variable(tf.tensor1d([2, -1]), true, 'sgd-minimize-w');
    const opt = new SgdOptimizer({ learningRate: 0.1, momentum: 0.9, weightDecay: 0 });
    opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]); // g = 2w; w -= 0.1 * 2w
    expectClose(w.dataSync(), [1.6, -0.8], 1e-6);
    w.dispose();
    opt.dispose();
  });

  it('supports Nesterov and plain SGD (momentum 0, no state)', () => {
    const w = tf.variable(tf.tensor1d([1]), true, 'sgd-nesterov-w');
    const opt = new SgdOptimizer({ learningRate: 0.1, momentum: 0.5, weightDecay: 0, nesterov: true });
    const g = tf.tensor1d([2]);
    opt.applyGradients({ [w.name]: g }); // v = 2; step = g + mu v = 3; w = 1 - 0.3
    expectClose(w.dataSync(), [0.7], 1e-6);
    const plain = new SgdOptimizer({ learningRate: 0.1, momentum: 0, weightDecay: 0.5 });
    plain.applyGradients({ [w.name]: g }); // w = 0.7 - 0.1 (2 + 0.35)
    expectClose(w.dataSync(), [0.465], 1e-6);
    const s = plain.getState();
    expect(Object.keys(s)).toEqual(['iterations']);
    tf.dispose([w, g, ...Object.values(s)]);
    opt.dispose();
  });

  it('skips null gradients and rejects unknown variables or wrong shapes', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'sgd-err-w');
    const opt = new SgdOptimizer();
    opt.applyGradients({ [w.name]: null as unknown as tf.Tensor });
    expectClose(w.dataSync(), [1, 2], 0);
    const g = tf.tensor1d([1, 2, 3]);
    expect(() => opt.applyGradients({ [w.name]: g })).toThrow(/SgdOptimizer.applyGradients: gradient \[3\] does not match variable 'sgd-err-w' \[2\]/);
    expect(() => opt.applyGradients({ nope: g })).toThrow(/no registered tf.Variable is named 'nope'/);
    expect(() => new SgdOptimizer({ learningRate: -1 })).toThrow(/SgdOptimizer: argument 'learningRate' must be >= 0/);
    expect(() => opt.setLearningRate(Number.NaN)).toThrow(/setLearningRate/);
    tf.dispose([w, g]);
    opt.dispose();
  });
});
