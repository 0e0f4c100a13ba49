import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropyLoss } from './cross-entropy-loss';
import { crossEntropy64, expectClose, oneHot64, seededValues, softmax64 } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const N = 2;
const H = 3;
const W = 2;
const K = 4;
const logitsData = seededValues(N * H * W * K, 11, 3);
const labelData = [0, 1, 2, 3, 3, 2, 1, 0, 0, 2, 3, 1];

describe('crossEntropyLoss', () => {
  it('matches a float64 reference for every reduction (int32 labels)', () => {
    const ref = crossEntropy64(logitsData, oneHot64(labelData, K), K);
    const mean = ref.reduce((a, b) => a + b, 0) / ref.length;
    const logits = tf.tensor4d(logitsData, [N, H, W, K]);
    const labels = tf.tensor3d(labelData, [N, H, W], 'int32');
    const none = crossEntropyLoss(logits, labels, { reduction: 'none' });
    expect(none.dtype).toBe('float32');
    expect(none.shape).toEqual([N, H, W]);
    expectClose(none.dataSync(), ref, 1e-5);
    const m = crossEntropyLoss(logits, labels);
    expect(m.shape).toEqual([]);
    expectClose(m.dataSync(), [mean], 1e-5);
    const s = crossEntropyLoss(logits, labels, { reduction: 'sum' });
    expectClose(s.dataSync(), [mean * ref.length], 1e-4);
    tf.dispose([logits, labels, none, m, s]);
  });

  it('gives the same value for one-hot labels, and handles soft targets', () => {
    const logits = tf.tensor4d(logitsData, [N, H, W, K]);
    const labels = tf.tensor3d(labelData, [N, H, W], 'int32');
    const onehot = tf.oneHot(tf.reshape(labels, [-1]) as tf.Tensor1D, K);
    const onehot4 = tf.reshape(tf.cast(onehot, 'float32'), [N, H, W, K]);
    const a = crossEntropyLoss(logits, labels);
    const b = crossEntropyLoss(logits, onehot4);
    expectClose(b.dataSync(), a.dataSync(), 1e-6);
    const soft = Float64Array.from({ length: N * H * W * K }, (_, i) => ((i % K) + 1) / 10); // rows sum to 1
    const c = crossEntropyLoss(logits, tf.tensor4d(Float32Array.from(soft), [N, H, W, K]));
    const ref = crossEntropy64(logitsData, soft, K);
    expectClose(c.dataSync(), [ref.reduce((x, y) => x + y, 0) / ref.length], 1e-5);
    tf.dispose([logits, labels, onehot, onehot4, a, b, c]);
  });

  it('ignores no pixel by default; ignoreIndex averages over the others (PyTorch ignore_index)', () => {
    const ref = crossEntropy64(logitsData, oneHot64(labelData, K), K);
    const logits = tf.tensor4d(logitsData, [N, H, W, K]);
    const labels = tf.tensor3d(labelData, [N, H, W], 'int32');
    const kept = labelData.map((l, i) => (l === 3 ? -1 : i)).filter((i) => i >= 0);
    const expected = kept.reduce((a, i) => a + ref[i], 0) / kept.length;
    const m = crossEntropyLoss(logits, labels, { ignoreIndex: 3 });
    expectClose(m.dataSync(), [expected], 1e-5);
    // an ignore value outside [0, K) is allowed (e.g. 255)
    const withVoid = tf.tensor3d(labelData.map((l) => (l === 3 ? 255 : l)), [N, H, W], 'int32');
    const v = crossEntropyLoss(logits, withVoid, { ignoreIndex: 255 });
    expectClose(v.dataSync(), [expected], 1e-5);
    tf.dispose([logits, labels, m, withVoid, v]);
  });

  it('has gradient (softmax - onehot) / pixels for the mean', () => {
    const logits = tf.tensor4d(logitsData, [N, H, W, K]);
    const labels = tf.tensor3d(labelData, [N, H, W], 'int32');
    const g = tf.grad((z: tf.Tensor) => crossEntropyLoss(z, labels))(logits);
    const p = softmax64(logitsData, K);
    const y = oneHot64(labelData, K);
    const expected = Array.from(p, (v, i) => (v - y[i]) / (N * H * W));
    expectClose(g.dataSync(), expected, 1e-6, 1e-3);
    tf.dispose([logits, labels, g]);
  });

  it('rejects invalid labels and shapes with named errors', () => {
    const logits = tf.tensor4d(logitsData, [N, H, W, K]);
    const tooBig = tf.tensor3d(labelData.map((l) => (l === 3 ? 4 : l)), [N, H, W], 'int32');
    const negative = tf.tensor3d(labelData.map((l) => (l === 0 ? -1 : l)), [N, H, W], 'int32');
    const floatLabels = tf.tensor3d(labelData, [N, H, W], 'float32');
    const wrongShape = tf.zeros([N, H, W + 1], 'int32');
    const wrongRank = tf.zeros([N, H], 'int32');
    expect(() => crossEntropyLoss(logits, tooBig)).toThrow(/crossEntropyLoss: argument 'labels' must hold integers in \[0, 4\) .* \[0, 4\]/);
    expect(() => crossEntropyLoss(logits, negative)).toThrow(/\[-1, 3\]/);
    expect(() => crossEntropyLoss(logits, floatLabels)).toThrow(/dtype int32/);
    expect(() => crossEntropyLoss(logits, wrongShape)).toThrow(/must match the logits \[2,3,2,4\]/);
    expect(() => crossEntropyLoss(logits, wrongRank)).toThrow(/int32 indices of shape \[2,3,2\] or one-hot/);
    expect(() => crossEntropyLoss(tf.cast(logits, 'int32'), negative)).toThrow(/argument 'logits' must have dtype float32/);
    expect(() => crossEntropyLoss(logits, negative, { reduction: 'avg' as never })).toThrow(/option 'reduction' must be one of/);
    tf.dispose([logits, tooBig, negative, floatLabels, wrongShape, wrongRank]);
  });

  it('does not leak tensors', () => {
    const logits = tf.tensor4d(logitsData, [N, H, W, K]);
    const labels = tf.tensor3d(labelData, [N, H, W], 'int32');
    crossEntropyLoss(logits, labels, { ignoreIndex: 1 }).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) crossEntropyLoss(logits, labels, { ignoreIndex: 1 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, labels]);
  });
});
