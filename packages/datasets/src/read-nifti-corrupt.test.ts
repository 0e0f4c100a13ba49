import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from './dataset-error';
import { readHdf5 } from './hdf5';
import { readAcdcNifti } from './read-acdc-nifti';
import { readNifti } from './read-nifti';
import { corruptCopy, dataDir, tempDir, writeNifti } from './test-utils/fixtures';

const NX = 4;
const NY = 3;
const NZ = 2;
const N = NX * NY * NZ;
const raw = Array.from({ length: N }, (_, i) => 100 + 10 * i);
const gt = Array.from({ length: N }, (_, i) => i % 4);

interface Edit {
  image?: ArrayLike<number>;
  label?: ArrayLike<number>;
  labelDims?: [number, number, number];
  imageDtype?: 'float32';
  labelDtype?: 'float32';
  /** Spoils the image file (or the label file with `patchLabel`) after writing. */
  patch?: (file: string) => void;
  patchLabel?: boolean;
}

/** Writes `root/<patient>/` with Info.cfg (ED frame 1 only) and an image/label pair, then lets `patch` spoil one file. */
function writePatient(root: string, patient: string, edit: Edit = {}): { image: string; label: string } {
  const dir = path.join(root, patient);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'Info.cfg'), 'ED: 1\nES: 1\n');
  const image = path.join(dir, `${patient}_frame01.nii.gz`);
  const label = path.join(dir, `${patient}_frame01_gt.nii.gz`);
  writeNifti(image, edit.image ?? raw, [NX, NY, NZ], { dtype: edit.imageDtype ?? 'int16' });
  writeNifti(label, edit.label ?? gt, edit.labelDims ?? [NX, NY, NZ], { dtype: edit.labelDtype ?? 'uint8' });
  edit.patch?.(edit.patchLabel ? label : image);
  return { image, label };
}

/** Rewrites a .nii.gz after `edit` changed its (uncompressed) header or voxels. */
const editNifti = (edit: (bytes: Buffer) => void) => (file: string) => {
  const bytes = gunzipSync(readFileSync(file));
  edit(bytes);
  writeFileSync(file, gzipSync(bytes));
};

