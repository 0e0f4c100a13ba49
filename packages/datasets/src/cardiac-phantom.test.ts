import { describe, expect, it } from 'vitest';
import { cardiacPhantom, sampleCardiacAnatomy } from './cardiac-phantom';
import { SeededRandom } from './seeded-random';

const count = (label: Uint8Array, k: number) => label.reduce((a, v) => a + (v === k ? 1 : 0), 0);
const meanOf = (img: Float32Array, label: Uint8Array, k: number) => {
  let s = 0;
  let n = 0;
  for (let i = 0; i < label.length; i++) if (label[i] === k) {
    s += img[i];
    n++;
  }
  return s / n;
};

describe('cardiacPhantom', () => {
  it('has the requested size, intensities in [0, 1] and all four classes near the base', () => {
    for (const size of [64, 96]) {
      const s = cardiacPhantom({ size, seed: 2, sliceLevel: 0.1 });
      expect([s.height, s.width, s.channels, s.image.length, s.label.length]).toEqual([size, size, 1, size * size, size * size]);
      expect(s.image.every((v) => v >= 0 && v <= 1)).toBe(true);
      for (const k of [0, 1, 2, 3]) expect(count(s.label, k)).toBeGreaterThan(0);
    }
  });

  it('is deterministic per seed and varies between seeds', () => {
    const a = cardiacPhantom({ size: 64, seed: 5 });
    expect(cardiacPhantom({ size: 64, seed: 5 })).toEqual(a);
    const areas = Array.from({ length: 8 }, (_, seed) => count(cardiacPhantom({ size: 64, seed }).label, 3));
    expect(new Set(areas).size).toBeGreaterThan(5);
    expect(Math.max(...areas) / Math.min(...areas)).toBeGreaterThan(1.3);
  });

  it('anatomy: the LV pool is enclosed by myocardium, the RV touches the myocardium', () => {
    for (let seed = 0; seed < 6; seed++) {
      const S = 96;
      const { label } = cardiacPhantom({ size: S, seed, sliceLevel: 0.2 });
      let rvTouchesMyo = false;
      for (let y = 1; y < S - 1; y++) {
        for (let x = 1; x < S - 1; x++) {
          const v = label[y * S + x];
          const nb = [label[(y - 1) * S + x], label[(y + 1) * S + x], label[y * S + x - 1], label[y * S + x + 1]];
          if (v === 3) expect(nb.every((n) => n === 3 || n === 2)).toBe(true);
          if (v === 1 && nb.includes(2)) rvTouchesMyo = true;
        }
      }
      expect(rvTouchesMyo).toBe(true);
    }
  });

  it('blood is brighter than myocardium, but bright background exists (intensity alone does not segment)', () => {
    let brightBackground = 0;
    for (let seed = 0; seed < 6; seed++) {
      const s = cardiacPhantom({ size: 96, seed, sliceLevel: 0.2 });
      const lv = meanOf(s.image, s.label, 3);
      expect(lv).toBeGreaterThan(meanOf(s.image, s.label, 2) + 0.2);
      expect(meanOf(s.image, s.label, 1)).toBeGreaterThan(meanOf(s.image, s.label, 2) + 0.15);
      for (let i = 0; i < s.label.length; i++) if (s.label[i] === 0 && s.image[i] > lv - 0.1) brightBackground++;
    }
    expect(brightBackground).toBeGreaterThan(6 * 20);
  });

  it('along the long axis the LV shrinks and the RV vanishes at the apex', () => {
    const anatomy = sampleCardiacAnatomy(new SeededRandom(3));
    const base = cardiacPhantom({ size: 96, seed: 1, anatomy, sliceLevel: 0.05 });
    const apex = cardiacPhantom({ size: 96, seed: 1, anatomy, sliceLevel: 1 });
    expect(count(apex.label, 3)).toBeLessThan(count(base.label, 3) * 0.5);
    expect(count(apex.label, 1)).toBe(0);
  });

  it('rejects bad options', () => {
    expect(() => cardiacPhantom({ size: 4 })).toThrow(/cardiacPhantom: argument 'options.size'/);
    expect(() => cardiacPhantom({ sliceLevel: 2 })).toThrow(/'options.sliceLevel' must be in \[0, 1\]/);
  });
});
