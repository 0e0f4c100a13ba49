import * as tf from '@tensorflow/tfjs-core';
import { assertNonNegative } from './assert';
import { SlotOptimizer } from './slot-optimizer';

/** Options of {@link SgdOptimizer}. */
export interface SgdOptimizerOptions {
  /** Learning rate. Default 0.01 (SSL4MIS). */
  learningRate?: number;
  /** Momentum `mu`. Default 0.9. 0 gives plain SGD (no state). */
  momentum?: number;
  /** Coupled L2 weight decay `wd` (PyTorch `weight_decay`). Default 1e-4. */
  weightDecay?: number;
  /** Nesterov momentum (PyTorch `nesterov=True`). Default false. */
  nesterov?: boolean;
}

/**
 * SGD with momentum and weight decay, with PyTorch `torch.optim.SGD` semantics (dampening 0):
 *
 * `d = g + wd * w`; `v <- mu * v + d` (v starts at 0, so the first step has `v = d`);
 * `w <- w - lr * v` (Nesterov: `w <- w - lr * (d + mu * v)`).
 *
 * tfjs' `MomentumOptimizer` has the same momentum rule but no weight decay, and keys its state by
 * position; this one keys it by variable and exports / imports it exactly
 * ({@link SlotOptimizer.getState}). The learning rate may change at every step.
 *
 * @example
 * ```ts
 * const opt = new SgdOptimizer({ learningRate: 0.01, momentum: 0.9, weightDecay: 1e-4 });
 * opt.setLearningRate(polyLearningRate(0.01, step, maxSteps));
 * opt.applyGradients(grads);
 * ```
 */
export class SgdOptimizer extends SlotOptimizer {
  /** Serialisation name. */
  static get className(): string {
    return 'AgclSgd';
  }
  protected readonly slotNames: readonly string[];
  protected readonly label = 'SgdOptimizer';
  /** Momentum `mu`. */
  readonly momentum: number;
  /** Weight decay `wd`. */
  readonly weightDecay: number;
  /** Nesterov momentum. */
  readonly nesterov: boolean;

  constructor(options: SgdOptimizerOptions = {}) {
    const { learningRate = 0.01, momentum = 0.9, weightDecay = 1e-4, nesterov = false } = options;
    super(learningRate, 'SgdOptimizer');
    assertNonNegative('SgdOptimizer', 'momentum', momentum);
    assertNonNegative('SgdOptimizer', 'weightDecay', weightDecay);
    if (nesterov && momentum === 0) throw new Error("SgdOptimizer: option 'nesterov' needs momentum > 0.");
    this.momentum = momentum;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
    this.slotNames = momentum > 0 ? ['momentum'] : [];
  }

  protected updateVariable(variable: tf.Variable, gradient: tf.Tensor, slots: Map<string, tf.Variable>): void {
    let d = this.weightDecay > 0 ? tf.add(gradient, tf.mul(variable, this.weightDecay)) : gradient;
    if (this.momentum > 0) {
      const v = slots.get('momentum')!;
      const nv = tf.add(tf.mul(v, this.momentum), d);
      v.assign(nv);
      d = this.nesterov ? tf.add(d, tf.mul(nv, this.momentum)) : nv;
    }
    variable.assign(tf.sub(variable, tf.mul(d, this.learningRate)));
  }

  /** Configuration (a `tf.Optimizer` method). */
  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum, weightDecay: this.weightDecay, nesterov: this.nesterov };
  }
}
