import { describe, expect, it } from 'vitest';
import { dice, jaccard, precision, recall } from './overlap-metrics.js';

const P = new Uint8Array([1, 1, 1, 0, 0, 0]);
const T = new Uint8Array([0, 1, 1, 1, 1, 0]);

describe('overlap metrics (binary)', () => {
  it.each([
    ['dice', dice, (2 * 2) / (3 + 4)],
    ['jaccard', jaccard, 2 / 5],
    ['precision', precision, 2 / 3],
    ['recall', recall, 2 / 4],
  ] as const)('%s matches the hand count (tp 2, |P| 3, |T| 4)', (_name, f, expected) => {
    expect(f(P, T)).toBeCloseTo(expected, 12);
  });

  it('treats any non-zero value as foreground, for every array type', () => {
    expect(dice(new Float32Array([0.5, 2, 0, 0]), new Int32Array([-1, 0, 0, 0]))).toBeCloseTo(2 / 3, 12);
  });

  it('both empty: NaN by default, 1 with bothEmpty "perfect"', () => {
    const z = new Uint8Array(4);
    for (const f of [dice, jaccard, precision, recall]) {
      expect(f(z, z)).toBeNaN();
      expect(f(z, z, { bothEmpty: 'perfect' })).toBe(1);
    }
  });

  it('one empty: 0 for every overlap metric', () => {
    const z = new Uint8Array(4);
    const o = new Uint8Array([0, 1, 0, 0]);
    for (const f of [dice, jaccard, precision, recall]) {
      expect(f(z, o)).toBe(0);
      expect(f(o, z)).toBe(0);
    }
  });

  it('rejects mismatched lengths, empty arrays, a bad shape and a bad policy', () => {
    expect(() => dice(new Uint8Array(3), new Uint8Array(4))).toThrow(/dice: shape mismatch: argument 'target'/);
    expect(() => jaccard(new Uint8Array(0), new Uint8Array(0))).toThrow(/jaccard: argument 'pred' is empty/);
    expect(() => dice(new Uint8Array(4), new Uint8Array(4), { shape: [2, 3] })).toThrow(/shape mismatch/);
    expect(() => recall(new Uint8Array(4), new Uint8Array(4), { bothEmpty: 'zero' as 'nan' })).toThrow(/'bothEmpty'/);
    expect(() => precision([1, 0] as unknown as Uint8Array, new Uint8Array(2))).toThrow(/typed array/);
  });
});
