import * as tf from '@tensorflow/tfjs-core';
import { assertFiniteNumber, assertNonNegative } from './assert';
import { ensureGradientsRegistered, GRADIENTS_HINT, isMissingGradientError } from './ensure-gradients';
import { NonFiniteLossError } from './non-finite-loss-error';

/** Options of {@link trainStep}. */
export interface TrainStepOptions {
  /** The trainable variables to update (e.g. `student.trainableVariables()`); non-empty, all trainable. */
  variables: tf.Variable[];
  /** A `tf.Optimizer` (e.g. from {@link createOptimizer}), or the handle `createOptimizer` returns. */
  optimizer: tf.Optimizer | { optimizer: tf.Optimizer };
  /** The step number (for messages and errors), >= 0. */
  step: number;
  /**
   * Computes the loss terms as scalars, inside the gradient tape: it must contain `'supervised'`;
   * every other key is an extra term (consistency, contrastive, affinity, ...). Tensors it creates
   * are disposed by `trainStep`. Teacher outputs should be computed outside (or wrapped in
   * `tf.stopGradient`); only `variables` receive gradients anyway.
   */
  losses: () => Record<string, tf.Tensor>;
  /** Weight `lambda_k` per extra term; a term without an entry has weight 1. Keys must name terms. */
  weights?: Record<string, number>;
  /** Ramp-up multiplier `w(t)` of the extra terms, already computed (e.g. {@link sigmoidRampup}). Default 1. */
  rampup?: number;
  /** When given, set as the optimiser's learning rate before the update (needs `setLearningRate`). */
  learningRate?: number;
  /**
   * Variables written during `losses()` by the forward pass (e.g. batch-norm running statistics)
   * that should be restored when the step is rejected for a non-finite loss. Default none.
   */
  restoreOnNonFinite?: tf.Variable[];
  /** Also reject the step when a gradient holds NaN or infinity. Default false. */
  checkGradients?: boolean;
}

/** What {@link trainStep} returns. */
export interface TrainStepResult {
  /** Total loss `L = supervised + rampup * sum_k weights[k] * terms[k]`. */
  loss: number;
  /** Each term's unweighted value, including `supervised`. */
  terms: Record<string, number>;
}

/**
 * One semi-supervised optimisation step: evaluates the loss terms under a gradient tape, checks
 * the total is finite, then applies the optimiser update.
 *
 * Formula: `L = L_sup + w(t) * sum_k lambda_k L_k` (docs/method.md, Losses), gradients by
 * `tf.variableGrads` over `variables`.
 *
 * Order: (1) gradients registered? (once per process; else an Error saying how to register them);
 * (2) `losses()` and the gradients; (3) the term values and the total are read back (`await data()`);
 * (4) a non-finite total (or gradient, with `checkGradients`) throws {@link NonFiniteLossError}
 * naming the offending terms, with the variables and optimiser state untouched; (5) otherwise the
 * optimiser applies the gradients. Every tensor it creates is disposed; it returns plain numbers.
 *
 * @param options see {@link TrainStepOptions}.
 * @returns the total and each term, as numbers.
 * @example
 * ```ts
 * const { loss, terms } = await trainStep({
 *   variables: student.trainableVariables(), optimizer, step,
 *   losses: () => ({ supervised: supervisedLoss(logitsL(), yl), consistency: softmaxMse(logitsU(), teacherU) }),
 *   weights: { consistency: 0.1 }, rampup: sigmoidRampup(step, 200),
 * });
 * ```
 */
