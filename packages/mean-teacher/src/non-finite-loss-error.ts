/**
 * Thrown by {@link trainStep} when the total loss is NaN or infinite, before any variable is
 * updated: the weights are exactly as they were before the step.
 *
 * @example
 * ```ts
 * try { await trainStep(...); } catch (e) { if (e instanceof NonFiniteLossError) console.log(e.step, e.terms); }
 * ```
 */
export class NonFiniteLossError extends Error {
  /** The step passed to `trainStep`. */
  readonly step: number;
  /** Names of the non-finite terms (`'total'` when every term is finite but their weighted sum is not). */
  readonly terms: string[];
  /** Every term's value (unweighted) and the total, as read back. */
  readonly values: Record<string, number>;

  constructor(step: number, terms: string[], values: Record<string, number>) {
    const shown = terms.map((t) => (t in values ? `${t} = ${values[t]}` : t)).join(', ');
    super(`trainStep: non-finite loss at step ${step} (${shown}); the update was not applied.`);
    this.name = 'NonFiniteLossError';
    this.step = step;
    this.terms = terms;
    this.values = values;
  }
}
