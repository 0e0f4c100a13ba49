/**
 * Argument checks shared by the package. Internal: not re-exported from the index.
 * Every message names the function, the argument and what was expected (tfjs-core style).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Throws unless `value` is a finite number. */
export function assertFiniteNumber(fn: string, arg: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${fn}: argument '${arg}' must be a finite number; got ${String(value)}.`);
  }
}

/** Throws unless `value` is a finite number >= 0. */
export function assertNonNegative(fn: string, arg: string, value: unknown): asserts value is number {
  assertFiniteNumber(fn, arg, value);
  if (value < 0) throw new Error(`${fn}: argument '${arg}' must be >= 0; got ${value}.`);
}

/** Throws unless `value` is a finite number > 0. */
export function assertPositive(fn: string, arg: string, value: unknown): asserts value is number {
  assertFiniteNumber(fn, arg, value);
  if (value <= 0) throw new Error(`${fn}: argument '${arg}' must be > 0; got ${value}.`);
}

/** Throws unless `value` is a finite number in [lo, hi]. */
export function assertInRange(fn: string, arg: string, value: unknown, lo: number, hi: number): asserts value is number {
  assertFiniteNumber(fn, arg, value);
  if (value < lo || value > hi) throw new Error(`${fn}: argument '${arg}' must be in [${lo}, ${hi}]; got ${value}.`);
}

/** Throws unless `value` is a tf.Tensor (not disposed). */
export function assertTensor(fn: string, arg: string, value: unknown): asserts value is tf.Tensor {
  if (!(value instanceof tf.Tensor)) {
    throw new Error(`${fn}: argument '${arg}' must be a tf.Tensor; got ${value === null ? 'null' : typeof value}.`);
  }
  if (value.isDisposed) throw new Error(`${fn}: argument '${arg}' is a disposed tensor.`);
}

/** Throws unless `value` is a float32 tensor of rank >= minRank. */
export function assertFloatTensor(fn: string, arg: string, value: unknown, minRank: number): asserts value is tf.Tensor {
  assertTensor(fn, arg, value);
  if (value.dtype !== 'float32') {
    throw new Error(`${fn}: argument '${arg}' must have dtype float32; got ${value.dtype}.`);
  }
  if (value.rank < minRank) {
    throw new Error(`${fn}: argument '${arg}' must have rank >= ${minRank} (channels last); got shape [${value.shape.join(',')}].`);
  }
}

/** Throws unless `value` is one of `allowed`. */
export function assertOneOf<T extends string>(fn: string, arg: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new Error(`${fn}: option '${arg}' must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${JSON.stringify(value)}.`);
  }
}

/** Formats a shape for messages. */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