export async function trainStep(options: TrainStepOptions): Promise<TrainStepResult> {
  const fn = 'trainStep';
  if (options == null || typeof options !== 'object') throw new Error(`${fn}: argument 'options' must be an object.`);
  const { variables, step, losses, weights = {}, rampup = 1, learningRate, restoreOnNonFinite = [], checkGradients = false } = options;
  const optimizer = resolveOptimizer(options.optimizer);
  if (!Array.isArray(variables) || variables.length === 0) {
    throw new Error(`${fn}: option 'variables' must be a non-empty array of tf.Variable.`);
  }
  variables.forEach((v, i) => {
    if (!(v instanceof tf.Variable)) throw new Error(`${fn}: variables[${i}] is not a tf.Variable.`);
    if (!v.trainable) throw new Error(`${fn}: variables[${i}] ('${v.name}') is not trainable.`);
  });
  assertNonNegative(fn, 'step', step);
  if (typeof losses !== 'function') throw new Error(`${fn}: option 'losses' must be a function returning Record<string, tf.Scalar>.`);
  assertFiniteNumber(fn, 'rampup', rampup);
  for (const [k, w] of Object.entries(weights)) assertFiniteNumber(fn, `weights.${k}`, w);
  if (learningRate !== undefined) {
    assertNonNegative(fn, 'learningRate', learningRate);
    const setter = (optimizer as { setLearningRate?: unknown }).setLearningRate;
    if (typeof setter !== 'function') throw new Error(`${fn}: option 'learningRate' needs an optimizer with setLearningRate().`);
  }
  ensureGradientsRegistered();

  let names: string[] = [];
  let packed: tf.Tensor | null = null;
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
  const snapshot = restoreOnNonFinite.map((v) => tf.clone(v));
  try {
    result = tf.variableGrads(() => {
      const out = losses();
      names = checkTerms(out, weights);
      const extra = names.filter((n) => n !== 'supervised');
      let total: tf.Tensor = out.supervised;
      if (extra.length > 0) {
        const weighted = extra.map((n) => tf.mul(out[n], weights[n] ?? 1));
        total = tf.add(total, tf.mul(weighted.length === 1 ? weighted[0] : tf.addN(weighted), rampup));
      }
      packed = tf.keep(tf.stack(names.map((n) => out[n])));
      return total as tf.Scalar;
    }, variables);
  } catch (err) {
    tf.dispose(snapshot);
    if (packed) (packed as tf.Tensor).dispose();
    if (isMissingGradientError(err)) {
      throw new Error(`${fn}: ${(err as Error).message}. ${GRADIENTS_HINT}`);
    }
    throw err;
  }
  const packedValues = packed as unknown as tf.Tensor;
  const disposeAll = (): void => {
    tf.dispose(result.value);
    tf.dispose(result.grads);
    packedValues.dispose();
    tf.dispose(snapshot);
  };
  const [termData, totalData] = await Promise.all([packedValues.data(), result.value.data()]);
  const terms: Record<string, number> = {};
  names.forEach((n, i) => (terms[n] = termData[i]));
  const loss = totalData[0];
  let bad: string[] = [];
  if (!Number.isFinite(loss)) {
    bad = names.filter((n) => !Number.isFinite(terms[n]));
    if (bad.length === 0) bad = ['total'];
  } else if (checkGradients) {
    const gradNames = Object.keys(result.grads);
    const sums = tf.tidy(() => tf.stack(gradNames.map((n) => tf.sum(result.grads[n]))));
    const data = await sums.data();
    sums.dispose();
    bad = gradNames.filter((_, i) => !Number.isFinite(data[i])).map((n) => `gradient of '${n}'`);
  }
  if (bad.length > 0) {
    restoreOnNonFinite.forEach((v, i) => v.assign(snapshot[i]));
    disposeAll();
    throw new NonFiniteLossError(step, bad, { ...terms, total: loss });
  }
  try {
    if (learningRate !== undefined) (optimizer as unknown as { setLearningRate(lr: number): void }).setLearningRate(learningRate);
    optimizer.applyGradients(result.grads);
  } finally {
    disposeAll();
  }
  return { loss, terms };
}

function resolveOptimizer(value: unknown): tf.Optimizer {
  // tf.Optimizer's instanceof is duck-typed (minimize / computeGradients / applyGradients) and
  // throws on null, so guard first.
  const isOptimizer = (x: unknown): x is tf.Optimizer => x != null && typeof x === 'object' && x instanceof tf.Optimizer;
  if (isOptimizer(value)) return value;
  if (value != null && typeof value === 'object' && isOptimizer((value as { optimizer?: unknown }).optimizer)) {
    return (value as { optimizer: tf.Optimizer }).optimizer;
  }
  throw new Error("trainStep: option 'optimizer' must be a tf.Optimizer or the object createOptimizer() returns.");
}

function checkTerms(out: unknown, weights: Record<string, number>): string[] {
  const fn = 'trainStep';
  if (out == null || typeof out !== 'object') throw new Error(`${fn}: losses() must return an object of scalar tensors.`);
  const record = out as Record<string, unknown>;
  if (!('supervised' in record)) throw new Error(`${fn}: losses() must return a 'supervised' term; got keys [${Object.keys(record).join(', ')}].`);
  for (const [k, t] of Object.entries(record)) {
    if (!(t instanceof tf.Tensor) || t.rank !== 0 || t.dtype !== 'float32') {
      const got = t instanceof tf.Tensor ? `${t.dtype} of shape [${t.shape.join(',')}]` : typeof t;
      throw new Error(`${fn}: losses().${k} must be a float32 scalar tensor; got ${got}.`);
    }
  }
  for (const k of Object.keys(weights)) {
    if (k === 'supervised') throw new Error(`${fn}: option 'weights' must not weight 'supervised' (it has weight 1, unramped).`);
    if (!(k in record)) throw new Error(`${fn}: option 'weights' names '${k}', which losses() did not return.`);
  }
  return ['supervised', ...Object.keys(record).filter((k) => k !== 'supervised')];
}
