import * as tf from '@tensorflow/tfjs-core';
import { assertNonNegative } from './assert';
import { crossEntropyLoss, type CrossEntropyLossOptions } from './cross-entropy-loss';
import { softDiceLoss, type SoftDiceLossOptions } from './soft-dice-loss';

/** Options of {@link supervisedLoss}. */
export interface SupervisedLossOptions {
  /** Weight of the cross-entropy. Default 0.5. */
  ceWeight?: number;
  /** Weight of the soft Dice loss. Default 0.5. */
  diceWeight?: number;
  /** Cross-entropy options (its reduction is always `'mean'`). */
  crossEntropy?: Omit<CrossEntropyLossOptions, 'reduction'>;
  /** Soft Dice options (its reduction is always `'mean'`). */
  dice?: Omit<SoftDiceLossOptions, 'reduction'>;
}

/**
 * The SSL4MIS supervised loss `L_sup = 0.5 (CE + soft Dice)` on labeled images (docs/method.md, Losses).
 *
 * Formula: `ceWeight * crossEntropyLoss(logits, labels) + diceWeight * softDiceLoss(softmax(logits), labels)`.
 * Labels are validated once.
 *
 * @param logits float32 `[N,H,W,K]` student logits on the labeled images.
 * @param labels int32 `[N,H,W]` in [0, K) or float32 one-hot `[N,H,W,K]`.
 * @param options see {@link SupervisedLossOptions}; defaults `{ ceWeight: 0.5, diceWeight: 0.5 }`.
 * @returns a scalar; the caller disposes it.
 * @example
 * ```ts
 * const lSup = supervisedLoss(student.forward(xl, { training: true }).logits, yl);
 * ```
 */
export function supervisedLoss(logits: tf.Tensor, labels: tf.Tensor, options: SupervisedLossOptions = {}): tf.Scalar {
  const { ceWeight = 0.5, diceWeight = 0.5, crossEntropy = {}, dice = {} } = options;
  assertNonNegative('supervisedLoss', 'ceWeight', ceWeight);
  assertNonNegative('supervisedLoss', 'diceWeight', diceWeight);
  const validate = crossEntropy.validateLabels ?? dice.validateLabels ?? true;
  return tf.tidy(() => {
    const ce = crossEntropyLoss(logits, labels, { ...crossEntropy, validateLabels: validate, reduction: 'mean' });
    const dl = softDiceLoss(logits, labels, { ...dice, validateLabels: false, reduction: 'mean' });
    return tf.add(tf.mul(ce, ceWeight), tf.mul(dl, diceWeight)) as tf.Scalar;
  });
}
