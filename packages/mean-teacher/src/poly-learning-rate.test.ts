import { describe, expect, it } from 'vitest';
import { polyLearningRate } from './poly-learning-rate';

describe('polyLearningRate', () => {
  it.each([
    [0.01, 0, 1000, 0.9, 0.01],
    [0.01, 500, 1000, 0.9, 0.01 * 0.5 ** 0.9],
    [0.01, 999, 1000, 0.9, 0.01 * 0.001 ** 0.9],
    [0.01, 1000, 1000, 0.9, 0],
    [0.01, 2000, 1000, 0.9, 0],
    [0.1, 300, 1000, 2, 0.1 * 0.7 ** 2],
    [0.1, 300, 1000, 0, 0.1],
  ])('base %d, step %d of %d, power %d', (base, step, max, power, expected) => {
    expect(polyLearningRate(base, step, max, power)).toBeCloseTo(expected, 14);
  });
  it('defaults to power 0.9', () => {
    expect(polyLearningRate(1, 250, 1000)).toBeCloseTo(0.75 ** 0.9, 14);
  });
  it('rejects bad arguments', () => {
    expect(() => polyLearningRate(0.01, 1, 0)).toThrow(/polyLearningRate: argument 'maxSteps' must be > 0/);
    expect(() => polyLearningRate(-1, 1, 10)).toThrow(/baseLr/);
    expect(() => polyLearningRate(0.01, 1, 10, -1)).toThrow(/power/);
  });
});

