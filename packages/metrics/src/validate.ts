/**
 * Shared argument checks. Every error names the public function, the argument and what was
 * expected, so a bad call fails loudly instead of producing a silently wrong metric.
 */

/** Any numeric typed array accepted as a mask or label map. Values are never modified. */
export type NumericArray =
  | Uint8Array
  | Uint8ClampedArray
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** Extent of a 2D `[H, W]` or 3D `[D, H, W]` grid, C order (last axis contiguous). */
export type Shape = readonly number[];

/** Physical size of one voxel along each axis of {@link Shape}, same order (e.g. `[z, y, x]` mm). */
export type Spacing = readonly number[];

/** Throws unless `shape` is `[H, W]` or `[D, H, W]` of positive integers; returns the voxel count. */
export function checkShape(fn: string, shape: unknown, arg = 'shape'): number {
  if (!Array.isArray(shape)) {
    throw new Error(`${fn}: argument '${arg}' must be an array [H, W] or [D, H, W], got ${String(shape)}`);
  }
  if (shape.length === 0) {
    throw new Error(`${fn}: argument '${arg}' is empty; expected [H, W] or [D, H, W]`);
  }
  if (shape.length !== 2 && shape.length !== 3) {
    throw new Error(
      `${fn}: argument '${arg}' must have 2 or 3 dimensions ([H, W] or [D, H, W]), got [${shape.join(', ')}]`,
    );
  }
  let size = 1;
  for (const n of shape) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
      throw new Error(
        `${fn}: argument '${arg}' must contain positive integers (an empty grid has no metric), got [${shape.join(', ')}]`,
      );
    }
    size *= n;
  }
  return size;
}

/** Resolves `spacing` (default all ones) and throws unless it has one finite positive entry per axis. */
export function checkSpacing(fn: string, spacing: Spacing | undefined, ndim: number, arg = 'spacing'): number[] {
  if (spacing === undefined) return new Array<number>(ndim).fill(1);
  if (!Array.isArray(spacing) && !ArrayBuffer.isView(spacing)) {
    throw new Error(`${fn}: argument '${arg}' must be an array of ${ndim} positive numbers`);
  }
  const s = Array.from(spacing as ArrayLike<number>);
  if (s.length !== ndim) {
    throw new Error(
      `${fn}: argument '${arg}' must have one entry per axis (${ndim}), got ${s.length} ([${s.join(', ')}])`,
    );
  }
  for (const v of s) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new Error(`${fn}: argument '${arg}' must contain finite positive numbers, got [${s.join(', ')}]`);
    }
  }
  return s;
}

/** Throws unless `array` is a numeric typed array of exactly `size` elements. */
export function checkArray(fn: string, arg: string, array: unknown, size: number, shape: Shape): void {
  if (!ArrayBuffer.isView(array) || array instanceof DataView || typeof (array as NumericArray).length !== 'number') {
    throw new Error(`${fn}: argument '${arg}' must be a numeric typed array (Uint8Array, Int32Array, Float32Array, ...)`);
  }
  if (array instanceof BigInt64Array || array instanceof BigUint64Array) {
    throw new Error(`${fn}: argument '${arg}' must be a numeric typed array, got a BigInt array`);
  }
  const length = (array as NumericArray).length;
  if (length !== size) {
    throw new Error(
      `${fn}: shape mismatch: argument '${arg}' has ${length} elements but shape [${shape.join(', ')}] needs ${size}`,
    );
  }
}

function isFloatArray(a: NumericArray): boolean {
  return a instanceof Float32Array || a instanceof Float64Array;
}

/** Throws unless every value of a label map is an integer in `[0, numClasses)`. */
export function checkLabels(fn: string, arg: string, labels: NumericArray, numClasses: number): void {
  const float = isFloatArray(labels);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (float && !Number.isInteger(v)) {
      throw new Error(`${fn}: argument '${arg}' must hold integer class labels, found ${v} at index ${i}`);
    }
    if (v < 0 || v >= numClasses) {
      throw new Error(
        `${fn}: argument '${arg}' holds label ${v} at index ${i}, outside [0, ${numClasses}) (numClasses = ${numClasses})`,
      );
    }
  }
}

/** Throws if a floating-point binary mask holds NaN (non-zero means foreground otherwise). */
export function checkBinary(fn: string, arg: string, mask: NumericArray): void {
  if (!isFloatArray(mask)) return;
  for (let i = 0; i < mask.length; i++) {
    if (Number.isNaN(mask[i])) {
      throw new Error(`${fn}: argument '${arg}' holds NaN at index ${i}; a binary mask needs 0 (background) or non-zero`);
    }
  }
}

/** Throws if an instance map holds negative or non-integer values. */
export function checkInstances(fn: string, arg: string, labels: NumericArray): void {
  const float = isFloatArray(labels);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if ((float && !Number.isInteger(v)) || v < 0) {
      throw new Error(
        `${fn}: argument '${arg}' must hold non-negative integer instance labels (0 = background), found ${v} at index ${i}`,
      );
    }
  }
}

/** Throws unless `numClasses` is an integer >= 1. */
export function checkNumClasses(fn: string, numClasses: unknown): number {
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`${fn}: argument 'numClasses' must be an integer >= 1, got ${String(numClasses)}`);
  }
  return numClasses;
}
