import { describe, expect, it } from 'vitest';
import { surfaceMask } from './surface.js';

describe('surfaceMask', () => {
  it('keeps the ring of a square and drops its interior', () => {
    // 5x5 grid, 3x3 square in the middle: only the centre is interior
    const m = new Uint8Array(25);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) m[y * 5 + x] = 1;
    const s = surfaceMask(m, { shape: [5, 5] });
    expect(s).toBeInstanceOf(Uint8Array);
    const expected = m.slice();
    expected[12] = 0;
    expect(Array.from(s)).toEqual(Array.from(expected));
  });

  it('counts foreground on the grid border as surface (border_value = 0)', () => {
    const s = surfaceMask(new Uint8Array(9).fill(1), { shape: [3, 3] });
    expect(Array.from(s)).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it('uses face connectivity: a diagonal-only background neighbour does not make surface', () => {
    const m = new Uint8Array(16).fill(1);
    m[0] = 0; // corner of a 4x4 full grid
    const s = surfaceMask(m, { shape: [4, 4] });
    // (1,1) touches the background only diagonally -> interior
    expect(s[5]).toBe(0);
    expect(s[1]).toBe(1);
  });

  it('3D: a depth-1 volume is all surface; a 3x3x3 cube has one interior voxel', () => {
    expect(Array.from(surfaceMask(new Uint8Array(9).fill(1), { shape: [1, 3, 3] }))).toEqual(new Array(9).fill(1));
    const s = surfaceMask(new Uint8Array(27).fill(1), { shape: [3, 3, 3] });
    expect(s.reduce((a, b) => a + b, 0)).toBe(26);
    expect(s[13]).toBe(0);
  });
});
