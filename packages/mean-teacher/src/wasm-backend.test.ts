import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { crossEntropyLoss } from './cross-entropy-loss';
import { softDiceLoss } from './soft-dice-loss';
import { crossEntropy64, expectClose, oneHot64, seededValues, softmax64 } from './test-utils/reference';

// The losses must give the same values on the wasm backend, which trains the U-Net on CPUs.
// Regression: tfjs-backend-wasm 4.22's OneHot writes int32 bits into a float32 output, which made
// cross-entropy ~1e-45 and Dice loss 1 when labels were one-hot encoded as float32 directly.
const N = 2;
const H = 3;
const W = 2;
const K = 4;
const logitsData = seededValues(N * H * W * K, 5, 3);
const labelData = [0, 1, 2, 3, 3, 2, 1, 0, 0, 2, 3, 1];

describe('losses on the wasm backend', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });
  afterAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('cross-entropy with int32 labels matches a float64 reference', () => {
    const ref = crossEntropy64(logitsData, oneHot64(labelData, K), K);
    const mean = ref.reduce((a, b) => a + b, 0) / ref.length;
    const loss = tf.tidy(() =>
      crossEntropyLoss(tf.tensor4d(logitsData, [N, H, W, K]), tf.tensor3d(labelData, [N, H, W], 'int32')),
    );
    expectClose(loss.dataSync(), [mean], 1e-5);
    loss.dispose();
  });

  it('soft Dice with int32 labels matches a float64 reference (SSL4MIS form)', () => {
    const p = softmax64(logitsData, K);
    const g = oneHot64(labelData, K);
    let total = 0;
    for (let c = 0; c < K; c++) {
      let inter = 0;
      let zs = 0;
      let ys = 0;
      for (let i = 0; i < N * H * W; i++) {
        inter += p[i * K + c] * g[i * K + c];
        zs += p[i * K + c] * p[i * K + c];
        ys += g[i * K + c] * g[i * K + c];
      }
      total += 1 - (2 * inter + 1e-5) / (zs + ys + 1e-5);
    }
    const loss = tf.tidy(() =>
      softDiceLoss(tf.tensor4d(logitsData, [N, H, W, K]), tf.tensor3d(labelData, [N, H, W], 'int32')),
    );
    expectClose(loss.dataSync(), [total / K], 1e-5);
    loss.dispose();
  });
});
