import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { softmaxKl } from './softmax-kl';
import { expectClose, finiteDifference, seededValues, softmax64 } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const shape: [number, number, number, number] = [1, 2, 3, 4];
const K = 4;
const s = seededValues(24, 7, 2);
const t = seededValues(24, 8, 2);

function kl64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ps = softmax64(a, K);
  const pt = softmax64(b, K);
  let sum = 0;
  for (let i = 0; i < ps.length; i++) if (pt[i] > 0) sum += pt[i] * (Math.log(pt[i]) - Math.log(ps[i]));
  return sum / (ps.length / K);
}

describe('softmaxKl', () => {
  it('is the per-pixel KL(teacher || student) averaged over pixels', () => {
    const a = tf.tensor4d(s, shape);
    const b = tf.tensor4d(t, shape);
    const l = softmaxKl(a, b);
    expectClose(l.dataSync(), [kl64(s, t)], 1e-6);
    const same = softmaxKl(a, a);
    expectClose(same.dataSync(), [0], 1e-6);
    tf.dispose([a, b, l, same]);
  });

  it('accepts teacher probabilities with zeros (0 log 0 = 0)', () => {
    const a = tf.tensor2d([[0.3, -0.2, 1]]);
    const p = tf.tensor2d([[0, 1, 0]]);
    const l = softmaxKl(a, p, { teacherInput: 'probabilities' });
    const ps = softmax64([0.3, -0.2, 1], 3);
    expectClose(l.dataSync(), [-Math.log(ps[1])], 1e-6);
    tf.dispose([a, p, l]);
  });

  it('passes gradient to the student only', () => {
    const a = tf.tensor4d(s, shape);
    const b = tf.tensor4d(t, shape);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => softmaxKl(x, y))([a, b]);
    expectClose(ga.dataSync(), finiteDifference((x) => kl64(x, t), s), 1e-7, 1e-3);
    expect(Array.from(gb.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([a, b, ga, gb]);
  });
});
