import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from './dataset-error';
import { readAcdcH5 } from './read-acdc-h5';
import { acdcLabeledSplit } from './splits';
import { dataDir, pattern, tempDir, writeH5 } from './test-utils/fixtures';

describe('readAcdcH5 on an SSL4MIS-layout fixture', () => {
  const { dir, cleanup } = tempDir();
  const slices = ['patient001_frame01_slice_0', 'patient001_frame01_slice_1', 'patient002_frame01_slice_0'];
  beforeAll(async () => {
    for (const [i, name] of slices.entries()) {
      const { image, label } = pattern(6 + i, 5, 4, i);
      await writeH5(path.join(dir, 'data', `${name}.h5`), image, label, [6 + i, 5]);
    }
    const vol = pattern(3 * 4, 5, 4, 9);
    await writeH5(path.join(dir, 'data', 'patient003_frame01.h5'), vol.image, vol.label, [3, 4, 5]);
    writeFileSync(path.join(dir, 'train_slices.list'), `${slices.join('\n')}\n`);
    writeFileSync(path.join(dir, 'train.list'), 'patient001_frame01\npatient002_frame01\n');
    writeFileSync(path.join(dir, 'val.list'), 'patient003_frame01\n');
  });
  afterAll(cleanup);

  it('reads training slices with values, sizes, patient ids and progress', async () => {
    const progress: number[] = [];
    const res = await readAcdcH5(dir, { split: 'train', onProgress: (p) => progress.push(p.done) });
    expect(res.list).toEqual(slices);
    expect(res.slices?.map((s) => s.id)).toEqual(slices);
    expect(res.slices?.map((s) => s.caseId)).toEqual(['patient001', 'patient001', 'patient002']);
    expect(progress).toEqual([1, 2, 3]);
    expect(res.skipped).toEqual([]);
    const s = res.slices![1];
    const ref = pattern(7, 5, 4, 1);
    expect([s.height, s.width, s.channels, s.originalHeight, s.originalWidth]).toEqual([7, 5, 1, 7, 5]);
    expect(s.image).toBeInstanceOf(Float32Array);
    expect(Array.from(s.image)).toEqual(Array.from(ref.image));
    expect(Array.from(s.label)).toEqual(Array.from(ref.label));
  });

  it('resizes on load and keeps the original size', async () => {
    const res = await readAcdcH5(dir, { split: 'train', ids: [slices[0]], size: [12, 10] });
    const s = res.slices![0];
    expect([s.height, s.width, s.originalHeight, s.originalWidth]).toEqual([12, 10, 6, 5]);
    const ref = pattern(6, 5, 4, 0).label;
    // nearest x2 upsampling: output (y, x) takes input (floor(y/2), floor(x/2))
    expect(s.label[7 * 10 + 3]).toBe(ref[3 * 5 + 1]);
  });

  it('reads validation volumes [D, H, W]', async () => {
    const res = await readAcdcH5(dir, { split: 'val' });
    const v = res.volumes![0];
    expect([v.id, v.caseId, v.depth, v.height, v.width]).toEqual(['patient003_frame01', 'patient003', 3, 4, 5]);
    expect(Array.from(v.label)).toEqual(Array.from(pattern(12, 5, 4, 9).label));
  });

  it('names a missing root, list or id', async () => {
    await expect(readAcdcH5(path.join(dir, 'nope'), { split: 'train' })).rejects.toThrow(/readAcdcH5: .*nope: folder not found/);
    await expect(readAcdcH5(dir, { split: 'test' })).rejects.toThrow(/test\.list: list file not found/);
    await expect(readAcdcH5(dir, { split: 'train', ids: ['patient9'] })).rejects.toThrow(/id 'patient9' is not in the list/);
    await expect(readAcdcH5(dir, { split: 'bad' as 'train' })).rejects.toThrow(/options.split/);
  });
});

