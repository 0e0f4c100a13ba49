import { describe, expect, it } from 'vitest';
import { cropSlice, randomCrop, slidingPositions, slidingWindowCrops, stitchWindows } from './crops';
import type { Slice2D } from './types';

const tile = (h: number, w: number): Slice2D => ({
  id: 't',
  caseId: 't',
  image: Float32Array.from({ length: h * w * 3 }, (_, i) => i),
  label: Uint8Array.from({ length: h * w }, (_, i) => i % 2),
  height: h,
  width: w,
  channels: 3,
});

describe('crops', () => {
  it('slidingPositions covers the length with a last flush window', () => {
    expect(slidingPositions(1000, 256, 192)).toEqual([0, 192, 384, 576, 744]);
    expect(slidingPositions(256, 256, 128)).toEqual([0]);
    expect(slidingPositions(100, 256, 128)).toEqual([0]);
  });

  it('cropSlice copies the window and zero-pads outside', () => {
    const s = tile(4, 5);
    const c = cropSlice(s, 1, 2, 2, 2);
    expect(Array.from(c.image.subarray(0, 3))).toEqual([21, 22, 23]); // pixel (1, 2) = index 7 -> 21..23
    expect(Array.from(c.label)).toEqual([1, 0, 0, 1]);
    const p = cropSlice(s, -1, -1, 3, 3);
    expect(p.image[0]).toBe(0);
    expect(Array.from(p.image.subarray(12, 15))).toEqual([0, 1, 2]); // (1, 1) <- (0, 0)
  });

  it('randomCrop stays inside a large slice and is seeded', () => {
    const s = tile(20, 30);
    const a = randomCrop(s, { height: 8, width: 8, seed: 1 });
    expect(a).toEqual(randomCrop(s, { height: 8, width: 8, seed: 1 }));
    const first = a.image[0] / 3;
    expect(Number.isInteger(first)).toBe(true);
    expect(Math.floor(first / 30) + 8).toBeLessThanOrEqual(20);
    expect((first % 30) + 8).toBeLessThanOrEqual(30);
  });

  it('sliding windows stitched back reproduce the image', () => {
    const s = tile(10, 13);
    const wins = slidingWindowCrops(s, { height: 4, width: 6, strideY: 3, strideX: 4 });
    const covered = new Set<number>();
    for (const w of wins) for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) covered.add((w.y + y) * 13 + w.x + x);
    expect(covered.size).toBe(130);
    const back = stitchWindows(wins.map((w) => ({ y: w.y, x: w.x, data: w.crop.image })), { height: 10, width: 13, channels: 3, windowHeight: 4, windowWidth: 6 });
    expect(Array.from(back)).toEqual(Array.from(s.image));
  });
});
