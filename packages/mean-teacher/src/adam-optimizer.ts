import * as tf from '@tensorflow/tfjs-core';
import { assertInRange, assertNonNegative, assertPositive } from './assert';
import { SlotOptimizer } from './slot-optimizer';

/** Options of {@link AdamOptimizer}. */
export interface AdamOptimizerOptions {
  /** Learning rate. Default 1e-3. */
  learningRate?: number;
  /** First-moment decay. Default 0.9. */
  beta1?: number;
  /** Second-moment decay. Default 0.999. */
  beta2?: number;
  /** Added to the root of the second moment. Default 1e-8 (PyTorch). */
  epsilon?: number;
  /** Weight decay `wd`. Default 0 (PyTorch `Adam`). */
  weightDecay?: number;
  /** Decoupled decay `w <- w - lr * wd * w` (AdamW) instead of coupled `g + wd * w`. Default false. */
  decoupledWeightDecay?: boolean;
}

/**
 * Adam with PyTorch `torch.optim.Adam` semantics (per-variable step count, epsilon outside the root):
 *
 * `g <- g + wd * w` (coupled; AdamW: `w <- w (1 - lr wd)` instead); `m <- b1 m + (1 - b1) g`;
 * `v <- b2 v + (1 - b2) g^2`; `k <- k + 1`;
 * `w <- w - lr * (m / (1 - b1^k)) / (sqrt(v / (1 - b2^k)) + eps)`.
 *
 * State (m, v, k per variable) exports and imports exactly; the learning rate may change at every step.
 *
 * @example
 * ```ts
 * const opt = new AdamOptimizer({ learningRate: 1e-3 });
 * opt.applyGradients(grads);
 * ```
 */
export class AdamOptimizer extends SlotOptimizer {
  /** Serialisation name. */
  static get className(): string {
    return 'AgclAdam';
  }
  protected readonly slotNames: readonly string[] = ['m', 'v'];
  protected readonly label = 'AdamOptimizer';
  /** First-moment decay. */
  readonly beta1: number;
  /** Second-moment decay. */
  readonly beta2: number;
  /** Epsilon. */
  readonly epsilon: number;
  /** Weight decay. */
  readonly weightDecay: number;
  /** Whether the weight decay is decoupled (AdamW). */
  readonly decoupledWeightDecay: boolean;
  private steps = new Map<string, number>();

  constructor(options: AdamOptimizerOptions = {}) {
    const { learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0, decoupledWeightDecay = false } = options;
    super(learningRate, 'AdamOptimizer');
    assertInRange('AdamOptimizer', 'beta1', beta1, 0, 1);
    assertInRange('AdamOptimizer', 'beta2', beta2, 0, 1);
    if (beta1 === 1 || beta2 === 1) throw new Error("AdamOptimizer: options 'beta1' and 'beta2' must be < 1.");
    assertPositive('AdamOptimizer', 'epsilon', epsilon);
    assertNonNegative('AdamOptimizer', 'weightDecay', weightDecay);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.weightDecay = weightDecay;
    this.decoupledWeightDecay = decoupledWeightDecay;
  }

  protected updateVariable(variable: tf.Variable, gradient: tf.Tensor, slots: Map<string, tf.Variable>): void {
    const lr = this.learningRate;
    const step = (this.steps.get(variable.name) ?? 0) + 1;
    this.steps.set(variable.name, step);
    let w: tf.Tensor = variable;
    let g = gradient;
    if (this.weightDecay > 0) {
      if (this.decoupledWeightDecay) w = tf.mul(variable, 1 - lr * this.weightDecay);
      else g = tf.add(g, tf.mul(variable, this.weightDecay));
    }
    const m = slots.get('m')!;
    const v = slots.get('v')!;
    const nm = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
    const nv = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    m.assign(nm);
    v.assign(nv);
    const bc1 = 1 - Math.pow(this.beta1, step);
    const bc2 = 1 - Math.pow(this.beta2, step);
    const denom = tf.add(tf.div(tf.sqrt(nv), Math.sqrt(bc2)), this.epsilon);
    variable.assign(tf.sub(w, tf.mul(tf.div(nm, denom), lr / bc1)));
  }

  protected override counters(): Map<string, number> {
    return this.steps;
  }

  protected override restoreCounters(counters: Map<string, number>): void {
    this.steps = new Map(counters);
  }

  override dispose(): void {
    super.dispose();
    this.steps.clear();
  }

  /** Configuration (a `tf.Optimizer` method). */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
      decoupledWeightDecay: this.decoupledWeightDecay,
    };
  }
}
