import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend';
import { seeded } from '../test-utils/parity';

/**
 * A small U-shaped conv net (conv, batch norm from moments, leaky ReLU, max-pool, transposed conv,
 * bilinear up-sampling, concat, softmax cross-entropy) trained on wasm with SGD + momentum.
 * Task: segment the pixels brighter than their 3x3 neighbourhood mean (2 classes).
 */
describe('training on wasm', () => {
  beforeAll(async () => {
    const report = await initBackend({ backend: 'wasm' });
    expect(report.patchedKernels).toContain('Conv2DBackpropFilter');
  });

  it('the loss falls over 20 steps', async () => {
    const N = 4;
    const S = 16;
    const image = tf.tensor4d(seeded(N * S * S, 7).map((v) => (v + 1) / 2), [N, S, S, 1]);
    const labels = tf.tidy(() => {
      const local = tf.avgPool(image, 3, 1, 'same');
      return tf.oneHot(tf.reshape(tf.cast(tf.greater(image, local), 'int32'), [-1]), 2);
    });
    let seed = 100;
    const he = (shape: [number, number, number, number]) =>
      tf.variable(tf.mul(tf.tensor4d(seeded(tf.util.sizeFromShape(shape), seed++), shape), Math.sqrt(6 / (shape[0] * shape[1] * shape[2]))));
    const w = {
      c1: he([3, 3, 1, 8]), c2: he([3, 3, 8, 16]), up: he([2, 2, 8, 16]), out: he([3, 3, 24, 2]),
      g1: tf.variable(tf.ones([8])), b1: tf.variable(tf.zeros([8])),
    };
    const bn = (h: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor) => {
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      return tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta) as tf.Tensor4D;
    };
    const lossFn = () => {
      const e1 = tf.leakyRelu(bn(tf.conv2d(image, w.c1 as tf.Tensor4D, 1, 'same'), w.g1, w.b1), 0.01) as tf.Tensor4D;
      const p = tf.maxPool(e1, 2, 2, 'valid');
      const e2 = tf.leakyRelu(tf.conv2d(p, w.c2 as tf.Tensor4D, 1, 'same'), 0.01) as tf.Tensor4D;
      const u1 = tf.conv2dTranspose(e2, w.up as tf.Tensor4D, [N, S, S, 8], 2, 'valid');
      const u2 = tf.image.resizeBilinear(tf.slice(e2, [0, 0, 0, 0], [-1, -1, -1, 8]), [S, S], true);
      const logits = tf.conv2d(tf.concat([e1, u1, u2], 3) as tf.Tensor4D, w.out as tf.Tensor4D, 1, 'same');
      return tf.losses.softmaxCrossEntropy(labels, tf.reshape(logits, [-1, 2])) as tf.Scalar;
    };
    const optimizer = tf.train.momentum(0.1, 0.9);
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) {
      const loss = optimizer.minimize(lossFn, true) as tf.Scalar;
      losses.push((await loss.data())[0]);
      loss.dispose();
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    // The first loss is near ln 2 (random init); training must cut it clearly.
    expect(losses[0]).toBeGreaterThan(0.5);
    expect(Math.min(...losses.slice(-3))).toBeLessThan(0.6 * losses[0]);
    optimizer.dispose();
    tf.dispose([image, labels, ...Object.values(w)]);
  });
});
