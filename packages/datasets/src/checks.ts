import { DatasetError } from './dataset-error';

/**
 * Throws a {@link DatasetError} at the first NaN or infinite value, naming the file and the field
 * (e.g. `dataset 'image'`), e.g. `dataset 'image' value NaN at index 17 is not finite (expected finite intensities)`.
 */
export function checkFinite(fn: string, file: string, field: string, values: ArrayLike<number>): void {
  let probe = 0; // x * 0 is NaN exactly for NaN and +-Infinity: one branch-free pass in the usual case
  for (let i = 0; i < values.length; i++) probe += values[i] * 0;
  if (probe === 0) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new DatasetError(fn, file, `${field} value ${v} at index ${i} is not finite (expected finite intensities)`);
  }
}

/** Throws a {@link DatasetError} at the first label value that is not an integer in `0..numClasses-1`. */
export function checkLabels(fn: string, file: string, field: string, values: ArrayLike<number>, numClasses: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v >= 0 && v < numClasses && Number.isInteger(v)) continue;
    const why = Number.isInteger(v) ? `is outside the class range 0..${numClasses - 1}` : `is not an integer class id (expected 0..${numClasses - 1})`;
    throw new DatasetError(fn, file, `${field} value ${v} at index ${i} ${why}`);
  }
}
