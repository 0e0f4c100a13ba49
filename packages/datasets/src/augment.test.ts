import { describe, expect, it } from 'vitest';
import { augment, flip, rot90, rotate } from './augment';
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
