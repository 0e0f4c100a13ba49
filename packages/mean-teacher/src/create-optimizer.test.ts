import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamOptimizer } from './adam-optimizer';
import { createOptimizer } from './create-optimizer';
import { SgdOptimizer } from './sgd-optimizer';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

function gradsAt(step: number, vars: tf.Variable[]): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  vars.forEach((v, i) => {
    out[v.name] = tf.tidy(() => tf.add(tf.mul(v, 0.3), tf.fill(v.shape, Math.sin(step + i))));
  });
  return out;
}

describe('createOptimizer', () => {
  it('builds SGD (momentum 0.9, weight decay 1e-4, lr 0.01) and Adam with the documented defaults', () => {
    const sgd = createOptimizer({ name: 'sgd' });
    expect(sgd.optimizer).toBeInstanceOf(SgdOptimizer);
    expect(sgd.optimizer).toBeInstanceOf(tf.Optimizer);
    expect(sgd.optimizer.getConfig()).toEqual({ learningRate: 0.01, momentum: 0.9, weightDecay: 1e-4, nesterov: false });
    sgd.setLearningRate(0.002);
    expect(sgd.getLearningRate()).toBe(0.002);
    const adam = createOptimizer({ name: 'adam' });
    expect(adam.optimizer).toBeInstanceOf(AdamOptimizer);
    expect(adam.optimizer.getConfig()).toMatchObject({ learningRate: 1e-3, weightDecay: 1e-4 });
    expect(() => createOptimizer({ name: 'rmsprop' as never })).toThrow(/createOptimizer: option 'name' must be one of 'sgd', 'adam'/);
    sgd.dispose();
    adam.dispose();
  });

  for (const name of ['sgd', 'adam'] as const) {
    it(`${name}: exported then imported state continues identically, by name`, () => {
      const w: tf.Variable[] = [
        tf.variable(tf.tensor2d([[0.5, -1], [2, 0.25]]), true, `${name}-name-w0`),
        tf.variable(tf.tensor1d([0.1, 0.2, -0.3]), true, `${name}-name-w1`),
      ];
      const original = createOptimizer({ name, learningRate: 0.05 });
      const run = (opt: typeof original, from: number, to: number): void => {
        for (let s = from; s < to; s++) {
          const g = gradsAt(s, w);
          opt.optimizer.applyGradients(g);
          tf.dispose(g);
        }
      };
      run(original, 0, 3);
      // checkpoint: weights + optimiser state
      const savedWeights = w.map((v) => tf.clone(v));
      const state = original.getState();
      run(original, 3, 6);
      const expected = w.map((v) => Array.from(v.dataSync()));
      // resume from the checkpoint with a fresh optimiser
      w.forEach((v, i) => v.assign(savedWeights[i]));
      const resumed = createOptimizer({ name, learningRate: 0.05 });
      resumed.setState(state);
      tf.dispose([...savedWeights, ...Object.values(state)]);
      run(resumed, 3, 6);
      w.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(expected[i]));
      expect(resumed.optimizer.iterations).toBe(6);
      original.dispose();
      resumed.dispose();
      tf.dispose(w);
    });

    it(`${name}: state keyed by position restores onto other variables (a rebuilt model)`, () => {
      const init = [tf.tensor2d([[0.5, -1], [2, 0.25]]), tf.tensor1d([0.1, 0.2, -0.3])];
      const a = init.map((t, i) => tf.variable(t, true, `${name}-pos-a${i}`));
      const b = init.map((t, i) => tf.variable(t, true, `${name}-pos-b${i}`));
      const first = createOptimizer({ name, learningRate: 0.05 });
      const step = (opt: typeof first, vars: tf.Variable[], s: number): void => {
        const g = gradsAt(s, vars);
        opt.optimizer.applyGradients(g);
        tf.dispose(g);
      };
      for (let s = 0; s < 3; s++) step(first, a, s);
      a.forEach((v, i) => b[i].assign(v));
      const state = first.getState(a);
      expect(Object.keys(state)).toContain(name === 'sgd' ? '0/momentum' : '1/v');
      const second = createOptimizer({ name, learningRate: 0.05 });
      second.setState(state, b);
      tf.dispose(Object.values(state));
      const before = tf.memory().numTensors;
      for (let s = 3; s < 6; s++) {
        step(first, a, s);
        step(second, b, s);
      }
      expect(tf.memory().numTensors).toBe(before);
      a.forEach((v, i) => expect(Array.from(b[i].dataSync())).toEqual(Array.from(v.dataSync())));
      first.dispose();
      second.dispose();
      tf.dispose([...a, ...b, ...init]);
    });
  }

  it('setState rejects malformed state', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'state-err-w');
    const opt = createOptimizer({ name: 'sgd' });
    const wrong = tf.zeros([3]);
    expect(() => opt.setState({ [`${w.name}/momentum`]: wrong })).toThrow(/SgdOptimizer.setState: 'state-err-w\/momentum' \[3\] does not match variable 'state-err-w' \[2\]/);
    expect(() => opt.setState({ 'ghost/momentum': wrong })).toThrow(/not registered; pass the variable list/);
    expect(() => opt.setState({ [`${w.name}/velocity`]: wrong })).toThrow(/unknown slot 'velocity'/);
    expect(() => opt.setState({ '5/momentum': wrong }, [w])).toThrow(/not a position in the 1 variables/);
    tf.dispose([w, wrong]);
    opt.dispose();
  });

  it('round-trips through the tf.Optimizer getWeights / setWeights interface', async () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'weights-rt-w');
    const opt = createOptimizer({ name: 'adam', learningRate: 0.1 });
    const g = tf.tensor1d([0.5, -0.5]);
    opt.optimizer.applyGradients({ [w.name]: g });
    const weights = await opt.optimizer.getWeights();
    expect(weights.map((x) => x.name).sort()).toEqual(['iter', `${w.name}/m`, `${w.name}/step`, `${w.name}/v`].sort());
    const other = createOptimizer({ name: 'adam', learningRate: 0.1 });
    await other.optimizer.setWeights(weights);
    expect(other.optimizer.iterations).toBe(1);
    const s1 = opt.getState();
    const s2 = other.getState();
    for (const k of Object.keys(s1)) expect(Array.from(s2[k].dataSync())).toEqual(Array.from(s1[k].dataSync()));
    tf.dispose([w, g, ...weights.map((x) => x.tensor), ...Object.values(s1), ...Object.values(s2)]);
    opt.dispose();
    other.dispose();
  });
});
