import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './stop-gradient';
import { checkConsistencyInputs, type ConsistencyLossOptions } from './softmax-mse';

/**
 * Consistency as the KL divergence from the teacher's to the student's softmax, per pixel, averaged
 * over the pixels (Tarvainen & Valpola 2017, `softmax_kl_loss`).
 *
 * Formula: `L = (1 / (N H W)) sum_pixels sum_k p_t,k (log p_t,k - log p_s,k)`, with `p = softmax`
 * over the last axis and `0 log 0 = 0`. PyTorch's `F.kl_div(..., reduction='mean')`, as used by
 * SSL4MIS, also divides by K: multiply by `1/K` to match it. The teacher side is a constant
 * (`tf.stopGradient`).
 *
 * @param studentLogits float32 `[N,H,W,K]` (any rank >= 1, classes last).
 * @param teacherLogits float32, same shape (probabilities with `teacherInput: 'probabilities'`).
 * @param options see {@link ConsistencyLossOptions}; default `{ teacherInput: 'logits' }`.
 * @returns a scalar >= 0; the caller disposes it.
 * @example
 * ```ts
 * const lCons = softmaxKl(studentLogitsU, teacherLogitsU);
 * ```
 */
export function softmaxKl(studentLogits: tf.Tensor, teacherLogits: tf.Tensor, options: ConsistencyLossOptions = {}): tf.Scalar {
  checkConsistencyInputs('softmaxKl', studentLogits, teacherLogits, options);
  return tf.tidy(() => {
    const t = stopGradient(teacherLogits);
    let pt: tf.Tensor;
    let logPt: tf.Tensor;
    if (options.teacherInput === 'probabilities') {
      pt = t;
      logPt = tf.log(tf.maximum(t, 1e-30)); // multiplied by p_t, so 0 log 0 -> 0
    } else {
      logPt = tf.logSoftmax(t, -1);
      pt = tf.exp(logPt);
    }
    const logPs = tf.logSoftmax(studentLogits, -1);
    const perPixel = tf.sum(tf.mul(pt, tf.sub(logPt, logPs)), -1);
    return tf.mean(perPixel) as tf.Scalar;
  });
}
