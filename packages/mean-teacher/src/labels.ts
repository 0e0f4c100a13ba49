/**
 * Label handling shared by the supervised losses. Internal: not re-exported from the index.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertTensor, shapeString } from './assert';

/** How labels were given. */
export type LabelKind = 'index' | 'onehot';

/**
 * Checks `labels` against `logits [..., K]`: either int32 class indices `[...]` with values in
 * [0, K) (or equal to `ignoreIndex`), or a float32 one-hot / soft target of the logits' shape.
 * Reads two numbers (min, max) back from the device when `validateValues` is true, except on a
 * backend that cannot read synchronously (webgpu under Node, which has no OffscreenCanvas): there the
 * values are not checked here, and callers check labels when they load them (as `@agcl/datasets` does).
 */
export function checkLabels(
  fn: string,
  logits: tf.Tensor,
  labels: unknown,
  validateValues: boolean,
  ignoreIndex?: number,
): LabelKind {
  assertTensor(fn, 'labels', labels);
  const k = logits.shape[logits.rank - 1];
  if (labels.rank === logits.rank - 1) {
    if (labels.dtype !== 'int32') {
      throw new Error(`${fn}: argument 'labels' holds class indices and must have dtype int32; got ${labels.dtype}.`);
    }
    if (!tf.util.arraysEqual(labels.shape, logits.shape.slice(0, -1))) {
      throw new Error(
        `${fn}: argument 'labels' ${shapeString(labels.shape)} must match the logits ${shapeString(logits.shape)} without the class axis.`,
      );
    }
    if (validateValues && labels.size > 0 && canReadSync()) {
      const range = tf.tidy(() => {
        const valid = ignoreIndex === undefined ? labels : tf.where(tf.equal(labels, ignoreIndex), tf.zerosLike(labels), labels);
        return tf.stack([tf.min(valid), tf.max(valid)]);
      });
      const [lo, hi] = range.dataSync();
      range.dispose();
      if (lo < 0 || hi >= k) {
        throw new Error(`${fn}: argument 'labels' must hold integers in [0, ${k}) for ${k} classes; found values in [${lo}, ${hi}].`);
      }
    }
    return 'index';
  }
  if (labels.rank === logits.rank) {
    if (!tf.util.arraysEqual(labels.shape, logits.shape)) {
      throw new Error(`${fn}: one-hot 'labels' ${shapeString(labels.shape)} must have the logits' shape ${shapeString(logits.shape)}.`);
    }
    if (labels.dtype !== 'float32') {
      throw new Error(`${fn}: one-hot 'labels' must have dtype float32; got ${labels.dtype}.`);
    }
    if (ignoreIndex !== undefined) {
      throw new Error(`${fn}: option 'ignoreIndex' needs class-index labels (int32), not one-hot labels.`);
    }
    return 'onehot';
  }
  throw new Error(
    `${fn}: argument 'labels' must be int32 indices of shape ${shapeString(logits.shape.slice(0, -1))} or one-hot of shape ${shapeString(logits.shape)}; got ${shapeString(labels.shape)}.`,
  );
}

/**
 * Whether `dataSync()` works on the active backend. tfjs-backend-webgpu reads synchronously through an
 * OffscreenCanvas, which browsers have and Node does not. Internal.
 */
export function canReadSync(): boolean {
  return tf.getBackend() !== 'webgpu' || typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined';
}

/** One-hot float32 `[..., K]` from checked labels (call inside tf.tidy). */
export function toOneHot(labels: tf.Tensor, kind: LabelKind, k: number): tf.Tensor {
  if (kind === 'onehot') return labels;
  const flat = tf.reshape(labels, [-1]) as tf.Tensor1D;
  // int32 then cast: tfjs-backend-wasm 4.22's OneHot writes int32 bits into a float32 output.
  return tf.reshape(tf.cast(tf.oneHot(flat, k, 1, 0, 'int32'), 'float32'), [...labels.shape, k]);
}

/** Loss reduction, as in MONAI and PyTorch. */
export type LossReduction = 'none' | 'mean' | 'sum';

/** Valid reductions, for option checks. */
export const REDUCTIONS: readonly LossReduction[] = ['none', 'mean', 'sum'];
