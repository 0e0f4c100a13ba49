import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOptimizer } from './create-optimizer';
import { ensureGradientsRegistered } from './ensure-gradients';
import { NonFiniteLossError } from './non-finite-loss-error';
import { SgdOptimizer } from './sgd-optimizer';
import { softmaxMse } from './softmax-mse';
import { supervisedLoss } from './supervised-loss';
import { trainStep } from './train-step';
import { expectClose, seededValues } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

let counter = 0;
function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A tiny conv segmenter: one 3x3 conv, 1 -> 3 classes, on 2 images of 4x4. */
function tinyConvProblem(): { kernel: tf.Variable; bias: tf.Variable; x: tf.Tensor4D; y: tf.Tensor3D; xu: tf.Tensor4D } {
  const kernel = tf.variable(tf.tensor4d(seededValues(27, 21, 0.3), [3, 3, 1, 3]), true, uniqueName('conv-k'));
  const bias = tf.variable(tf.zeros([3]), true, uniqueName('conv-b'));
  const img = seededValues(32, 4, 1);
  const x = tf.tensor4d(img, [2, 4, 4, 1]);
  // class from the intensity: < -0.33 -> 0, < 0.33 -> 1, else 2
  const y = tf.tensor3d(Array.from(img, (v) => (v < -0.33 ? 0 : v < 0.33 ? 1 : 2)), [2, 4, 4], 'int32');
  const xu = tf.tensor4d(seededValues(32, 9, 1), [2, 4, 4, 1]);
  return { kernel, bias, x, y, xu };
}

function forward(kernel: tf.Tensor4D, bias: tf.Tensor, x: tf.Tensor4D): tf.Tensor4D {
  return tf.add(tf.conv2d(x, kernel, 1, 'same'), bias) as tf.Tensor4D;
}

