import * as tf from '@tensorflow/tfjs-core';

/** Weights of a tiny fully-convolutional segmenter with a 1x1 projection head. */
export interface TinyConvNet {
  conv1: tf.Variable; // [3, 3, 1, width]
  bias1: tf.Variable; // [width]
  conv2: tf.Variable; // [3, 3, width, width]
  bias2: tf.Variable; // [width]
  classifier: tf.Variable; // [1, 1, width, 2]
  classifierBias: tf.Variable; // [2]
  projection: tf.Variable; // [1, 1, width, dim]
}

/**
 * An ordinary small TensorFlow.js model: two 3x3 conv (with bias) + ReLU layers, a 1x1 conv (with
 * bias) to 2 class logits, and a 1x1 conv projection head to `dim`-dimensional pixel embeddings.
 * (Without the biases every layer is homogeneous in the input: the net could not put a brightness
 * threshold anywhere but 0, and predicted one class everywhere.)
 */
export function createTinyConvNet(width: number, dim: number, seed: number, trainable = true): TinyConvNet {
  // tf.randomNormal treats a seed of 0 as "no seed" (Math.random), so seeds start at 1.
  const he = (shape: number[], fanIn: number, s: number) => {
    const init = tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', 4 * Math.abs(Math.trunc(seed)) + 1 + (s - seed));
    const v = tf.variable(init, trainable);
    init.dispose();
    return v;
  };
  const zeros = (n: number) => {
    const init = tf.zeros([n]);
    const v = tf.variable(init, trainable);
    init.dispose();
    return v;
  };
  return {
    conv1: he([3, 3, 1, width], 9, seed),
    bias1: zeros(width),
    conv2: he([3, 3, width, width], 9 * width, seed + 1),
    bias2: zeros(width),
    classifier: he([1, 1, width, 2], width, seed + 2),
    classifierBias: zeros(2),
    projection: he([1, 1, width, dim], width, seed + 3),
  };
}

/** Forward pass: logits `[N, H, W, 2]` and embeddings `[N, H, W, dim]`. */
export function forward(net: TinyConvNet, x: tf.Tensor4D): { logits: tf.Tensor4D; embeddings: tf.Tensor4D } {
  const h1 = tf.relu(tf.add(tf.conv2d(x, net.conv1 as tf.Tensor4D, 1, 'same'), net.bias1)) as tf.Tensor4D;
  const h2 = tf.relu(tf.add(tf.conv2d(h1, net.conv2 as tf.Tensor4D, 1, 'same'), net.bias2)) as tf.Tensor4D;
  return {
    logits: tf.add(tf.conv2d(h2, net.classifier as tf.Tensor4D, 1, 'same'), net.classifierBias) as tf.Tensor4D,
    embeddings: tf.conv2d(h2, net.projection as tf.Tensor4D, 1, 'same'),
  };
}

/** The variables in a fixed order (student and teacher line up). */
export function variablesOf(net: TinyConvNet): tf.Variable[] {
  return [net.conv1, net.bias1, net.conv2, net.bias2, net.classifier, net.classifierBias, net.projection];
}
