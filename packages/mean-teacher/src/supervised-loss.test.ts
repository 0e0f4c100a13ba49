import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { supervisedLoss } from './supervised-loss';
import { crossEntropy64, diceLoss64, expectClose, oneHot64, seededValues } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('supervisedLoss', () => {
  const N = 1;
  const H = 2;
  const W = 3;
  const K = 4;
  const logitsData = seededValues(N * H * W * K, 3, 2);
  const labelData = [3, 0, 1, 1, 2, 0];

  it('is 0.5 (CE + soft Dice) by default, against float64 references', () => {
    const y = oneHot64(labelData, K);
    const ce = crossEntropy64(logitsData, y, K).reduce((a, b) => a + b, 0) / (N * H * W);
    const d = diceLoss64(logitsData, y, N, K, {
      includeBackground: true,
      smoothNr: 1e-5,
      smoothDr: 1e-5,
      softmax: true,
      squaredDenominator: true,
      batch: true,
    });
    const dice = d.reduce((a, b) => a + b, 0) / K;
    const logits = tf.tensor4d(logitsData, [N, H, W, K]);
    const labels = tf.tensor3d(labelData, [N, H, W], 'int32');
    const l = supervisedLoss(logits, labels);
    expect(l.shape).toEqual([]);
    expectClose(l.dataSync(), [0.5 * (ce + dice)], 1e-5);
    const w = supervisedLoss(logits, labels, { ceWeight: 1, diceWeight: 0 });
    expectClose(w.dataSync(), [ce], 1e-5);
    tf.dispose([logits, labels, l, w]);
  });

  it('validates labels and weights', () => {
    const logits = tf.tensor4d(logitsData, [N, H, W, K]);
    const bad = tf.tensor3d([4, 0, 1, 1, 2, 0], [N, H, W], 'int32');
    expect(() => supervisedLoss(logits, bad)).toThrow(/crossEntropyLoss: argument 'labels' must hold integers in \[0, 4\)/);
    expect(() => supervisedLoss(logits, bad, { ceWeight: -1 })).toThrow(/supervisedLoss: argument 'ceWeight'/);
    tf.dispose([logits, bad]);
  });
});
