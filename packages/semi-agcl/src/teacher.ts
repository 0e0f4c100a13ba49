import * as tf from '@tensorflow/tfjs-core';
import type { ModelForwardOptions } from './model';
import type { SemiAgclOptions } from './options';

/** Teacher input: `x + clip(N(0, std^2), -clip, clip)`, seeded. The caller disposes the result. */
export function noisyInput(x: tf.Tensor4D, std: number, clip: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    if (std === 0) return tf.clone(x);
    const noise = tf.clipByValue(tf.randomNormal(x.shape, 0, std, 'float32', seed), -clip, clip);
    return tf.add(x, noise) as tf.Tensor4D;
  });
}

/**
 * The teacher's forward options for a mode: 'train' = batch statistics and dropout (masks seeded by
 * `seed`), 'batch' = batch statistics without dropout, 'eval' = running statistics. The batch modes
 * leave the running statistics untouched (momentum 0): they are the EMA of the student's.
 */
export function teacherForwardOptions(mode: SemiAgclOptions['teacher']['forward'], seed: number): ModelForwardOptions {
  if (mode === 'eval') return { training: false };
  if (mode === 'batch') return { training: true, dropout: false, bnMomentum: 0 };
  return { training: true, bnMomentum: 0, seed };
}

/** Rows `[begin, begin + size)` of a batch tensor along axis 0. The caller disposes the result. */
export function rows<T extends tf.Tensor>(t: T, begin: number, size: number): T {
  const b = t.shape.map(() => 0);
  b[0] = begin;
  const s = t.shape.map(() => -1);
  s[0] = size;
  return tf.slice(t, b, s) as T;
}
