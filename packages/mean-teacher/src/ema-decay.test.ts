import { describe, expect, it } from 'vitest';
import { emaDecay } from './ema-decay';

describe('emaDecay', () => {
  it.each([
    [0, 0.99, 0],
    [1, 0.99, 0.5],
    [3, 0.99, 0.75],
    [98, 0.99, 1 - 1 / 99],
    [99, 0.99, 0.99],
    [5000, 0.99, 0.99],
    [1, 0.3, 0.3],
  ])('step %d, max %d -> min(1 - 1/(t+1), max)', (step, max, expected) => {
    expect(emaDecay(step, max)).toBeCloseTo(expected, 14);
  });
  it('defaults to maxDecay 0.99 and validates it', () => {
    expect(emaDecay(10_000)).toBe(0.99);
    expect(() => emaDecay(1, 1.5)).toThrow(/emaDecay: argument 'maxDecay' must be in \[0, 1\]/);
  });
});
