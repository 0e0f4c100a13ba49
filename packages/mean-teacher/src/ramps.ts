import { assertNonNegative, assertPositive } from './assert';

/**
 * Sigmoid-shaped ramp-up from 0 to 1 (Laine & Aila 2017; SSL4MIS `ramps.sigmoid_rampup`).
 *
 * Formula: `t = clip(step, 0, T)`, `w = exp(-5 (1 - t/T)^2)`; `w = 1` when `T = 0`.
 * At `step = 0` it is `exp(-5) ~ 0.00674`, it reaches 1 at `step = T` and stays there.
 *
 * @param step current step (or epoch), >= 0.
 * @param rampupSteps length `T` of the ramp, >= 0.
 * @returns a number in (0, 1].
 * @example
 * ```ts
 * sigmoidRampup(0, 100);   // 0.006737...
 * sigmoidRampup(50, 100);  // exp(-1.25) = 0.2865...
 * sigmoidRampup(500, 100); // 1
 * ```
 */
export function sigmoidRampup(step: number, rampupSteps: number): number {
  assertNonNegative('sigmoidRampup', 'step', step);
  assertNonNegative('sigmoidRampup', 'rampupSteps', rampupSteps);
  if (rampupSteps === 0) return 1;
  const t = Math.min(step, rampupSteps);
  const phase = 1 - t / rampupSteps;
  return Math.exp(-5 * phase * phase);
}

/**
 * Linear ramp-up from 0 to 1 (SSL4MIS `ramps.linear_rampup`).
 *
 * Formula: `w = step / T` for `step < T`, else 1 (so `T = 0` gives 1).
 *
 * @param step current step, >= 0.
 * @param rampupSteps length `T` of the ramp, >= 0.
 * @returns a number in [0, 1].
 * @example
 * ```ts
 * linearRampup(25, 100); // 0.25
 * ```
 */
export function linearRampup(step: number, rampupSteps: number): number {
  assertNonNegative('linearRampup', 'step', step);
  assertNonNegative('linearRampup', 'rampupSteps', rampupSteps);
  if (step >= rampupSteps) return 1;
  return step / rampupSteps;
}

/**
 * Cosine ramp-down from 1 to 0 (Loshchilov & Hutter 2017; SSL4MIS `ramps.cosine_rampdown`).
 *
 * Formula: `t = clip(step, 0, T)`, `w = 0.5 (cos(pi t / T) + 1)`. SSL4MIS asserts `step <= T`;
 * here steps past `T` are clipped (the ramp stays at 0).
 *
 * @param step current step, >= 0.
 * @param rampdownSteps length `T` of the ramp, > 0.
 * @returns a number in [0, 1].
 * @example
 * ```ts
 * cosineRampdown(50, 100); // 0.5
 * ```
 */
export function cosineRampdown(step: number, rampdownSteps: number): number {
  assertNonNegative('cosineRampdown', 'step', step);
  assertPositive('cosineRampdown', 'rampdownSteps', rampdownSteps);
  const t = Math.min(step, rampdownSteps);
  return 0.5 * (Math.cos((Math.PI * t) / rampdownSteps) + 1);
}

/** Options of {@link getCurrentConsistencyWeight}. */
export interface ConsistencyWeightOptions {
  /** Final weight `lambda` (SSL4MIS `--consistency`). Default 0.1. */
  weight?: number;
  /** Ramp-up length `T` in units (SSL4MIS `--consistency_rampup`). Default 200. */
  rampupSteps?: number;
  /**
   * Steps per ramp unit: the ramp is evaluated at `floor(step / stepsPerUnit)`. Default 1 (ramp in
   * steps). SSL4MIS's 2D scripts call `get_current_consistency_weight(iter_num // 150)`: use 150 to
   * reproduce them exactly.
   */
  stepsPerUnit?: number;
}

/**
 * Consistency weight `w(t) = lambda * sigmoidRampup(floor(step / stepsPerUnit), T)` (SSL4MIS
 * `get_current_consistency_weight`).
 *
 * @param step current step, >= 0.
 * @param options see {@link ConsistencyWeightOptions}; defaults `{ weight: 0.1, rampupSteps: 200, stepsPerUnit: 1 }`.
 * @returns a number in (0, weight].
 * @example
 * ```ts
 * // SSL4MIS: consistency 0.1, rampup 200, evaluated at iter_num // 150
 * const w = getCurrentConsistencyWeight(iter, { weight: 0.1, rampupSteps: 200, stepsPerUnit: 150 });
 * ```
 */
export function getCurrentConsistencyWeight(step: number, options: ConsistencyWeightOptions = {}): number {
  const { weight = 0.1, rampupSteps = 200, stepsPerUnit = 1 } = options;
  assertNonNegative('getCurrentConsistencyWeight', 'step', step);
  assertNonNegative('getCurrentConsistencyWeight', 'weight', weight);
  assertPositive('getCurrentConsistencyWeight', 'stepsPerUnit', stepsPerUnit);
  return weight * sigmoidRampup(Math.floor(step / stepsPerUnit), rampupSteps);
}
