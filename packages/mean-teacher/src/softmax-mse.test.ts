import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { softmaxMse } from './softmax-mse';
import { expectClose, finiteDifference, seededValues, softmax64 } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const shape: [number, number, number, number] = [2, 2, 2, 3];
const K = 3;
const s = seededValues(24, 1, 2);
const t = seededValues(24, 2, 2);

function mse64(a: ArrayLike<number>, b: ArrayLike<number>, teacherIsProb = false): number {
  const pa = softmax64(a, K);
  const pb = teacherIsProb ? Float64Array.from(b) : softmax64(b, K);
  let sum = 0;
  for (let i = 0; i < pa.length; i++) sum += (pa[i] - pb[i]) ** 2;
  return sum / pa.length;
}

describe('softmaxMse', () => {
  it('is the mean over all elements of (softmax(s) - softmax(t))^2', () => {
    const a = tf.tensor4d(s, shape);
    const b = tf.tensor4d(t, shape);
    const l = softmaxMse(a, b);
    expect(l.shape).toEqual([]);
    expectClose(l.dataSync(), [mse64(s, t)], 1e-6);
    const pb = tf.softmax(b);
    const lp = softmaxMse(a, pb, { teacherInput: 'probabilities' });
    expectClose(lp.dataSync(), [mse64(s, t)], 1e-6);
    tf.dispose([a, b, l, pb, lp]);
  });

  it('passes gradient to the student only (teacher is a constant)', () => {
    const a = tf.tensor4d(s, shape);
    const b = tf.tensor4d(t, shape);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => softmaxMse(x, y))([a, b]);
    expectClose(ga.dataSync(), finiteDifference((x) => mse64(x, t), s), 1e-7, 1e-3);
    expectClose(gb.dataSync(), new Array(24).fill(0), 0);
    tf.dispose([a, b, ga, gb]);
  });

  it('rejects mismatched shapes and does not leak', () => {
    const a = tf.tensor4d(s, shape);
    const b = tf.zeros([2, 2, 2, 4]);
    expect(() => softmaxMse(a, b)).toThrow(/softmaxMse: student \[2,2,2,3\] and teacher \[2,2,2,4\] must have the same shape/);
    expect(() => softmaxMse(a, a, { teacherInput: 'probs' as never })).toThrow(/option 'teacherInput'/);
    softmaxMse(a, a).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) softmaxMse(a, a).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});
