import { describe, expect, it } from 'vitest';
import { normalizeMinMax, normalizeZScore } from './normalize';
import { resize2D, resizeBack, resizeSlice } from './resize-2d';
import type { Slice2D } from './types';

describe('resize2D', () => {
  it('bilinear 2x2 -> 4x4 with half-pixel centres (by hand: out = 2 fy + fx, f clamped to {0, .25, .75, 1})', () => {
    const out = resize2D(new Float32Array([0, 1, 2, 3]), 2, 2, 1, 4, 4, 'bilinear');
    const f = [0, 0.25, 0.75, 1];
    const expected = f.flatMap((fy) => f.map((fx) => 2 * fy + fx));
    expect(Array.from(out)).toEqual(expected);
  });

  it('bilinear 4x4 -> 2x2 averages 2x2 blocks; channels stay separate', () => {
    const data = new Float32Array(16 * 2);
    for (let i = 0; i < 16; i++) {
      data[i * 2] = i;
      data[i * 2 + 1] = -i;
    }
    const out = resize2D(data, 4, 4, 2, 2, 2);
    // block means of i = 4y + x: (0+1+4+5)/4 = 2.5, 4.5, 10.5, 12.5
    expect(Array.from(out)).toEqual([2.5, -2.5, 4.5, -4.5, 10.5, -10.5, 12.5, -12.5]);
  });

  it('nearest keeps the type and the class values', () => {
    const lab = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const up = resize2D(lab, 3, 3, 1, 6, 6, 'nearest');
    expect(up).toBeInstanceOf(Uint8Array);
    expect(up[0 * 6 + 5]).toBe(2);
    expect(up[3 * 6 + 2]).toBe(4);
    const down = resize2D(new Uint8Array(Array.from({ length: 16 }, (_, i) => i)), 4, 4, 1, 2, 2, 'nearest');
    expect(Array.from(down)).toEqual([5, 7, 13, 15]);
  });

  it('rejects bad arguments', () => {
    expect(() => resize2D(new Float32Array(3), 2, 2, 1, 4, 4)).toThrow(/resize2D: argument 'data' has length 3, expected h\*w\*c = 4/);
    expect(() => resize2D(new Float32Array(4), 2, 2, 1, 0, 4)).toThrow(/argument 'outH'/);
  });
});

describe('resizeSlice / resizeBack', () => {
  const s: Slice2D = {
    id: 'x',
    caseId: 'x',
    image: new Float32Array([0, 1, 2, 3, 4, 5]),
    label: new Uint8Array([0, 1, 2, 3, 0, 1]),
    height: 2,
    width: 3,
    channels: 1,
  };

  it('records the original size and maps a class map back exactly (nearest up then down)', () => {
    const big = resizeSlice(s, 4, 6);
    expect([big.height, big.width, big.originalHeight, big.originalWidth]).toEqual([4, 6, 2, 3]);
    const back = resizeBack(big.label, big);
    expect(Array.from(back)).toEqual(Array.from(s.label));
  });

  it('argmax of bilinearly resized probabilities', () => {
    const big = resizeSlice(s, 4, 6);
    const probs = new Float32Array(4 * 6 * 2);
    for (let i = 0; i < 24; i++) probs[i * 2 + (big.label[i] % 2)] = 1;
    const back = resizeBack(probs, big, { channels: 2, mode: 'bilinear', argmax: true });
    expect(Array.from(back)).toEqual(Array.from(s.label, (v) => v % 2));
  });
});

describe('normalisation', () => {
  it('min-max to [0, 1]; constant -> 0', () => {
    expect(Array.from(normalizeMinMax([2, 4, 6]))).toEqual([0, 0.5, 1]);
    expect(Array.from(normalizeMinMax([3, 3]))).toEqual([0, 0]);
  });
  it('z-score (population std), optionally over a mask', () => {
    const z = normalizeZScore([1, 2, 3, 4]);
    const sd = Math.sqrt(1.25);
    [1, 2, 3, 4].forEach((v, i) => expect(z[i]).toBeCloseTo((v - 2.5) / sd, 6));
    const zm = normalizeZScore([1, 3, 100], { mask: [1, 1, 0] });
    // mean 2 and std 1 over the masked values: (100 - 2) / 1 = 98
    expect(Array.from(zm)).toEqual([-1, 1, 98]);
  });
});
