import type * as tf from '@tensorflow/tfjs-core';
import { assertOneOf } from './assert';
import { AdamOptimizer } from './adam-optimizer';
import { SgdOptimizer } from './sgd-optimizer';
import type { OptimizerState, SlotOptimizer } from './slot-optimizer';

/** Options of {@link createOptimizer}. */
export interface CreateOptimizerOptions {
  /** `'sgd'` (SSL4MIS default) or `'adam'`. */
  name: 'sgd' | 'adam';
  /** Initial learning rate. Default 0.01 for SGD, 1e-3 for Adam (docs/method.md, Optimisation). */
  learningRate?: number;
  /** SGD momentum. Default 0.9. */
  momentum?: number;
  /** Coupled L2 weight decay (PyTorch `weight_decay`), both optimisers. Default 1e-4. */
  weightDecay?: number;
  /** SGD: Nesterov momentum. Default false. */
  nesterov?: boolean;
  /** Adam: first-moment decay. Default 0.9. */
  beta1?: number;
  /** Adam: second-moment decay. Default 0.999. */
  beta2?: number;
  /** Adam: epsilon. Default 1e-8. */
  epsilon?: number;
  /** Adam: decoupled weight decay (AdamW). Default false. */
  decoupledWeightDecay?: boolean;
}

/** What {@link createOptimizer} returns. */
export interface OptimizerHandle {
  /** The optimiser (a `tf.Optimizer`: `applyGradients`, `minimize`, `getWeights`, `dispose`). */
  optimizer: SlotOptimizer & tf.Optimizer;
  /** Which optimiser it is. */
  name: 'sgd' | 'adam';
  /** Sets the learning rate for the next steps. */
  setLearningRate(learningRate: number): void;
  /** The current learning rate. */
  getLearningRate(): number;
  /** Copies the state (see {@link SlotOptimizer.getState}); caller disposes. */
  getState(variables?: tf.Variable[]): OptimizerState;
  /** Restores a state from `getState` (copied; caller still disposes `state`). */
  setState(state: OptimizerState, variables?: tf.Variable[]): void;
  /** Disposes the optimiser state. */
  dispose(): void;
}

/**
 * Creates the training optimiser with the benchmark's defaults (docs/method.md, Optimisation): SGD with
 * momentum 0.9 and weight decay 1e-4 (PyTorch semantics, {@link SgdOptimizer}), or Adam
 * ({@link AdamOptimizer}, same coupled weight decay). The learning rate is settable at every step
 * and the state is exportable for exact resumption.
 *
 * @param options see {@link CreateOptimizerOptions}.
 * @returns an {@link OptimizerHandle}; call `dispose()` when done.
 * @example
 * ```ts
 * const { optimizer, setLearningRate } = createOptimizer({ name: 'sgd', learningRate: 0.01 });
 * setLearningRate(polyLearningRate(0.01, step, maxSteps));
 * ```
 */
export function createOptimizer(options: CreateOptimizerOptions): OptimizerHandle {
  if (options == null || typeof options !== 'object') {
    throw new Error("createOptimizer: argument 'options' must be an object with 'name' ('sgd' | 'adam').");
  }
  assertOneOf('createOptimizer', 'name', options.name, ['sgd', 'adam'] as const);
  const weightDecay = options.weightDecay ?? 1e-4;
  const optimizer: SlotOptimizer =
    options.name === 'sgd'
      ? new SgdOptimizer({
          learningRate: options.learningRate ?? 0.01,
          momentum: options.momentum ?? 0.9,
          weightDecay,
          nesterov: options.nesterov ?? false,
        })
      : new AdamOptimizer({
          learningRate: options.learningRate ?? 1e-3,
          beta1: options.beta1,
          beta2: options.beta2,
          epsilon: options.epsilon,
          weightDecay,
          decoupledWeightDecay: options.decoupledWeightDecay,
        });
  return {
    optimizer,
    name: options.name,
    setLearningRate: (lr) => optimizer.setLearningRate(lr),
    getLearningRate: () => optimizer.learningRate,
    getState: (variables) => optimizer.getState(variables),
    setState: (state, variables) => optimizer.setState(state, variables),
    dispose: () => optimizer.dispose(),
  };
}