describe('trainStep', () => {
  it('checks that gradients are registered', () => {
    expect(() => ensureGradientsRegistered()).not.toThrow();
  });

  it('lowers the loss of a tiny conv segmenter (SGD, supervised + consistency)', async () => {
    const { kernel, bias, x, y, xu } = tinyConvProblem();
    const opt = createOptimizer({ name: 'sgd', learningRate: 0.5 });
    const teacherLogits = tf.zeros([2, 4, 4, 3]);
    const history: number[] = [];
    for (let step = 0; step < 25; step++) {
      const r = await trainStep({
        variables: [kernel, bias],
        optimizer: opt,
        step,
        losses: () => ({
          supervised: supervisedLoss(forward(kernel as tf.Variable<tf.Rank.R4>, bias, x), y),
          consistency: softmaxMse(forward(kernel as tf.Variable<tf.Rank.R4>, bias, xu), teacherLogits),
        }),
        weights: { consistency: 0.1 },
        rampup: 0.5,
      });
      expect(Object.keys(r.terms)).toEqual(['supervised', 'consistency']);
      expect(r.loss).toBeCloseTo(r.terms.supervised + 0.5 * 0.1 * r.terms.consistency, 5);
      history.push(r.loss);
    }
    expect(history[24]).toBeLessThan(0.8 * history[0]);
    opt.dispose();
    tf.dispose([kernel, bias, x, y, xu, teacherLogits]);
  });

  it('weights and ramps extra terms: update equals a manual gradient step', async () => {
    // L = sum(w^2) + r * (la * sum(c * w) + lb * sum(sin w)); dL/dw = 2w + r (la c + lb cos w)
    const w0 = [0.3, -1.2, 2];
    const c = [1, -2, 0.5];
    const la = 0.25;
    const lb = 3;
    const r = 0.4;
    const lr = 0.1;
    const w = tf.variable(tf.tensor1d(w0), true, uniqueName('manual-w'));
    const ct = tf.tensor1d(c);
    const opt = new SgdOptimizer({ learningRate: lr, momentum: 0, weightDecay: 0 });
    const result = await trainStep({
      variables: [w],
      optimizer: opt,
      step: 0,
      losses: () => ({ supervised: tf.sum(tf.square(w)), a: tf.sum(tf.mul(ct, w)), b: tf.sum(tf.sin(w)) }),
      weights: { a: la, b: lb },
      rampup: r,
    });
    const sup = w0.reduce((s, v) => s + v * v, 0);
    const ta = w0.reduce((s, v, i) => s + c[i] * v, 0);
    const tb = w0.reduce((s, v) => s + Math.sin(v), 0);
    expectClose([result.terms.supervised, result.terms.a, result.terms.b], [sup, ta, tb], 1e-5);
    expectClose([result.loss], [sup + r * (la * ta + lb * tb)], 1e-5);
    const expected = w0.map((v, i) => v - lr * (2 * v + r * (la * c[i] + lb * Math.cos(v))));
    expectClose(w.dataSync(), expected, 1e-6);
    opt.dispose();
    tf.dispose([w, ct]);
  });

  it('an extra term without a weight has weight 1; rampup defaults to 1; learningRate is applied', async () => {
    const w = tf.variable(tf.tensor1d([1]), true, uniqueName('default-w'));
    const opt = createOptimizer({ name: 'sgd', learningRate: 1, momentum: 0, weightDecay: 0 });
    const r = await trainStep({
      variables: [w],
      optimizer: opt.optimizer,
      step: 0,
      learningRate: 0.1,
      losses: () => ({ supervised: tf.sum(w), extra: tf.sum(tf.mul(w, 3)) }),
    });
    expect(r.loss).toBeCloseTo(4, 6);
    expectClose(w.dataSync(), [1 - 0.1 * 4], 1e-6);
    expect(opt.getLearningRate()).toBe(0.1);
    opt.dispose();
    w.dispose();
  });

  it('throws NonFiniteLossError naming the term, leaving variables, optimiser and buffers untouched', async () => {
    const w = tf.variable(tf.tensor1d([0.5, -0.5]), true, uniqueName('nan-w'));
    const buffer = tf.variable(tf.tensor1d([7, 7]), false, uniqueName('nan-buffer'));
    const opt = createOptimizer({ name: 'sgd', learningRate: 0.1 });
    await trainStep({ variables: [w], optimizer: opt, step: 0, losses: () => ({ supervised: tf.sum(tf.square(w)) }) });
    const wBefore = Array.from(w.dataSync());
    const tensorsBefore = tf.memory().numTensors;
    const stateBefore = opt.getState();
    const momentumBefore = Array.from(stateBefore[`${w.name}/momentum`].dataSync());
    let caught: unknown;
    try {
      await trainStep({
        variables: [w],
        optimizer: opt,
        step: 1,
        restoreOnNonFinite: [buffer],
        losses: () => {
          buffer.assign(tf.add(buffer, 1)); // a forward pass updating running statistics
          return { supervised: tf.sum(tf.square(w)), broken: tf.log(tf.sum(tf.sub(w, 10))) };
        },
        weights: { broken: 0.1 },
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NonFiniteLossError);
    const e = caught as NonFiniteLossError;
    expect(e.terms).toEqual(['broken']);
    expect(e.step).toBe(1);
    expect(Number.isNaN(e.values.broken)).toBe(true);
    expect(e.message).toMatch(/non-finite loss at step 1 \(broken = NaN\)/);
    expect(Array.from(w.dataSync())).toEqual(wBefore);
    expect(Array.from(buffer.dataSync())).toEqual([7, 7]);
    expect(opt.optimizer.iterations).toBe(1);
    const stateAfter = opt.getState();
    expect(Array.from(stateAfter[`${w.name}/momentum`].dataSync())).toEqual(momentumBefore);
    tf.dispose([...Object.values(stateBefore), ...Object.values(stateAfter)]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    opt.dispose();
    tf.dispose([w, buffer]);
  });

  it("names 'total' when the terms are finite but the weighted sum is not", async () => {
    const w = tf.variable(tf.tensor1d([1]), true, uniqueName('total-w'));
    const opt = createOptimizer({ name: 'sgd' });
    await expect(
      trainStep({
        variables: [w],
        optimizer: opt,
        step: 3,
        losses: () => ({ supervised: tf.sum(w), big: tf.mul(tf.sum(w), 3e38) }),
        weights: { big: 10 },
      }),
    ).rejects.toMatchObject({ name: 'NonFiniteLossError', terms: ['total'] });
    expect(Array.from(w.dataSync())).toEqual([1]);
    opt.dispose();
    w.dispose();
  });

  it('rejects non-finite gradients with checkGradients', async () => {
    const w = tf.variable(tf.tensor1d([0, 1]), true, uniqueName('grad-w'));
    const opt = createOptimizer({ name: 'sgd' });
    // sqrt(0) is finite but its gradient is infinite
    const run = (checkGradients: boolean) =>
      trainStep({ variables: [w], optimizer: opt, step: 0, checkGradients, losses: () => ({ supervised: tf.sum(tf.sqrt(w)) }) });
    await expect(run(true)).rejects.toThrow(new RegExp(`gradient of '${w.name}'`));
    expect(Array.from(w.dataSync())).toEqual([0, 1]);
    opt.dispose();
    w.dispose();
  });

  it('does not leak tensors over 100 steps', async () => {
    const { kernel, bias, x, y, xu } = tinyConvProblem();
    const opt = createOptimizer({ name: 'adam', learningRate: 0.01 });
    const teacher = tf.zeros([2, 4, 4, 3]);
    const step = (s: number) =>
      trainStep({
        variables: [kernel, bias],
        optimizer: opt,
        step: s,
        losses: () => ({
          supervised: supervisedLoss(forward(kernel as tf.Variable<tf.Rank.R4>, bias, x), y),
          consistency: softmaxMse(forward(kernel as tf.Variable<tf.Rank.R4>, bias, xu), teacher),
        }),
        weights: { consistency: 0.1 },
        rampup: 0.3,
      });
    await step(0); // creates the optimiser state
    const before = tf.memory().numTensors;
    for (let s = 1; s <= 100; s++) await step(s);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose([kernel, bias, x, y, xu, teacher]);
  });

  it('rejects bad options with named errors', async () => {
    const w = tf.variable(tf.tensor1d([1]), true, uniqueName('bad-w'));
    const frozen = tf.variable(tf.tensor1d([1]), false, uniqueName('bad-frozen'));
    const opt = createOptimizer({ name: 'sgd' });
    const base = { variables: [w], optimizer: opt, step: 0, losses: () => ({ supervised: tf.sum(w) }) };
    await expect(trainStep({ ...base, variables: [] })).rejects.toThrow(/trainStep: option 'variables' must be a non-empty array/);
    await expect(trainStep({ ...base, variables: [frozen] })).rejects.toThrow(/variables\[0\] .* is not trainable/);
    await expect(trainStep({ ...base, optimizer: {} as never })).rejects.toThrow(/option 'optimizer' must be a tf.Optimizer/);
    await expect(trainStep({ ...base, losses: () => ({ other: tf.sum(w) }) as never })).rejects.toThrow(/must return a 'supervised' term/);
    await expect(trainStep({ ...base, losses: () => ({ supervised: tf.mul(w, 1) as never }) })).rejects.toThrow(
      /losses\(\).supervised must be a float32 scalar tensor; got float32 of shape \[1\]/,
    );
    await expect(trainStep({ ...base, weights: { typo: 1 } })).rejects.toThrow(/option 'weights' names 'typo'/);
    await expect(trainStep({ ...base, rampup: Number.NaN })).rejects.toThrow(/argument 'rampup'/);
    await expect(trainStep({ ...base, learningRate: 0.1, optimizer: tf.train.adam(0.1) })).rejects.toThrow(/setLearningRate/);
    expect(Array.from(w.dataSync())).toEqual([1]);
    opt.dispose();
    tf.dispose([w, frozen]);
  });

  it('explains how to register gradients when a gradient function is missing', async () => {
    const w = tf.variable(tf.tensor1d([1, 3, 2]), true, uniqueName('topk-w'));
    const opt = createOptimizer({ name: 'sgd' });
    await expect(
      trainStep({ variables: [w], optimizer: opt, step: 0, losses: () => ({ supervised: tf.sum(tf.topk(w, 1).values) }) }),
    ).rejects.toThrow(/gradient function not found.*initBackend/s);
    opt.dispose();
    w.dispose();
  });
});
