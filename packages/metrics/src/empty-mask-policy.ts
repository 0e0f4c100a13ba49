/**
 * What a metric returns when a mask is empty. Empty masks are never silently turned into 0:
 *
 * | case | overlap (Dice, Jaccard, precision, recall) | distances (HD, HD95, ASD, ASSD) |
 * | --- | --- | --- |
 * | both empty | `NaN` (`bothEmpty: 'nan'`, default) or 1 (`'perfect'`) | `NaN` or 0 (`'perfect'`) |
 * | one empty | 0 | `NaN` (default), the grid diagonal (`oneEmptyDistance: 'diagonal'`) or a given number |
 *
 * NaN values are skipped (and counted) by {@link SegmentationMetric.aggregate}.
 */
export interface EmptyMaskOptions {
  /** Prediction and reference both empty: `'nan'` (default, excluded from means) or `'perfect'` (overlap 1, distance 0). */
  bothEmpty?: 'nan' | 'perfect';
  /**
   * Exactly one of prediction / reference empty: distance metrics are `NaN` (`'nan'`, default), the
   * physical diagonal of the grid `sqrt(sum_a (shape_a * spacing_a)^2)` (`'diagonal'`), or the given
   * non-negative number (a fixed penalty in physical units).
   */
  oneEmptyDistance?: 'nan' | 'diagonal' | number;
}

/** Resolved {@link EmptyMaskOptions}. Internal. */
export interface EmptyPolicy {
  bothEmptyOverlap: number;
  bothEmptyDistance: number;
  oneEmptyDistance: number;
}

/** Validates and resolves the empty-mask options for a grid. Internal. */
export function resolveEmptyPolicy(
  fn: string,
  options: EmptyMaskOptions | undefined,
  shape: readonly number[] | undefined,
  spacing: readonly number[] | undefined,
): EmptyPolicy {
  const both = options?.bothEmpty ?? 'nan';
  if (both !== 'nan' && both !== 'perfect') {
    throw new Error(`${fn}: option 'bothEmpty' must be 'nan' or 'perfect', got ${String(both)}`);
  }
  const one = options?.oneEmptyDistance ?? 'nan';
  let oneEmptyDistance: number;
  if (one === 'nan') oneEmptyDistance = NaN;
  else if (one === 'diagonal') {
    if (shape === undefined) throw new Error(`${fn}: option oneEmptyDistance 'diagonal' needs 'shape'`);
    let s = 0;
    for (let a = 0; a < shape.length; a++) {
      const e = shape[a] * (spacing ? spacing[a] : 1);
      s += e * e;
    }
    oneEmptyDistance = Math.sqrt(s);
  } else if (typeof one === 'number' && Number.isFinite(one) && one >= 0) oneEmptyDistance = one;
  else {
    throw new Error(
      `${fn}: option 'oneEmptyDistance' must be 'nan', 'diagonal' or a finite number >= 0, got ${String(one)}`,
    );
  }
  return {
    bothEmptyOverlap: both === 'perfect' ? 1 : NaN,
    bothEmptyDistance: both === 'perfect' ? 0 : NaN,
    oneEmptyDistance,
  };
}
