import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './stop-gradient';
import { assertFloatTensor, assertOneOf, shapeString } from './assert';

/** Options of the consistency losses {@link softmaxMse} and {@link softmaxKl}. */
export interface ConsistencyLossOptions {
  /**
   * What the second argument holds: `'logits'` (default; a softmax is applied) or `'probabilities'`
   * (already softmaxed teacher outputs, e.g. the confidence maps computed for the sampler).
   */
  teacherInput?: 'logits' | 'probabilities';
}

/** Checks the pair of inputs of a consistency loss. Internal. */
export function checkConsistencyInputs(fn: string, student: unknown, teacher: unknown, options: ConsistencyLossOptions): void {
  assertFloatTensor(fn, 'studentLogits', student, 1);
  assertFloatTensor(fn, 'teacherLogits', teacher, 1);
  if (!tf.util.arraysEqual(student.shape, teacher.shape)) {
    throw new Error(`${fn}: student ${shapeString(student.shape)} and teacher ${shapeString(teacher.shape)} must have the same shape.`);
  }
  assertOneOf(fn, 'teacherInput', options.teacherInput ?? 'logits', ['logits', 'probabilities'] as const);
}

/**
 * Mean-teacher consistency: mean squared difference of the student and teacher softmax (SSL4MIS
 * `softmax_mse_loss` followed by `torch.mean`).
 *
 * Formula: `L = (1 / (N H W K)) sum (softmax(s) - softmax(t))^2`, softmax over the last (class) axis.
 * The teacher side is a constant: it passes through `tf.stopGradient`, so no gradient reaches it.
 *
 * @param studentLogits float32 `[N,H,W,K]` (any rank >= 1, classes last).
 * @param teacherLogits float32, same shape (probabilities with `teacherInput: 'probabilities'`).
 * @param options see {@link ConsistencyLossOptions}; default `{ teacherInput: 'logits' }`.
 * @returns a scalar; the caller disposes it. An empty input gives NaN (no elements to average).
 * @example
 * ```ts
 * const lCons = softmaxMse(studentLogitsU, teacherLogitsU);
 * ```
 */
export function softmaxMse(studentLogits: tf.Tensor, teacherLogits: tf.Tensor, options: ConsistencyLossOptions = {}): tf.Scalar {
  checkConsistencyInputs('softmaxMse', studentLogits, teacherLogits, options);
  return tf.tidy(() => {
    const t = stopGradient(teacherLogits);
    const pt = options.teacherInput === 'probabilities' ? t : tf.softmax(t, -1);
    const ps = tf.softmax(studentLogits, -1);
    return tf.mean(tf.squaredDifference(ps, pt)) as tf.Scalar;
  });
}
