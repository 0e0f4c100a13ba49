import * as tf from '@tensorflow/tfjs-core';
import type { ModelForwardOptions, ModelOutput, SegmentationModel } from '../model';

/**
 * A tiny per-pixel segmentation model that is not a U-Net: `h = relu(x W1 + b1)`, logits `h W2 + b2`,
 * embeddings `h W3`. No dropout or batch norm, so a forward is a pure function of the weights.
 */
export class PixelModel implements SegmentationModel {
  readonly vars: tf.Variable[];
  constructor(
    readonly channels: number,
    readonly classes: number,
    readonly hidden = 6,
    readonly dim = 4,
    seed = 1,
  ) {
    const v = (shape: number[], s: number, scale = 0.8) => tf.variable(tf.randomUniform(shape, -scale, scale, 'float32', s));
    this.vars = [v([channels, hidden], seed), v([hidden], seed + 1, 0.3), v([hidden, classes], seed + 2), v([classes], seed + 3, 0.1), v([hidden, dim], seed + 4)];
  }
  forward(x: tf.Tensor4D, options: ModelForwardOptions): ModelOutput {
    return tf.tidy(() => {
      const [n, h, w] = x.shape;
      const [w1, b1, w2, b2, w3] = this.vars;
      const hid = tf.relu(tf.add(tf.matMul(tf.reshape(x, [-1, this.channels]), w1), b1));
      const logits = tf.reshape(tf.add(tf.matMul(hid, w2), b2), [n, h, w, this.classes]) as tf.Tensor4D;
      if (!options.embeddings) return { logits };
      return { logits, embeddings: tf.reshape(tf.matMul(hid, w3), [n, h, w, this.dim]) as tf.Tensor4D };
    });
  }
  trainableVariables(): tf.Variable[] {
    return this.vars;
  }
  /** A second instance with the same weights (the teacher). */
  clone(): PixelModel {
    const c = new PixelModel(this.channels, this.classes, this.hidden, this.dim);
    c.vars.forEach((v, i) => v.assign(this.vars[i]));
    return c;
  }
  values(): number[][] {
    return this.vars.map((v) => Array.from(v.dataSync()));
  }
  dispose(): void {
    tf.dispose(this.vars);
  }
}

/**
 * Images whose three classes are intensity bands (plus a seeded texture), labels `[N,H,W]` int32.
 * Everything is seeded; the caller disposes.
 */
export function bandBatch(n: number, size: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor3D } {
  return tf.tidy(() => {
    const rows = tf.tile(tf.reshape(tf.linspace(0, 1, size), [1, size, 1, 1]), [n, 1, size, 1]);
    const x = tf.clipByValue(tf.add(rows, tf.randomNormal([n, size, size, 1], 0, 0.05, 'float32', seed)), 0, 1) as tf.Tensor4D;
    const y = tf.cast(tf.clipByValue(tf.floor(tf.mul(tf.squeeze(rows, [3]), 3)), 0, 2), 'int32') as tf.Tensor3D;
    return { x, y };
  });
}
