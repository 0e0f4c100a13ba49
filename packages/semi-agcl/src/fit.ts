import { NonFiniteLossError } from '@agcl/mean-teacher';
import type { SemiAgcl, StepBatch, StepResult } from './step';

/** One step's record, as {@link FitHooks.onStep} receives it. */
export interface FitStepRecord extends StepResult {
  /** Steps completed (the 0-based step + 1). */
  step: number;
  /** Wall-clock seconds of the step, batch drawing included. */
  seconds: number;
}

/** Callbacks of {@link fit}; each may be async. */
export interface FitHooks {
  /** After every step. */
  onStep?(record: FitStepRecord): void | Promise<void>;
  /** Every `validateEvery` completed steps and after the last step. */
  onValidate?(completed: number): void | Promise<void>;
  /** After each validation, and when training stops early (a stop request). */
  onCheckpoint?(completed: number, reason: 'validation' | 'stop'): void | Promise<void>;
  /** Asked before every step: a reason to stop (finish here, checkpoint), or null to go on. */
  shouldStop?(): string | null;
}

/** Options of {@link fit}. */
export interface FitOptions extends FitHooks {
  /** The step to train. */
  semi: SemiAgcl;
  /** Total steps of the run. */
  steps: number;
  /** First 0-based step (a resumed run's checkpoint step). Default 0. */
  startStep?: number;
  /**
   * The batch of a step. `fit` disposes its tensors after the step. Make it a function of the step
   * (seeded by it) and a resumed run sees the batches of an uninterrupted one.
   */
  batch(step: number): StepBatch | Promise<StepBatch>;
  /** Validate (and checkpoint) every this many steps. Default: only after the last. */
  validateEvery?: number;
  /** Stops like {@link FitHooks.shouldStop} when aborted. */
  signal?: AbortSignal;
}

/** How {@link fit} ended. */
export interface FitResult {
  /** Steps completed. */
  step: number;
  status: 'completed' | 'stopped' | 'non-finite';
  /** Why it stopped early. */
  reason: string | null;
  /** With status 'non-finite': the error (no update was applied, no checkpoint written). */
  error: NonFiniteLossError | null;
}

// Lets the event loop run between steps so that a stop request (Ctrl-C, an abort, a browser event)
// is seen during training, not only after it.
const yieldToEventLoop = () =>
  new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/**
 * A small training loop around {@link SemiAgcl.step}, in Node and in a browser: draws each step's batch,
 * steps, reports, validates and checkpoints through hooks, and stops cleanly on request. A non-finite
 * loss ends the loop with status 'non-finite' (nothing applied, no checkpoint); other errors propagate.
 *
 * @example
 * ```ts
 * const result = await fit({
 *   semi, steps: 1000, validateEvery: 100,
 *   batch: (step) => ({ xl, yl, xu }),         // tensors of the step
 *   onStep: (r) => console.log(r.step, r.loss),
 *   onValidate: async (completed) => { ... },
 * });
 * ```
 */
export async function fit(options: FitOptions): Promise<FitResult> {
  const { semi, steps, startStep = 0, validateEvery = steps } = options;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`fit: option 'steps' must be an integer >= 1; got ${steps}`);
  if (!Number.isInteger(startStep) || startStep < 0 || startStep > steps) throw new Error(`fit: option 'startStep' must be an integer in [0, steps]; got ${startStep}`);
  if (!Number.isInteger(validateEvery) || validateEvery < 1) throw new Error(`fit: option 'validateEvery' must be an integer >= 1; got ${validateEvery}`);
  const stopReason = () => options.shouldStop?.() ?? (options.signal?.aborted ? 'abort signal' : null);
  let step = startStep;
  try {
    for (; step < steps; step++) {
      await yieldToEventLoop();
      const reason = stopReason();
      if (reason) {
        await options.onCheckpoint?.(step, 'stop');
        return { step, status: 'stopped', reason, error: null };
      }
      await runOne(options, step);
      const completed = step + 1;
      if (completed % validateEvery === 0 || completed === steps) {
        await options.onValidate?.(completed);
        await options.onCheckpoint?.(completed, 'validation');
      }
    }
  } catch (err) {
    if (err instanceof NonFiniteLossError) return { step, status: 'non-finite', reason: null, error: err };
    throw err;
  }
  return { step, status: 'completed', reason: null, error: null };
}

async function runOne(options: FitOptions, step: number): Promise<void> {
  const t0 = Date.now();
  const batch = await options.batch(step);
  let result: StepResult;
  try {
    result = await options.semi.step(batch, step);
  } finally {
    batch.xl.dispose();
    batch.yl.dispose();
    batch.xu?.dispose();
  }
  await options.onStep?.({ ...result, step: step + 1, seconds: (Date.now() - t0) / 1000 });
}
