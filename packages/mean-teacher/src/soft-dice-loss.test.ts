import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { softDiceLoss, type SoftDiceLossOptions } from './soft-dice-loss';
import { diceLoss64, expectClose, finiteDifference, oneHot64, seededValues, softmax64, type Dice64Options } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const N = 2;
const H = 3;
const W = 2;
const K = 3;
const logitsData = seededValues(N * H * W * K, 5, 2);
const labelData = [0, 1, 2, 2, 2, 1, 0, 0, 0, 2, 1, 1];
const DEFAULTS: Dice64Options = { includeBackground: true, smoothNr: 1e-5, smoothDr: 1e-5, softmax: true, squaredDenominator: true, batch: true };

const table: Array<[string, SoftDiceLossOptions]> = [
  ['defaults (SSL4MIS DiceLoss)', {}],
  ['without background', { includeBackground: false }],
  ['linear denominator (MONAI default)', { squaredDenominator: false }],
  ['per image (MONAI batch=false)', { batch: false }],
  ['larger smoothing', { smoothNr: 0.5, smoothDr: 1 }],
  ['all MONAI-style', { includeBackground: false, squaredDenominator: false, batch: false, smoothNr: 0, smoothDr: 1e-5 }],
];

describe('softDiceLoss', () => {
  it.each(table)('matches a float64 reference: %s', (_, options) => {
    const o = { ...DEFAULTS, ...options } as Dice64Options;
    const ref = diceLoss64(logitsData, oneHot64(labelData, K), N, K, o);
    const logits = tf.tensor4d(logitsData, [N, H, W, K]);
    const labels = tf.tensor3d(labelData, [N, H, W], 'int32');
    const none = softDiceLoss(logits, labels, { ...options, reduction: 'none' });
    const kk = o.includeBackground ? K : K - 1;
    expect(none.shape).toEqual(o.batch ? [kk] : [N, kk]);
    expectClose(none.dataSync(), ref, 1e-5);
    const mean = softDiceLoss(logits, labels, options);
    expect(mean.shape).toEqual([]);
    expectClose(mean.dataSync(), [ref.reduce((a, b) => a + b, 0) / ref.length], 1e-5);
    const sum = softDiceLoss(logits, labels, { ...options, reduction: 'sum' });
    expectClose(sum.dataSync(), [ref.reduce((a, b) => a + b, 0)], 1e-5);
    tf.dispose([logits, labels, none, mean, sum]);
  });

  it('takes probabilities with softmax: false and one-hot labels', () => {
    const probs = softmax64(logitsData, K);
    const target = oneHot64(labelData, K);
    const ref = diceLoss64(probs, target, N, K, { ...DEFAULTS, softmax: false });
    const p = tf.tensor4d(Float32Array.from(probs), [N, H, W, K]);
    const y = tf.tensor4d(Float32Array.from(target), [N, H, W, K]);
    const loss = softDiceLoss(p, y, { softmax: false });
    expectClose(loss.dataSync(), [ref.reduce((a, b) => a + b, 0) / K], 1e-5);
    tf.dispose([p, y, loss]);
  });

  it('is ~0 for a perfect prediction and 0 for a class absent from both', () => {
    const target = oneHot64([0, 0, 1, 1], 3); // class 2 absent
    const y = tf.tensor4d(Float32Array.from(target), [1, 2, 2, 3]);
    const loss = softDiceLoss(y, y, { softmax: false, reduction: 'none' });
    expectClose(loss.dataSync(), [0, 0, 0], 1e-6);
    tf.dispose([y, loss]);
  });

  it('has gradients matching finite differences of the float64 reference', () => {
    const logits = tf.tensor4d(logitsData, [N, H, W, K]);
    const labels = tf.tensor3d(labelData, [N, H, W], 'int32');
    const target = oneHot64(labelData, K);
    for (const options of [{}, { squaredDenominator: false, batch: false, includeBackground: false }]) {
      const o = { ...DEFAULTS, ...options };
      const g = tf.grad((z: tf.Tensor) => softDiceLoss(z, labels, options))(logits);
      const f = (x: Float64Array): number => {
        const l = diceLoss64(x, target, N, K, o);
        return l.reduce((a, b) => a + b, 0) / l.length;
      };
      expectClose(g.dataSync(), finiteDifference(f, logitsData), 1e-6, 1e-3);
      g.dispose();
    }
    tf.dispose([logits, labels]);
  });

  it('rejects invalid labels and options', () => {
    const logits = tf.tensor4d(logitsData, [N, H, W, K]);
    const bad = tf.tensor3d(labelData.map((l) => l + 1), [N, H, W], 'int32');
    expect(() => softDiceLoss(logits, bad)).toThrow(/softDiceLoss: argument 'labels' must hold integers in \[0, 3\)/);
    expect(() => softDiceLoss(logits, tf.zeros([N, H, W, K + 1]))).toThrow(/one-hot 'labels' \[2,3,2,4\] must have the logits' shape/);
    expect(() => softDiceLoss(logits, bad, { smoothDr: -1 })).toThrow(/smoothDr/);
    expect(() => softDiceLoss(tf.zeros([1, 2, 2, 1]), tf.zeros([1, 2, 2], 'int32'), { includeBackground: false })).toThrow(/at least 2 classes/);
    tf.dispose([logits, bad]);
  });

  it('does not leak tensors', () => {
    const logits = tf.tensor4d(logitsData, [N, H, W, K]);
    const labels = tf.tensor3d(labelData, [N, H, W], 'int32');
    softDiceLoss(logits, labels, { includeBackground: false }).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) softDiceLoss(logits, labels, { includeBackground: false }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, labels]);
  });
});
