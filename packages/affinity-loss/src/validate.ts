import * as tf from '@tensorflow/tfjs-core';

/** @internal Checks a pair of student/teacher embeddings `[N, d]` of the same shape; returns [N, d]. */
export function checkEmbeddingPair(fn: string, zStudent: unknown, zTeacher: unknown): [number, number] {
  checkMatrix(fn, 'zStudent', zStudent);
  checkMatrix(fn, 'zTeacher', zTeacher);
  const s = (zStudent as tf.Tensor2D).shape;
  const t = (zTeacher as tf.Tensor2D).shape;
  if (s[0] !== t[0] || s[1] !== t[1]) {
    throw new Error(`${fn}: arguments 'zStudent' [${s}] and 'zTeacher' [${t}] must have the same shape [N, d].`);
  }
  return [s[0], s[1]];
}

/** @internal Checks a float rank-2 tensor with at least one row and one column. */
export function checkMatrix(fn: string, arg: string, x: unknown): void {
  if (!(x instanceof tf.Tensor) || x.rank !== 2) {
    const got = x instanceof tf.Tensor ? `a rank-${x.rank} tensor of shape [${x.shape}]` : typeof x;
    throw new Error(`${fn}: argument '${arg}' must be a rank-2 tensor [N, d]; got ${got}.`);
  }
  if (x.dtype !== 'float32') {
    throw new Error(`${fn}: argument '${arg}' must be float32; got ${x.dtype}.`);
  }
  if (x.shape[0] === 0 || x.shape[1] === 0) {
    throw new Error(`${fn}: argument '${arg}' must have at least one row and one column; got shape [${x.shape}].`);
  }
}

/** @internal Checks a positive finite number option. */
export function checkPositive(fn: string, arg: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${fn}: option '${arg}' must be a positive finite number; got ${String(value)}.`);
  }
}