describe('readAcdcNifti / readNifti on corrupted NIfTI fixtures', () => {
  const { dir, cleanup } = tempDir();
  const cases: Array<[string, Edit, 'image' | 'label', RegExp]> = [
    ['truncated_gzip', { patch: (f) => writeFileSync(f, readFileSync(f).subarray(0, 60)) }, 'image', /corrupt or truncated gzip data \(unexpected end of file\)/],
    ['flipped_gzip', { patch: (f) => corruptCopy(f, f, (b) => (b[b.length - 6] ^= 0x01)) }, 'image', /corrupt or truncated gzip data \(incorrect data check\)/],
    ['flipped_label_gzip', { patchLabel: true, patch: (f) => corruptCopy(f, f, (b) => (b[b.length - 2] ^= 0x40)) }, 'label', /corrupt or truncated gzip data \(.+\)/],
    ['nan', { image: raw.map((v, i) => (i === 3 ? Number.NaN : v)), imageDtype: 'float32' }, 'image', /image value NaN at index 3 is not finite \(expected finite intensities\)/],
    ['inf', { image: raw.map((v, i) => (i === 9 ? Infinity : v)), imageDtype: 'float32' }, 'image', /image value Infinity at index 9 is not finite \(expected finite intensities\)/],
    ['fractional_label', { label: gt.map((v, i) => (i === 2 ? 1.5 : v)), labelDtype: 'float32' }, 'label', /label value 1\.5 at index 2 is not an integer class id \(expected 0\.\.3\)/],
    ['label_range', { label: gt.map((v, i) => (i === 6 ? 4 : v)) }, 'label', /label value 4 at index 6 is outside the class range 0\.\.3/],
    ['rgb_dtype', { patch: editNifti((b) => {
          b.writeInt16LE(128, 70);
          b.writeInt16LE(24, 72);
        }) }, 'image', /unsupported NIfTI datatype code 128 \(expected uint8, int8, int16, uint16, int32, uint32, float32 or float64\)/],
    ['bitpix', { patch: editNifti((b) => b.writeInt16LE(8, 72)) }, 'image', /corrupt NIfTI header: datatype code 4 has 16 bits per voxel, the header says 8/],
    ['zero_size', { patch: editNifti((b) => b.writeInt16LE(0, 44)) }, 'image', /corrupt NIfTI header: image size \[4, 0, 2\] \(x, y, z\), expected positive sizes/],
    ['size_mismatch', { label: gt.slice(0, NX * NY), labelDims: [NX, NY, 1] }, 'label', /image\/label size mismatch: image \[4, 3, 2\], label \[4, 3, 1\] \(x, y, z; expected the same size\)/],
  ];
  const files: Record<string, { image: string; label: string }> = {};
  const patientOf = (name: string) => `patient${101 + cases.findIndex(([n]) => n === name)}`;
  beforeAll(() => {
    writePatient(dir, 'patient001');
    for (const [name, edit] of cases) files[name] = writePatient(dir, patientOf(name), edit);
  });
  afterAll(cleanup);

  it('the good patient reads', async () => {
    const res = await readAcdcNifti(dir, { patients: ['patient001'], phases: ['ED'] });
    expect(Array.from(res.volumes[0].label)).toEqual(gt);
  });

  it.each(cases)('%s: a DatasetError names the file, whether it is the image or the label, and the problem', async (name, _edit, field, problem) => {
    const p = readAcdcNifti(dir, { patients: [patientOf(name)], phases: ['ED'] });
    await expect(p).rejects.toBeInstanceOf(DatasetError);
    const file = files[name][field].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await expect(p).rejects.toThrow(new RegExp(`^readAcdcNifti: ${file}: ${problem.source}`));
    if (!['size_mismatch', 'label_range', 'fractional_label'].includes(name)) {
      await expect(readNifti(files[name][field], 'readNifti', field)).rejects.toThrow(new RegExp(`^readNifti: ${file}: ${problem.source}`));
    }
  });

  it('skipBad keeps the good patient and counts every bad one', async () => {
    const warnings: string[] = [];
    const res = await readAcdcNifti(dir, { phases: ['ED'], skipBad: true, onWarning: (w) => warnings.push(w) });
    expect(res.volumes.map((v) => v.caseId)).toEqual(['patient001']);
    expect(res.skipped).toHaveLength(cases.length);
    expect(warnings.every((w) => /^readAcdcNifti: .*\.nii\.gz: .* \(skipped\)$/.test(w))).toBe(true);
  });
});

const acdc = path.join(dataDir(), 'acdc');
const hasAcdc = existsSync(path.join(acdc, 'val.list'));
if (!hasAcdc) console.warn(`read-nifti-corrupt.test: real-data NIfTI test skipped, ${acdc} is absent`);

describe.skipIf(!hasAcdc)('readNifti on a real ACDC volume re-encoded as .nii.gz, then corrupted', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('reads the copy exactly and refuses a flipped byte and a truncation', async () => {
    const name = readFileSync(path.join(acdc, 'val.list'), 'utf8').split('\n')[0].trim();
    const { image } = await readHdf5(path.join(acdc, 'data', `${name}.h5`), { image: 'float' });
    const [d, h, w] = image.shape;
    const good = path.join(dir, `${name}.nii.gz`);
    writeNifti(good, image.value, [w, h, d], { dtype: 'float32' });
    const back = (await readNifti(good)).data;
    expect(Buffer.from(back.buffer).equals(Buffer.from(Float32Array.from(image.value).buffer))).toBe(true);
    const gz = readFileSync(good);
    const flipped = corruptCopy(good, path.join(dir, 'flipped.nii.gz'), (b) => (b[Math.floor(gz.length / 2)] ^= 0x08));
    await expect(readNifti(flipped, 'readNifti', 'image')).rejects.toThrow(/^readNifti: .*flipped\.nii\.gz: corrupt or truncated gzip data \(.+\)$/);
    const cut = path.join(dir, 'cut.nii.gz');
    writeFileSync(cut, gz.subarray(0, gz.length - 1000));
    await expect(readNifti(cut)).rejects.toThrow(/^readNifti: .*cut\.nii\.gz: corrupt or truncated gzip data \(unexpected end of file\)$/);
  });
});
