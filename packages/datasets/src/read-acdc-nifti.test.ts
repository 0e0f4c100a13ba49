import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAcdcInfo, readAcdcNifti } from './read-acdc-nifti';
import { readNifti } from './read-nifti';
import { tempDir, writeNifti } from './test-utils/fixtures';
import { volumeToSlices } from './volume-to-slices';

// Volume [nx=4, ny=3, nz=2]; voxel (x, y, z) at index x + 4 y + 12 z.
const NX = 4;
const NY = 3;
const NZ = 2;
const raw = Array.from({ length: NX * NY * NZ }, (_, i) => 100 + 10 * i); // int16 intensities 100..330
const gt = Array.from({ length: NX * NY * NZ }, (_, i) => i % 4);

describe('readNifti', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('reads int16 .nii.gz with spacing [z, y, x] and x-fastest order', async () => {
    const f = path.join(dir, 'a.nii.gz');
    writeNifti(f, raw, [NX, NY, NZ], { dtype: 'int16', spacing: [1.5, 1.25, 10] });
    const img = await readNifti(f);
    expect(img.dims).toEqual([NX, NY, NZ]);
    expect(img.spacing).toEqual([10, 1.25, 1.5]);
    expect(img.datatypeCode).toBe(4);
    expect(Array.from(img.data)).toEqual(raw);
  });

  it('applies scl_slope / scl_inter and reads uncompressed float32', async () => {
    const f = path.join(dir, 'b.nii');
    writeNifti(f, [1, 2, 3, 4], [2, 2, 1], { dtype: 'float32', slope: 2, inter: -1 });
    const img = await readNifti(f);
    expect(Array.from(img.data)).toEqual([1, 3, 5, 7]);
    expect(img.dims).toEqual([2, 2, 1]);
  });

  it('names truncated gzip, truncated voxels, non-NIfTI and missing files', async () => {
    const f = path.join(dir, 'c.nii.gz');
    writeNifti(f, raw, [NX, NY, NZ], { dtype: 'int16' });
    const gz = readFileSync(f);
    const cut = path.join(dir, 'cut.nii.gz');
    writeFileSync(cut, gz.subarray(0, gz.length - 12));
    await expect(readNifti(cut)).rejects.toThrow(/readNifti: .*cut\.nii\.gz: corrupt or truncated gzip data/);
    const g = path.join(dir, 'short.nii');
    writeNifti(g, raw, [NX, NY, NZ], { dtype: 'int16' });
    writeFileSync(g, readFileSync(g).subarray(0, 352 + 10));
    await expect(readNifti(g)).rejects.toThrow(/short\.nii: truncated voxel data \(10 of 48 bytes\)/);
    const h = path.join(dir, 'junk.nii');
    writeFileSync(h, Buffer.alloc(400, 7));
    await expect(readNifti(h)).rejects.toThrow(/junk\.nii: not a NIfTI file/);
    await expect(readNifti(path.join(dir, 'none.nii'))).rejects.toThrow(/none\.nii: file not found/);
  });
});

