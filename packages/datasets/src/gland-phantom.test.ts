import { describe, expect, it } from 'vitest';
import { glandPhantom } from './gland-phantom';

describe('glandPhantom', () => {
  it('RGB in [0, 1]; label = instances > 0; instance ids 1..n, each non-empty', () => {
    const s = glandPhantom({ size: 96, seed: 4 });
    expect([s.height, s.width, s.channels, s.image.length]).toEqual([96, 96, 3, 96 * 96 * 3]);
    expect(s.image.every((v) => v >= 0 && v <= 1)).toBe(true);
    const inst = s.instances!;
    const ids = new Set<number>();
    for (let i = 0; i < inst.length; i++) {
      expect(s.label[i]).toBe(inst[i] > 0 ? 1 : 0);
      if (inst[i] > 0) ids.add(inst[i]);
    }
    expect(ids.size).toBeGreaterThanOrEqual(2);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: ids.size }, (_, i) => i + 1));
  });

  it('looks like H&E: stroma pink (R > B > G), glands darker/bluer on their epithelium', () => {
    const s = glandPhantom({ size: 128, seed: 1 });
    const mean = [0, 0, 0];
    let n = 0;
    for (let i = 0; i < s.label.length; i++) {
      if (s.label[i]) continue;
      for (let k = 0; k < 3; k++) mean[k] += s.image[i * 3 + k];
      n++;
    }
    const [r, g, b] = mean.map((v) => v / n);
    expect(r).toBeGreaterThan(b);
    expect(b).toBeGreaterThan(g);
  });

  it('is deterministic per seed', () => {
    expect(glandPhantom({ size: 48, seed: 2 })).toEqual(glandPhantom({ size: 48, seed: 2 }));
    expect(glandPhantom({ size: 48, seed: 2 }).image).not.toEqual(glandPhantom({ size: 48, seed: 3 }).image);
  });
});
