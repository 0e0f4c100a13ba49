import { assertFiniteNumber, assertNonNegative, assertPositive } from './assert';

/**
 * Polynomial learning-rate decay (SSL4MIS: `lr = base_lr * (1 - iter_num / max_iterations) ** 0.9`).
 *
 * Formula: `lr(t) = base * (1 - min(t, T) / T)^power`; 0 from `t = T` on.
 *
 * @param baseLr learning rate at step 0, >= 0.
 * @param step current step, >= 0 (steps past `maxSteps` give 0).
 * @param maxSteps total steps `T`, > 0.
 * @param power exponent, >= 0. Default 0.9.
 * @returns the learning rate for `step`.
 * @example
 * ```ts
 * polyLearningRate(0.01, 500, 1000); // 0.01 * 0.5^0.9 = 0.005359...
 * ```
 */
export function polyLearningRate(baseLr: number, step: number, maxSteps: number, power = 0.9): number {
  assertNonNegative('polyLearningRate', 'baseLr', baseLr);
  assertNonNegative('polyLearningRate', 'step', step);
  assertPositive('polyLearningRate', 'maxSteps', maxSteps);
  assertFiniteNumber('polyLearningRate', 'power', power);
  if (power < 0) throw new Error(`polyLearningRate: argument 'power' must be >= 0; got ${power}.`);
  const t = Math.min(step, maxSteps);
  return baseLr * Math.pow(1 - t / maxSteps, power);
}
