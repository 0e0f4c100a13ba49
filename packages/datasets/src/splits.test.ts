import { describe, expect, it } from 'vitest';
import { patientIdOf } from './patient-id';
import { acdcLabeledSplit, seededCaseSplit } from './splits';

// A list in SSL4MIS style: patients contiguous, in a non-sorted order.
const counts: Array<[string, number]> = [['patient099', 4], ['patient038', 2], ['patient050', 3], ['patient100', 2], ['patient001', 5]];
const list = counts.flatMap(([p, n]) => Array.from({ length: n }, (_, k) => `${p}_frame0${1 + (k % 2)}_slice_${k}`));

describe('patientIdOf', () => {
  it.each([
    ['patient001_frame01_slice_3', 'patient001'],
    ['patient001_frame12', 'patient001'],
    ['phantom007_slice_2', 'phantom007'],
    ['TCGA-18-5592', 'TCGA-18-5592'],
  ])('%s -> %s', (id, p) => expect(patientIdOf(id)).toBe(p));
});

describe('acdcLabeledSplit', () => {
  it('labels the first N patients in list order (the SSL4MIS convention)', () => {
    const s = acdcLabeledSplit(list, { labeledPatients: 2 });
    expect(s.labeledPatients).toEqual(['patient099', 'patient038']);
    expect(s.labeled).toEqual(list.slice(0, 6));
    expect(s.unlabeled).toEqual(list.slice(6));
    expect(s.unlabeledPatients).toEqual(['patient050', 'patient100', 'patient001']);
  });

  it('fraction -> floor(fraction * patients): 0.5 of 5 = 2 patients; 0.05 and 0.1 of 70 = 3 and 7', () => {
    expect(acdcLabeledSplit(list, { fraction: 0.5 }).labeledPatients).toHaveLength(2);
    const seventy = Array.from({ length: 70 }, (_, p) => `patient${String(p + 1).padStart(3, '0')}_frame01_slice_0`);
    expect(acdcLabeledSplit(seventy, { fraction: 0.05 }).labeled).toHaveLength(3);
    expect(acdcLabeledSplit(seventy, { fraction: 0.1 }).labeled).toHaveLength(7);
  });

  it('keeps every slice exactly once and never splits a patient', () => {
    const s = acdcLabeledSplit(list, { labeledPatients: 3 });
    expect([...s.labeled, ...s.unlabeled].sort()).toEqual([...list].sort());
    const lp = new Set(s.labeled.map(patientIdOf));
    expect(s.unlabeled.some((id) => lp.has(patientIdOf(id)))).toBe(false);
  });

  it('rejects bad options', () => {
    expect(() => acdcLabeledSplit(list, { labeledPatients: 6 })).toThrow(/'options.labeledPatients' must be an integer in 0..5/);
    expect(() => acdcLabeledSplit(list, { fraction: 2 })).toThrow(/'options.fraction' must be in \[0, 1\]/);
    expect(() => acdcLabeledSplit(list, {})).toThrow(/must give 'labeledPatients' or 'fraction'/);
  });
});

describe('seededCaseSplit', () => {
  it('splits cases (not items) by fractions, reproducibly', () => {
    const a = seededCaseSplit(list, { parts: { train: 0.6, val: 0.2, test: 0.2 }, seed: 5, caseOf: patientIdOf });
    const b = seededCaseSplit(list, { parts: { train: 0.6, val: 0.2, test: 0.2 }, seed: 5, caseOf: patientIdOf });
    expect(a).toEqual(b);
    expect(new Set(a.train.map(patientIdOf)).size).toBe(3);
    expect(new Set(a.val.map(patientIdOf)).size).toBe(1);
    expect(new Set(a.test.map(patientIdOf)).size).toBe(1);
    expect([...a.train, ...a.val, ...a.test].sort()).toEqual([...list].sort());
    for (const [x, y] of [['train', 'val'], ['train', 'test'], ['val', 'test']]) {
      const px = new Set(a[x].map(patientIdOf));
      expect(a[y].some((id) => px.has(patientIdOf(id)))).toBe(false);
    }
  });

  it('counts, and different seeds give different splits', () => {
    const ids = Array.from({ length: 30 }, (_, i) => `tile${i}`);
    const splits = [1, 2, 3].map((seed) => seededCaseSplit(ids, { parts: { labeled: 3, unlabeled: 27 }, seed }).labeled);
    splits.forEach((s) => expect(s).toHaveLength(3));
    expect(new Set(splits.map((s) => s.join())).size).toBeGreaterThan(1);
    expect(() => seededCaseSplit(ids, { parts: { a: 31 } })).toThrow(/ask for 31 cases, only 30 exist/);
  });
});