describe('readAcdcH5 with bad files', () => {
  const { dir, cleanup } = tempDir();
  const names = ['patient001_frame01_slice_0', 'patient001_frame01_slice_1', 'patient002_frame01_slice_0', 'patient002_frame01_slice_1', 'patient003_frame01_slice_0', 'patient003_frame01_slice_1'];
  beforeAll(async () => {
    const good = pattern(4, 4, 4);
    await writeH5(path.join(dir, 'data', `${names[0]}.h5`), good.image, good.label, [4, 4]);
    // truncated copy
    await writeH5(path.join(dir, 'data', `${names[1]}.h5`), good.image, good.label, [4, 4]);
    const full = readFileSync(path.join(dir, 'data', `${names[1]}.h5`));
    writeFileSync(path.join(dir, 'data', `${names[1]}.h5`), full.subarray(0, Math.floor(full.length / 2)));
    // not HDF5 at all
    writeFileSync(path.join(dir, 'data', `${names[2]}.h5`), 'this is not hdf5');
    // size mismatch
    await writeH5(path.join(dir, 'data', `${names[3]}.h5`), good.image, new Uint8Array(12), [4, 4], [3, 4]);
    // label out of range
    const bad = pattern(4, 4, 4);
    bad.label[5] = 7;
    await writeH5(path.join(dir, 'data', `${names[4]}.h5`), bad.image, bad.label, [4, 4]);
    // names[5] is missing
    writeFileSync(path.join(dir, 'train_slices.list'), names.join('\n'));
  });
  afterAll(cleanup);

  it.each([
    [1, /truncated file \(\d+ of \d+ bytes\)/],
    [2, /not an HDF5 file/],
    [3, /image\/label size mismatch: image \[4, 4\], label \[3, 4\]/],
    [4, /dataset 'label' value 7 at index 5 is outside the class range 0\.\.3/],
    [5, /file not found/],
  ])('throws a DatasetError naming file %i and the problem', async (i, problem) => {
    const p = readAcdcH5(dir, { split: 'train', ids: [names[i]] });
    await expect(p).rejects.toBeInstanceOf(DatasetError);
    await expect(p).rejects.toThrow(new RegExp(`readAcdcH5: .*${names[i]}\\.h5: ${problem.source}`));
  });

  it('skipBad skips the bad cases with a warning each and keeps the good one', async () => {
    const warnings: string[] = [];
    const res = await readAcdcH5(dir, { split: 'train', skipBad: true, onWarning: (m) => warnings.push(m) });
    expect(res.slices?.map((s) => s.id)).toEqual([names[0]]);
    expect(res.skipped.map((s) => path.basename(s.file))).toEqual(names.slice(1).map((n) => `${n}.h5`));
    expect(warnings).toHaveLength(5);
    expect(warnings[0]).toMatch(/truncated.*\(skipped\)/);
  });
});

const root = path.join(dataDir(), 'acdc');
const hasAcdc = existsSync(path.join(root, 'train_slices.list'));
if (!hasAcdc) console.warn(`read-acdc-h5.test: real-data tests skipped, ${root} is absent`);

describe.skipIf(!hasAcdc)('readAcdcH5 on the real ACDC data (../shared/data/acdc)', () => {
  it('finds 1312 training slices with labels in {0..3}; 3 / 7 patients = 68 / 136 slices', async () => {
    const res = await readAcdcH5(root, { split: 'train' });
    expect(res.list).toHaveLength(1312);
    expect(res.slices).toHaveLength(1312);
    const seen = new Set<number>();
    for (const s of res.slices!) for (let i = 0; i < s.label.length; i++) seen.add(s.label[i]);
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    console.info(`ACDC training slices: 1312 read in ${(res.elapsedMs / 1000).toFixed(1)} s`);
    const s3 = acdcLabeledSplit(res.list, { labeledPatients: 3 });
    const s7 = acdcLabeledSplit(res.list, { labeledPatients: 7 });
    expect(s3.labeled).toEqual(res.list.slice(0, 68));
    expect(s7.labeled).toEqual(res.list.slice(0, 136));
    expect(new Set(s3.labeled.map((id) => id.slice(0, 10))).size).toBe(3);
    expect(new Set(s7.labeled.map((id) => id.slice(0, 10))).size).toBe(7);
    expect(s7.unlabeled).toHaveLength(1312 - 136);
    // no unlabeled slice belongs to a labeled patient
    const lp = new Set(s7.labeledPatients);
    expect(s7.unlabeled.some((id) => lp.has(id.slice(0, 10)))).toBe(false);
  });

  it('finds 20 validation volumes with labels in {0..3}', async () => {
    const res = await readAcdcH5(root, { split: 'val' });
    expect(res.volumes).toHaveLength(20);
    const seen = new Set<number>();
    for (const v of res.volumes!) {
      expect(v.image.length).toBe(v.depth * v.height * v.width);
      for (let i = 0; i < v.label.length; i++) seen.add(v.label[i]);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(res.volumes!.map((v) => v.caseId)).size).toBe(10);
  });
});
