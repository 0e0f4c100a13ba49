import { assertInRange, assertNonNegative } from './assert';

/**
 * EMA decay with warm-up (Tarvainen & Valpola 2017; SSL4MIS `update_ema_variables`).
 *
 * Formula: `alpha_t = min(1 - 1/(t + 1), maxDecay)`. At `t = 0` it is 0 (the teacher becomes a copy
 * of the student), at `t = 1` 0.5, and it reaches `maxDecay` at `t = 1/(1 - maxDecay) - 1`
 * (99 for 0.99).
 *
 * @param step the step just taken, counted from 0 (SSL4MIS passes `iter_num` before incrementing it).
 * @param maxDecay upper bound of the decay, in [0, 1]. Default 0.99.
 * @returns alpha_t in [0, maxDecay].
 * @example
 * ```ts
 * emaDecay(0);   // 0
 * emaDecay(3);   // 0.75
 * emaDecay(999); // 0.99
 * ```
 */
export function emaDecay(step: number, maxDecay = 0.99): number {
  assertNonNegative('emaDecay', 'step', step);
  assertInRange('emaDecay', 'maxDecay', maxDecay, 0, 1);
  return Math.min(1 - 1 / (step + 1), maxDecay);
}
