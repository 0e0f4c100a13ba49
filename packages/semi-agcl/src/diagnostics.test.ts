import { describe, expect, it } from 'vitest';
import type { PatchSample } from '@agcl/sampler';
import { patchDiagnostics, targetGraphFloor } from './diagnostics';

/** Four patches: two confident background, one confident class 1, one mixed (0.5 / 0.5). */
function sample(): PatchSample {
  const confidence = new Float32Array([1, 0, 1, 0, 0, 1, 0.5, 0.5]);
  return {
    count: 4,
    image: new Int32Array([0, 0, 1, 1]),
    row: new Int32Array([0, 1, 0, 1]),
    col: new Int32Array([0, 0, 0, 0]),
    pseudoClass: new Int32Array([0, 0, 1, 0]),
    confidence,
    weight: new Float32Array([1, 1, 1, 1]),
    numClasses: 2,
    groups: [
      { classIndex: 0, positives: new Int32Array([0, 1]), negatives: new Int32Array([2]) },
      { classIndex: 1, positives: new Int32Array([2]), negatives: new Int32Array([0, 1]) },
    ],
    gridRows: 2,
    gridCols: 1,
    numImages: 2,
    dropped: { collision: 0, cap: 0 },
  } as PatchSample;
}

describe('patchDiagnostics', () => {
  it('counts nodes, positives and negatives per class, and the anchored classes (>= 2 positives, >= 1 negative)', () => {
    const d = patchDiagnostics(sample(), 0.8);
    expect(d.nodes).toBe(4);
    expect(d.nodesPerClass).toEqual([3, 1]);
    expect(d.positives).toEqual([2, 1]);
    expect(d.negatives).toEqual([1, 2]);
    expect(d.classesPresent).toBe(2);
    expect(d.anchoredClasses).toBe(1);
    expect(d.lnN).toBeCloseTo(Math.log(4), 12);
  });

  it('the graph floor is the mean row entropy of the thresholded, row-normalised target graph (by hand)', () => {
    // q.q: patches 0 and 1 share an edge of weight 1; patch 3 has 0.5 with each and 0.5 with itself
    // (below T = 0.8, so only its self-edge 1 stays). Rows: [1/2, 1/2, 0, 0], [1/2, 1/2, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1].
    const expected = (Math.log(2) + Math.log(2) + 0 + 0) / 4;
    expect(patchDiagnostics(sample(), 0.8).graphFloor).toBeCloseTo(expected, 12);
    // with T = 0.5 the mixed patch joins: row 3 = [0.5, 0.5, 0.5, 1] / 2.5; rows 0, 1 = [1, 1, 0, 0.5] / 2.5; row 2 = [0, 0, 1, 0.5] / 1.5
    const h = (w: number[]) => {
      const s = w.reduce((a, b) => a + b, 0);
      return -w.filter((v) => v > 0).reduce((a, v) => a + (v / s) * Math.log(v / s), 0);
    };
    const expected5 = (2 * h([1, 1, 0, 0.5]) + h([0, 0, 1, 0.5]) + h([0.5, 0.5, 0.5, 1])) / 4;
    expect(targetGraphFloor(sample().confidence, 4, 2, 0.5)).toBeCloseTo(expected5, 12);
    // one block of N identical nodes: floor = ln N, no room
    expect(targetGraphFloor(new Float32Array([1, 0, 1, 0, 1, 0]), 3, 2, 0.8)).toBeCloseTo(Math.log(3), 12);
  });
});
