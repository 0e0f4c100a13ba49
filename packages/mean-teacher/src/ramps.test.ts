import { describe, expect, it } from 'vitest';
import { cosineRampdown, getCurrentConsistencyWeight, linearRampup, sigmoidRampup } from './ramps';

describe('sigmoidRampup', () => {
  it.each([
    [0, 100, Math.exp(-5)],
    [50, 100, Math.exp(-5 * 0.25)],
    [80, 100, Math.exp(-5 * 0.04)],
    [100, 100, 1],
    [250, 100, 1],
    [0, 0, 1],
    [7, 0, 1],
  ])('step %d of %d -> exp(-5 (1 - t/T)^2)', (step, t, expected) => {
    expect(sigmoidRampup(step, t)).toBeCloseTo(expected, 12);
  });

  it('is monotone non-decreasing and within (0, 1]', () => {
    let prev = 0;
    for (let s = 0; s <= 120; s++) {
      const v = sigmoidRampup(s, 100);
      expect(v).toBeGreaterThanOrEqual(prev);
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(1);
      prev = v;
    }
  });

  it('rejects negative or non-finite arguments with a named error', () => {
    expect(() => sigmoidRampup(-1, 10)).toThrow(/sigmoidRampup: argument 'step'/);
    expect(() => sigmoidRampup(1, Number.NaN)).toThrow(/sigmoidRampup: argument 'rampupSteps'/);
  });
});

describe('linearRampup', () => {
  it.each([
    [0, 100, 0],
    [25, 100, 0.25],
    [100, 100, 1],
    [150, 100, 1],
    [0, 0, 1],
  ])('step %d of %d -> %d', (step, t, expected) => {
    expect(linearRampup(step, t)).toBeCloseTo(expected, 12);
  });
  it('rejects negative steps', () => {
    expect(() => linearRampup(-2, 10)).toThrow(/linearRampup: argument 'step' must be >= 0/);
  });
});

describe('cosineRampdown', () => {
  it.each([
    [0, 100, 1],
    [25, 100, 0.5 * (Math.cos(Math.PI / 4) + 1)],
    [50, 100, 0.5],
    [100, 100, 0],
    [130, 100, 0],
  ])('step %d of %d -> 0.5 (cos(pi t/T) + 1)', (step, t, expected) => {
    expect(cosineRampdown(step, t)).toBeCloseTo(expected, 12);
  });
  it('requires a positive length', () => {
    expect(() => cosineRampdown(0, 0)).toThrow(/cosineRampdown: argument 'rampdownSteps' must be > 0/);
  });
});

describe('getCurrentConsistencyWeight', () => {
  it('defaults to 0.1 * sigmoidRampup(step, 200) (SSL4MIS)', () => {
    expect(getCurrentConsistencyWeight(100)).toBeCloseTo(0.1 * Math.exp(-5 * 0.25), 12);
    expect(getCurrentConsistencyWeight(1000)).toBeCloseTo(0.1, 12);
  });
  it('evaluates the ramp at floor(step / stepsPerUnit), as SSL4MIS iter_num // 150', () => {
    // iter 1499 // 150 = 9 -> exp(-5 (1 - 9/200)^2)
    const w = getCurrentConsistencyWeight(1499, { weight: 0.1, rampupSteps: 200, stepsPerUnit: 150 });
    expect(w).toBeCloseTo(0.1 * Math.exp(-5 * (1 - 9 / 200) ** 2), 12);
    expect(getCurrentConsistencyWeight(10, { weight: 2, rampupSteps: 0 })).toBe(2);
  });
  it('rejects a zero stepsPerUnit', () => {
    expect(() => getCurrentConsistencyWeight(1, { stepsPerUnit: 0 })).toThrow(/stepsPerUnit/);
  });
});