describe('readAcdcNifti on an official-layout fixture', () => {
  const { dir, cleanup } = tempDir();
  beforeAll(() => {
    for (const [p, ed, es] of [['patient001', 1, 12], ['patient002', 1, 9]] as const) {
      const d = path.join(dir, p);
      mkdirSync(d, { recursive: true });
      writeFileSync(path.join(d, 'Info.cfg'), `ED: ${ed}\nES: ${es}\nGroup: DCM\nHeight: 184.0\nNbFrame: 30\nWeight: 95.0\n`);
      for (const frame of [ed, es]) {
        const id = `${p}_frame${String(frame).padStart(2, '0')}`;
        writeNifti(path.join(d, `${id}.nii.gz`), raw, [NX, NY, NZ], { dtype: 'int16', spacing: [1.5, 1.5, 10] });
        writeNifti(path.join(d, `${id}_gt.nii.gz`), gt, [NX, NY, NZ], { dtype: 'uint8', spacing: [1.5, 1.5, 10] });
      }
    }
    // a third patient whose label has a class outside 0..3, and a fourth with a size mismatch
    const d3 = path.join(dir, 'patient003');
    mkdirSync(d3);
    writeFileSync(path.join(d3, 'Info.cfg'), 'ED: 1\nES: 5\n');
    for (const f of [1, 5]) {
      writeNifti(path.join(d3, `patient003_frame0${f}.nii.gz`), raw, [NX, NY, NZ], { dtype: 'int16' });
      writeNifti(path.join(d3, `patient003_frame0${f}_gt.nii.gz`), gt.map((v, i) => (i === 3 ? 5 : v)), [NX, NY, NZ], { dtype: 'uint8' });
    }
    const d4 = path.join(dir, 'patient004');
    mkdirSync(d4);
    writeFileSync(path.join(d4, 'Info.cfg'), 'ED: 1\nES: 5\n');
    for (const f of [1, 5]) {
      writeNifti(path.join(d4, `patient004_frame0${f}.nii.gz`), raw, [NX, NY, NZ], { dtype: 'int16' });
      writeNifti(path.join(d4, `patient004_frame0${f}_gt.nii.gz`), gt.slice(0, 12), [NX, NY, 1], { dtype: 'uint8' });
    }
  });
  afterAll(cleanup);

  it('parses Info.cfg', () => {
    expect(parseAcdcInfo('ED: 1\nES: 12\r\nGroup: DCM\n')).toEqual({ ED: '1', ES: '12', Group: 'DCM' });
  });

  it('reads ED and ES volumes with min-max normalisation, labels and spacing', async () => {
    const res = await readAcdcNifti(dir, { patients: ['patient001', 'patient002'] });
    expect(res.volumes.map((v) => [v.id, v.phase])).toEqual([
      ['patient001_frame01', 'ED'],
      ['patient001_frame12', 'ES'],
      ['patient002_frame01', 'ED'],
      ['patient002_frame09', 'ES'],
    ]);
    const v = res.volumes[0];
    expect([v.depth, v.height, v.width, v.channels]).toEqual([NZ, NY, NX, 1]);
    expect(v.spacing).toEqual([10, 1.5, 1.5]);
    // (x - 100) / 230
    for (let i = 0; i < raw.length; i++) expect(v.image[i]).toBeCloseTo((raw[i] - 100) / 230, 6);
    expect(Array.from(v.label)).toEqual(gt);
    const slices = volumeToSlices(v);
    expect(slices.map((s) => s.id)).toEqual(['patient001_frame01_slice_0', 'patient001_frame01_slice_1']);
    expect(Array.from(slices[1].label)).toEqual(gt.slice(12));
    expect(slices[0].spacing).toEqual([1.5, 1.5]);
  });

  it('z-score option', async () => {
    const res = await readAcdcNifti(dir, { patients: ['patient001'], phases: ['ED'], normalize: 'zscore' });
    const m = raw.reduce((a, b) => a + b, 0) / raw.length;
    const sd = Math.sqrt(raw.reduce((a, b) => a + (b - m) ** 2, 0) / raw.length);
    expect(res.volumes[0].image[5]).toBeCloseTo((raw[5] - m) / sd, 5);
  });

  it('names out-of-range labels and size mismatches; skipBad keeps the rest', async () => {
    await expect(readAcdcNifti(dir, { patients: ['patient003'] })).rejects.toThrow(
      /readAcdcNifti: .*patient003_frame01_gt\.nii\.gz: label value 5 at index 3 is outside the class range 0\.\.3/,
    );
    await expect(readAcdcNifti(dir, { patients: ['patient004'] })).rejects.toThrow(/patient004_frame01_gt\.nii\.gz: image\/label size mismatch/);
    await expect(readAcdcNifti(dir, { patients: ['patient009'] })).rejects.toThrow(/patient009: folder not found/);
    const warnings: string[] = [];
    const res = await readAcdcNifti(dir, { skipBad: true, onWarning: (w) => warnings.push(w) });
    expect(res.list).toEqual(['patient001', 'patient002', 'patient003', 'patient004']);
    expect(res.volumes).toHaveLength(4);
    expect(res.skipped).toHaveLength(4);
    expect(warnings).toHaveLength(4);
  });
});
