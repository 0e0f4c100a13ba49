import { describe, expect, it } from 'vitest';
import { augment, augmentSsl4mis, flip, rot90, rotate } from './augment';
import { SeededRandom } from './seeded-random';
import type { Slice2D } from './types';

function grid(h: number, w: number, c = 1, numClasses = 4): Slice2D {
  const label = Uint8Array.from({ length: h * w }, (_, i) => (i * 7 + Math.floor(i / w)) % numClasses);
  const image = new Float32Array(h * w * c);
  for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) image[i * c + k] = label[i] / 3 + k;
  const instances = Int32Array.from(label, (v, i) => v * 1000 + i);
  return { id: 'g', caseId: 'g', image, label, instances, height: h, width: w, channels: c };
}

const consistent = (s: Slice2D) => {
  for (let i = 0; i < s.height * s.width; i++) {
    for (let k = 0; k < s.channels; k++) if (Math.abs(s.image[i * s.channels + k] - (s.label[i] / 3 + k)) > 1e-6) return false;
    if (s.instances && Math.floor(s.instances[i] / 1000) !== s.label[i]) return false;
  }
  return true;
};

describe('rot90 / flip / rotate', () => {
  it('rot90 k=1 equals numpy np.rot90 on [[1,2,3],[4,5,6]] -> [[3,6],[2,5],[1,4]]', () => {
    const s: Slice2D = { id: 'a', caseId: 'a', image: new Float32Array([1, 2, 3, 4, 5, 6]), label: new Uint8Array([1, 2, 3, 4, 5, 6]), height: 2, width: 3, channels: 1 };
    const r = rot90(s, 1);
    expect([r.height, r.width]).toEqual([3, 2]);
    expect(Array.from(r.label)).toEqual([3, 6, 2, 5, 1, 4]);
    expect(Array.from(rot90(s, 3).label)).toEqual([4, 1, 5, 2, 6, 3]);
    expect(Array.from(rot90(s, 2).label)).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('four quarter turns and double flips are identities', () => {
    const s = grid(5, 7, 2);
    expect(rot90(rot90(rot90(rot90(s, 1), 1), 1), 1)).toEqual({ ...s });
    expect(flip(flip(s, 'horizontal'), 'horizontal')).toEqual({ ...s });
    expect(Array.from(flip(s, 'vertical').label.subarray(0, 7))).toEqual(Array.from(s.label.subarray(28, 35)));
  });

  it('rotate(90 degrees) on a square slice equals rot90(k=1)', () => {
    const s = grid(6, 6, 1);
    const a = rotate(s, 90);
    const b = rot90(s, 1);
    expect(Array.from(a.label)).toEqual(Array.from(b.label));
    for (let i = 0; i < 36; i++) expect(a.image[i]).toBeCloseTo(b.image[i], 5);
  });

  it('small rotation: label by nearest (only existing classes), corners outside filled with 0', () => {
    const s = grid(16, 16, 1);
    const r = rotate(s, 30);
    expect(new Set(r.label).size).toBeLessThanOrEqual(4);
    expect(r.label[0]).toBe(0);
    expect(r.image[0]).toBe(0);
  });
});

describe('augment', () => {
  it('moves image, label and instances together (rot90, flips, crop)', () => {
    const rng = new SeededRandom(4);
    for (let t = 0; t < 20; t++) {
      const s = grid(9, 12, 3);
      const a = augment(s, { seed: rng, rotate: false, crop: { height: 8, width: 8 } });
      expect([a.height, a.width, a.channels]).toEqual([8, 8, 3]);
      expect(consistent(a)).toBe(true);
    }
  });

  it('is deterministic for a seed and does not change its input', () => {
    const s = grid(10, 10);
    const copy = structuredClone(s);
    const a = augment(s, { seed: 3, intensity: true, noise: true });
    const b = augment(s, { seed: 3, intensity: true, noise: true });
    expect(a).toEqual(b);
    expect(s).toEqual(copy);
  });

  it('Gaussian noise has the requested standard deviation', () => {
    const s: Slice2D = { id: 'c', caseId: 'c', image: new Float32Array(64 * 64).fill(0.5), label: new Uint8Array(64 * 64), height: 64, width: 64, channels: 1 };
    const a = augment(s, { seed: 1, rot90: false, flip: false, rotate: false, noise: { std: 0.05 } });
    let ss = 0;
    for (let i = 0; i < a.image.length; i++) ss += (a.image[i] - 0.5) ** 2;
    expect(Math.sqrt(ss / a.image.length)).toBeGreaterThan(0.05 * 0.95);
    expect(Math.sqrt(ss / a.image.length)).toBeLessThan(0.05 * 1.05);
  });

  it('brightness jitter shifts every pixel by one b in [-brightness, brightness]', () => {
    const s = grid(4, 4);
    s.image = Float32Array.from(s.image, (v) => 0.2 + v * 0.5);
    const a = augment(s, { seed: 8, rot90: false, flip: false, rotate: false, intensity: { brightness: 0.1, contrast: 0 } });
    const b = a.image[0] - s.image[0];
    expect(Math.abs(b)).toBeLessThanOrEqual(0.1);
    for (let i = 0; i < 16; i++) expect(a.image[i] - s.image[i]).toBeCloseTo(b, 6);
  });
});

describe('rotate with nearest-neighbour interpolation', () => {
  it('moves image, label and instances together and creates no new image values', () => {
    const s = grid(9, 11); // one channel: outside pixels (label 0, image 0) stay consistent
    const r = rotate(s, 30, 'nearest');
    expect(consistent(r)).toBe(true);
    const values = new Set([0, ...Array.from(s.image)]);
    expect(Array.from(r.image).every((v) => values.has(v))).toBe(true);
    expect(Array.from(r.image).some((v, i) => v !== s.image[i])).toBe(true);
  });

  it('rotate(90) on a square slice is the permutation out[y][x] = in[x][w-1-y]', () => {
    const n = 5;
    const s = { ...grid(n, n), image: Float32Array.from({ length: n * n }, (_, i) => i + 1) };
    const r = rotate(s, 90, 'nearest');
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) expect(r.image[y * n + x]).toBe(s.image[x * n + (n - 1 - y)]);
  });

  it('rejects an unknown interpolation and a non-finite angle', () => {
    expect(() => rotate(grid(4, 4), 10, 'cubic' as 'nearest')).toThrow(/interpolation/);
    expect(() => rotate(grid(4, 4), Number.NaN)).toThrow(/degrees/);
  });
});

describe('augmentSsl4mis (SSL4MIS RandomGenerator)', () => {
  // distinct image values, so that each of the four reflections of the square is recognisable
  const n = 6;
  const base: Slice2D = { ...grid(n, n), image: Float32Array.from({ length: n * n }, (_, i) => i + 1) };
  const at = (y: number, x: number) => base.image[y * n + x];
  const reflections: Record<string, (y: number, x: number) => number> = {
    upDown: (y, x) => at(n - 1 - y, x),
    leftRight: (y, x) => at(y, n - 1 - x),
    transpose: (y, x) => at(x, y),
    antiTranspose: (y, x) => at(n - 1 - x, n - 1 - y),
  };
  const matches = (img: Float32Array, f: (y: number, x: number) => number) => {
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) if (img[y * n + x] !== f(y, x)) return false;
    return true;
  };

  it('draws rot90+flip with probability 0.5 (each reflection 1/8), else a rotation in [-20, 19] degrees half the time', () => {
    const trials = 4000;
    const counts: Record<string, number> = { upDown: 0, leftRight: 0, transpose: 0, antiTranspose: 0, unchanged: 0, rotated: 0 };
    const anglesSeen = new Set<number>();
    for (let t = 0; t < trials; t++) {
      const a = augmentSsl4mis(base, { seed: t });
      expect(consistent({ ...a, image: Float32Array.from(a.label, (v) => v / 3) })).toBe(true);
      const hit = Object.keys(reflections).find((k) => matches(a.image, reflections[k]));
      if (hit) counts[hit] += 1;
      else if (matches(a.image, at)) counts.unchanged += 1;
      else {
        counts.rotated += 1;
        // some integer angle in SSL4MIS's range reproduces it
        const angle = Array.from({ length: 40 }, (_, i) => i - 20).find((d) => matches(a.image, (y, x) => rotate(base, d, 'nearest').image[y * n + x]));
        expect(angle).toBeDefined();
        anglesSeen.add(angle as number);
      }
    }
    // binomial standard deviations: sqrt(p (1 - p) / trials) = 0.0052 for p = 1/8, 0.0079 for 1/2; 5 sd
    for (const k of Object.keys(reflections)) expect(Math.abs(counts[k] / trials - 0.125)).toBeLessThan(0.027);
    // the rotation branch (p = 0.25) and the identity branch (0.25) share 'unchanged' (angles near 0)
    expect(Math.abs((counts.unchanged + counts.rotated) / trials - 0.5)).toBeLessThan(0.04);
    expect(counts.unchanged / trials).toBeGreaterThan(0.25 - 0.035);
    expect(counts.rotated / trials).toBeGreaterThan(0.1);
    expect(anglesSeen.size).toBeGreaterThan(5);
  });

  it('is reproducible from its seed and leaves the input unchanged', () => {
    const copy = Float32Array.from(base.image);
    const a = augmentSsl4mis(base, { seed: 11 });
    const b = augmentSsl4mis(base, { seed: 11 });
    expect(Array.from(a.image)).toEqual(Array.from(b.image));
    expect(Array.from(a.label)).toEqual(Array.from(b.label));
    expect(Array.from(base.image)).toEqual(Array.from(copy));
  });
});
