import { describe, expect, it } from 'vitest';
import { acdcLabeledSplit } from './splits';
import { syntheticCardiacDataset } from './synthetic-cardiac-dataset';

describe('syntheticCardiacDataset', () => {
  const ds = syntheticCardiacDataset({ cases: 5, slicesPerCase: 3, size: 48, seed: 9, valCases: 2 });

  it('train slices per patient and validation volumes of distinct patients', () => {
    expect(ds.train).toHaveLength(15);
    expect(ds.train.slice(0, 3).map((s) => [s.id, s.caseId])).toEqual([
      ['phantom001_slice_0', 'phantom001'],
      ['phantom001_slice_1', 'phantom001'],
      ['phantom001_slice_2', 'phantom001'],
    ]);
    expect(ds.val.map((v) => [v.id, v.depth, v.height, v.width])).toEqual([
      ['phantom006', 3, 48, 48],
      ['phantom007', 3, 48, 48],
    ]);
    expect(ds.val[0].spacing).toEqual([10, 1.5, 1.5]);
    expect(Object.keys(ds.anatomy)).toHaveLength(7);
  });

  it('patient-level splits work as on ACDC', () => {
    const split = acdcLabeledSplit(ds.train.map((s) => s.id), { labeledPatients: 2 });
    expect(split.labeled).toHaveLength(6);
    expect(split.labeledPatients).toEqual(['phantom001', 'phantom002']);
  });

  it('slices of one patient share the anatomy (LV centre moves little), patients differ', () => {
    const centre = (label: Uint8Array, S: number) => {
      let sy = 0;
      let sx = 0;
      let n = 0;
      for (let i = 0; i < label.length; i++) if (label[i] === 3) {
        sy += Math.floor(i / S);
        sx += i % S;
        n++;
      }
      return [sy / n, sx / n];
    };
    const c = ds.train.map((s) => centre(s.label, 48));
    const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1]);
    const within = Math.max(dist(c[0], c[1]), dist(c[1], c[2]), dist(c[3], c[4]), dist(c[4], c[5]));
    const anatomyCentres = Object.values(ds.anatomy).map((a) => [a.cy * 48, a.cx * 48]);
    expect(within).toBeLessThan(3);
    expect(Math.max(...anatomyCentres.map((a) => dist(a, anatomyCentres[0])))).toBeGreaterThan(2);
  });

  it('is deterministic per seed', () => {
    const again = syntheticCardiacDataset({ cases: 5, slicesPerCase: 3, size: 48, seed: 9, valCases: 2 });
    expect(again.train[7].image).toEqual(ds.train[7].image);
  });
});
