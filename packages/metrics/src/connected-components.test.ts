import { describe, expect, it } from 'vitest';
import { connectedComponents } from './connected-components.js';
import { decodeRle, loadGolden } from './test-utils/golden.js';

describe('connectedComponents', () => {
  it('2D: diagonal touch joins under 8-connectivity, not under 4', () => {
    const m = new Uint8Array([1, 0, 0, 1]);
    const full = connectedComponents(m, [2, 2]);
    expect(full.labels).toBeInstanceOf(Int32Array);
    expect(full.count).toBe(1);
    expect(Array.from(full.labels)).toEqual([1, 0, 0, 1]);
    const face = connectedComponents(m, [2, 2], 'face');
    expect(face.count).toBe(2);
    expect(Array.from(face.labels)).toEqual([1, 0, 0, 2]);
    expect(connectedComponents(m, [2, 2], 4).count).toBe(2);
  });

  it('merges a U shape whose arms are labelled first (union across provisional labels)', () => {
    // 1 0 1
    // 1 0 1
    // 1 1 1
    const m = new Uint8Array([1, 0, 1, 1, 0, 1, 1, 1, 1]);
    const r = connectedComponents(m, [3, 3], 'face');
    expect(r.count).toBe(1);
    expect(Array.from(r.labels)).toEqual([1, 0, 1, 1, 0, 1, 1, 1, 1]);
  });

  it('3D: 6, 18 and 26 connectivity on hand cases', () => {
    // voxels (0,0,0), (1,1,0) (edge neighbours), (0,1,1)? use corner pair for 26
    const shape = [2, 2, 2];
    const edge = new Uint8Array(8);
    edge[0] = 1; // (0,0,0)
    edge[6] = 1; // (1,1,0): shares an edge
    expect(connectedComponents(edge, shape, 6).count).toBe(2);
    expect(connectedComponents(edge, shape, 18).count).toBe(1);
    const corner = new Uint8Array(8);
    corner[0] = 1;
    corner[7] = 1; // (1,1,1): shares a corner only
    expect(connectedComponents(corner, shape, 18).count).toBe(2);
    expect(connectedComponents(corner, shape, 26).count).toBe(1);
    expect(connectedComponents(corner, shape).count).toBe(1);
  });

  it('matches scipy.ndimage.label exactly, labels included (golden)', () => {
    for (const c of loadGolden().componentCases) {
      const conn = c.shape.length === 2 ? ([4, 8] as const)[c.rank - 1] : ([6, 18, 26] as const)[c.rank - 1];
      const r = connectedComponents(decodeRle(c.mask), c.shape, conn);
      expect(r.count, c.name).toBe(c.count);
      expect(Array.from(r.labels), c.name).toEqual(Array.from(decodeRle(c.labels)));
    }
  });

  it('empty mask has no component; input is not modified', () => {
    const m = new Uint8Array(6);
    expect(connectedComponents(m, [2, 3]).count).toBe(0);
    const n = new Uint8Array([1, 1, 0, 1]);
    connectedComponents(n, [2, 2]);
    expect(Array.from(n)).toEqual([1, 1, 0, 1]);
  });

  it('rejects bad arguments', () => {
    expect(() => connectedComponents(new Uint8Array(4), [2, 2], 6)).toThrow(/connectedComponents: argument 'connectivity' must be 'full', 'face', 4 or 8 for a 2D grid/);
    expect(() => connectedComponents(new Uint8Array(8), [2, 2, 2], 8)).toThrow(/6, 18 or 26 for a 3D grid/);
    expect(() => connectedComponents(new Uint8Array(5), [2, 2])).toThrow(/shape mismatch/);
  });
});
