import * as tf from '@tensorflow/tfjs-core';
import { assertNonNegative, shapeString } from './assert';

/**
 * Optimiser state as plain tensors: `'iterations'` (int32 scalar) plus one entry per variable and
 * slot, keyed `'<variable>/<slot>'`, where `<variable>` is the variable's name or, when the state
 * was taken with an explicit variable list, its position in that list.
 */
export type OptimizerState = tf.NamedTensorMap;

/** A named tensor, as `tf.Optimizer.getWeights` lists them. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * Base of this package's optimisers: per-variable state ("slots") held in non-trainable
 * `tf.Variable`s, a learning rate settable at every step, and exact state export / import so that a
 * checkpointed run resumes bit for bit.
 */
export abstract class SlotOptimizer extends tf.Optimizer {
  private lr: number;
  /** variable name -> slot name -> state variable */
  private readonly slots = new Map<string, Map<string, tf.Variable>>();
  /** Names of the per-variable state tensors, e.g. `['momentum']`. */
  protected abstract readonly slotNames: readonly string[];
  /** Class name used in messages. */
  protected abstract readonly label: string;

  protected constructor(learningRate: number, label: string) {
    super();
    assertNonNegative(label, 'learningRate', learningRate);
    this.lr = learningRate;
  }

  /** The learning rate applied by the next `applyGradients`. */
  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    this.setLearningRate(value);
  }

  /** Sets the learning rate for the next steps (e.g. from {@link polyLearningRate}). */
  setLearningRate(learningRate: number): void {
    assertNonNegative(`${this.label}.setLearningRate`, 'learningRate', learningRate);
    this.lr = learningRate;
  }

  /**
   * Updates each named variable from its gradient (a `tf.Optimizer` method). Missing (null)
   * gradients are skipped, as PyTorch skips parameters without `.grad`.
   */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: Array<[string, tf.Tensor | null | undefined]> = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const registered = tf.engine().registeredVariables;
    for (const [name, grad] of entries) {
      if (grad == null) continue;
      const variable = registered[name];
      if (variable == null) {
        throw new Error(`${this.label}.applyGradients: no registered tf.Variable is named '${name}'.`);
      }
      if (!tf.util.arraysEqual(variable.shape, grad.shape)) {
        throw new Error(
          `${this.label}.applyGradients: gradient ${shapeString(grad.shape)} does not match variable '${name}' ${shapeString(variable.shape)}.`,
        );
      }
      const slots = this.slotsFor(variable);
      tf.tidy(() => this.updateVariable(variable, grad, slots));
    }
    this.incrementIterations();
  }

  /**
   * Applies one update to `variable` (called inside `tf.tidy`). `slots` holds the variable's state.
   */
  protected abstract updateVariable(variable: tf.Variable, gradient: tf.Tensor, slots: Map<string, tf.Variable>): void;

  /** Per-variable scalar counters (e.g. Adam's step) to include in the state. */
  protected counters(): Map<string, number> | null {
    return null;
  }

  /**
   * Copies the optimiser state (caller disposes the returned tensors).
   *
   * @param variables when given, entries are keyed by position in this list (`'3/momentum'`), so
   *   that the state can be restored onto variables with other names (e.g. a model rebuilt in a new
   *   process); otherwise by variable name.
   */
  getState(variables?: tf.Variable[]): OptimizerState {
    const keyOf = this.keyMapper(variables);
    const out: OptimizerState = { iterations: tf.scalar(this.iterations, 'int32') };
    for (const [name, slots] of this.slots) {
      const key = keyOf(name);
      if (key === null) continue;
      for (const [slot, v] of slots) out[`${key}/${slot}`] = tf.clone(v);
    }
    const counters = this.counters();
    if (counters) {
      for (const [name, count] of counters) {
        const key = keyOf(name);
        if (key !== null) out[`${key}/step`] = tf.scalar(count, 'int32');
      }
    }
    return out;
  }

  /**
   * Replaces the optimiser state by `state` (from {@link SlotOptimizer.getState}); the tensors are
   * copied, so the caller still owns and disposes `state`.
   *
   * @param variables the same kind of list given to `getState` when the state is keyed by position.
   */
  setState(state: OptimizerState, variables?: tf.Variable[]): void {
    const fn = `${this.label}.setState`;
    if (state == null || typeof state !== 'object') throw new Error(`${fn}: argument 'state' must be a tf.NamedTensorMap.`);
    const registered = tf.engine().registeredVariables;
    const resolve = (key: string): tf.Variable => {
      if (variables) {
        const i = Number(key);
        if (!Number.isInteger(i) || i < 0 || i >= variables.length) {
          throw new Error(`${fn}: state key '${key}' is not a position in the ${variables.length} variables given.`);
        }
        return variables[i];
      }
      const v = registered[key];
      if (v == null) throw new Error(`${fn}: state names variable '${key}', which is not registered; pass the variable list used by getState.`);
      return v;
    };
    const slots = new Map<string, Map<string, tf.Variable>>();
    const counters = new Map<string, number>();
    let iterations = 0;
    try {
      for (const [key, tensor] of Object.entries(state)) {
        if (!(tensor instanceof tf.Tensor)) throw new Error(`${fn}: state entry '${key}' is not a tensor.`);
        if (key === 'iterations') {
          iterations = tensor.dataSync()[0];
          continue;
        }
        const cut = key.lastIndexOf('/');
        if (cut < 0) throw new Error(`${fn}: state key '${key}' is not of the form '<variable>/<slot>'.`);
        const slot = key.slice(cut + 1);
        const variable = resolve(key.slice(0, cut));
        if (slot === 'step' && this.counters()) {
          counters.set(variable.name, tensor.dataSync()[0]);
          continue;
        }
        if (!this.slotNames.includes(slot)) {
          throw new Error(`${fn}: unknown slot '${slot}' in '${key}'; expected one of ${this.slotNames.join(', ')}.`);
        }
        if (!tf.util.arraysEqual(tensor.shape, variable.shape)) {
          throw new Error(`${fn}: '${key}' ${shapeString(tensor.shape)} does not match variable '${variable.name}' ${shapeString(variable.shape)}.`);
        }
        let m = slots.get(variable.name);
        if (!m) slots.set(variable.name, (m = new Map()));
        m.set(slot, tf.tidy(() => tf.variable(tf.cast(tensor, 'float32'), false)));
      }
    } catch (err) {
      for (const m of slots.values()) for (const v of m.values()) v.dispose();
      throw err;
    }
    this.disposeSlots();
    for (const [k, m] of slots) this.slots.set(k, m);
    this.iterations_ = iterations;
    this.restoreCounters(counters);
  }

  /** Restores per-variable counters (override with {@link SlotOptimizer.counters}). */
  protected restoreCounters(_counters: Map<string, number>): void {}

  /** tfjs-compatible export: `[iterations, ...slots]`, keyed by variable name; caller disposes. */
  override async getWeights(): Promise<NamedTensor[]> {
    const state = this.getState();
    return Object.entries(state).map(([name, tensor]) => ({ name: name === 'iterations' ? 'iter' : name, tensor }));
  }

  /** tfjs-compatible import of {@link SlotOptimizer.getWeights}' output. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const state: OptimizerState = {};
    for (const { name, tensor } of weightValues) state[name === 'iter' ? 'iterations' : name] = tensor;
    this.setState(state);
  }

  /** Disposes the optimiser's state variables. */
  override dispose(): void {
    this.disposeSlots();
  }

  private disposeSlots(): void {
    for (const m of this.slots.values()) for (const v of m.values()) v.dispose();
    this.slots.clear();
  }

  private slotsFor(variable: tf.Variable): Map<string, tf.Variable> {
    let m = this.slots.get(variable.name);
    if (!m) {
      m = new Map();
      for (const slot of this.slotNames) m.set(slot, tf.tidy(() => tf.variable(tf.zerosLike(variable), false)));
      this.slots.set(variable.name, m);
    }
    return m;
  }

  private keyMapper(variables?: tf.Variable[]): (name: string) => string | null {
    if (!variables) return (name) => name;
    const index = new Map(variables.map((v, i) => [v.name, String(i)]));
    return (name) => index.get(name) ?? null;
  }
}
