import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DatasetError } from './dataset-error';
import { readHdf5 } from './hdf5';
import { readListFile } from './list-file';
import { readAcdcH5 } from './read-acdc-h5';
import { chunkIndexOf, corruptCopy, dataDir, noiseBytes, pattern, tempDir, writeH5 } from './test-utils/fixtures';

// h5wasm (Emscripten, NODERAWFS) prints HDF5's error stacks with fs.writeSync(2, ...) on this object.
const nodeFs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');

/** What is written to fd 2 through fs.writeSync while `run` runs (its rejection is ignored). */
async function fd2Writes(run: () => Promise<unknown>): Promise<string> {
  const original = nodeFs.writeSync;
  let text = '';
  const write = (fd: number, buf: Uint8Array, offset?: number, length?: number, ...rest: unknown[]): number => {
    if (fd !== 2) return (original as (...a: unknown[]) => number)(fd, buf, offset, length, ...rest);
    const n = length ?? buf.length - (offset ?? 0);
    text += Buffer.from(buf.buffer, buf.byteOffset + (offset ?? 0), n).toString('utf8');
    return n;
  };
  const spy = vi.spyOn(nodeFs, 'writeSync').mockImplementation(write as unknown as typeof nodeFs.writeSync);
  try {
    await run().catch(() => undefined);
  } finally {
    spy.mockRestore();
  }
  return text;
}

/** The first rejection of `p`, which must be a DatasetError. */
async function datasetError(p: Promise<unknown>): Promise<DatasetError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(DatasetError);
  return e as DatasetError;
}

/** Byte position of chunk-index entry `i` of a leaf B-tree node at `root` (8-byte addresses, 2D dataset). */
const keyAt = (root: number, i: number) => root + 24 + i * 40;

describe('readAcdcH5 on corrupted HDF5 fixtures', () => {
  const { dir, cleanup } = tempDir();
  const data = path.join(dir, 'data');
  const good = path.join(data, 'patient001_frame01_slice_0.h5');
  const H = 32;
  const W = 24;
  const chunks = [8, 12]; // a 4 x 2 chunk grid
  const cases: Array<[string, RegExp]> = [
    ['zeroed_chunk', /corrupt dataset 'image' \(HDF5: H5Z_pipeline\(\): filter returned failure during read\)/],
    ['overwritten', /corrupt dataset 'image' \(HDF5: .+\)/],
    ['flipped_label', /corrupt dataset 'label' \(HDF5: H5Z_pipeline\(\): filter returned failure during read\)/],
    ['dropped_chunk', /corrupt dataset 'image': chunk index lists 7 of the 8 chunks \(HDF5 would read the missing ones as the fill value, 0 by default\)/],
    ['moved_chunk', /corrupt dataset 'image': chunk index lists a chunk at \[72, 0\], off the dataset's chunk grid/],
    ['unfiltered', /corrupt dataset 'image': chunk at \[0, 0\]: marked as not compressed \(filter mask 1\) but stored in \d+ bytes, not 384/],
    ['nan', /dataset 'image' value NaN at index 5 is not finite \(expected finite intensities\)/],
    ['inf', /dataset 'image' value -Infinity at index 7 is not finite \(expected finite intensities\)/],
    ['float_label', /dataset 'label' has dtype float32, expected uint8 \(or another integer type up to 32 bits\)/],
    ['int_image', /dataset 'image' has dtype int16, expected float32 \(or float64\)/],
    ['float64_label_shape', /dataset 'label' has dtype float64, expected uint8/],
    ['rank', /dataset 'image' has shape \[2, 32, 24\], expected \[H, W\]/],
  ];
  const file = (name: string) => path.join(data, `${name}.h5`);

  beforeAll(async () => {
    const { image, label } = pattern(H, W, 4);
    await writeH5(good, image, label, [H, W], [H, W], chunks);
    const img = await chunkIndexOf(good, 'image');
    const lab = await chunkIndexOf(good, 'label');
    const c3 = img.chunks[3];
    corruptCopy(good, file('zeroed_chunk'), (b) => b.fill(0, c3.address, c3.address + c3.nbytes));
    corruptCopy(good, file('overwritten'), (b) => noiseBytes(200, 7).copy(b, img.chunks[1].address));
    corruptCopy(good, file('flipped_label'), (b) => (b[lab.chunks[0].address + 3] ^= 0x10));
    // one fewer entry in the (leaf) root node: HDF5 would read the last chunk as zeros, without an error
    corruptCopy(good, file('dropped_chunk'), (b) => b.writeUInt16LE(img.chunks.length - 1, img.root! + 6));
    // a key moved on the grid but past the image: HDF5 checks the alignment only, and reads chunk [0, 0] as zeros
    corruptCopy(good, file('moved_chunk'), (b) => b.writeBigUInt64LE(72n, keyAt(img.root!, 0) + 8));
    corruptCopy(good, file('unfiltered'), (b) => b.writeUInt32LE(1, keyAt(img.root!, 0) + 4));
    const nan = Float32Array.from(image);
    nan[5] = Number.NaN;
    await writeH5(file('nan'), nan, label, [H, W]);
    const inf = Float32Array.from(image);
    inf[7] = -Infinity;
    await writeH5(file('inf'), inf, label, [H, W]);
    await writeH5(file('float_label'), image, Float32Array.from(label), [H, W]);
    await writeH5(file('int_image'), Int16Array.from(label), label, [H, W]);
    await writeH5(file('float64_label_shape'), image, Float64Array.from(label.subarray(0, W * 4)), [H, W], [4, W]);
    const vol = pattern(2 * H, W, 4);
    await writeH5(file('rank'), vol.image, vol.label, [2, H, W]);
    writeFileSync(path.join(dir, 'train_slices.list'), ['patient001_frame01_slice_0', ...cases.map(([n]) => n)].join('\n'));
  });
  afterAll(cleanup);

  it('the fixture itself reads back exactly', async () => {
    const res = await readAcdcH5(dir, { split: 'train', ids: ['patient001_frame01_slice_0'] });
    expect(Array.from(res.slices![0].image)).toEqual(Array.from(pattern(H, W, 4).image));
  });

  it.each(cases)('%s: a DatasetError names the file, the dataset and the problem', async (name, problem) => {
    const e = await datasetError(readAcdcH5(dir, { split: 'train', ids: [name] }));
    expect(e.message).toMatch(new RegExp(`^readAcdcH5: .*${name}\\.h5: ${problem.source}`));
    expect(e.file).toBe(file(name));
  });

  it('HDF5 error stacks become the error cause and never reach stderr', async () => {
    let error: unknown;
    const printed = await fd2Writes(() => readHdf5(file('zeroed_chunk'), { image: 'float' }).catch((e: unknown) => (error = e)));
    expect(printed).toBe('');
    expect(((error as DatasetError).cause as Error).message).toMatch(/HDF5-DIAG: Error detected in HDF5[\s\S]*H5Z_pipeline\(\)/);
    // control: h5wasm used directly prints the stack on fd 2 and returns data anyway
    const h5 = (await import('h5wasm/node')) as unknown as { File: new (f: string, m: string) => { get(n: string): { value: Float32Array }; close(): void } };
    let zeros = 0;
    const raw = await fd2Writes(async () => {
      const f = new h5.File(file('zeroed_chunk'), 'r');
      zeros = f.get('image').value.filter((v) => v === 0).length;
      f.close();
    });
    expect(raw).toMatch(/HDF5-DIAG/);
    expect(zeros).toBeGreaterThan(8 * 12 - 2);
  });

  it('skipBad skips and counts every bad file, keeps the good one, and prints nothing on stderr', async () => {
    const warnings: string[] = [];
    let res: Awaited<ReturnType<typeof readAcdcH5>> | undefined;
    const printed = await fd2Writes(async () => {
      res = await readAcdcH5(dir, { split: 'train', skipBad: true, onWarning: (m) => warnings.push(m) });
    });
    expect(printed).toBe('');
    expect(res!.slices!.map((s) => s.id)).toEqual(['patient001_frame01_slice_0']);
    expect(res!.skipped.map((s) => path.basename(s.file))).toEqual(cases.map(([n]) => `${n}.h5`));
    expect(warnings).toHaveLength(cases.length);
    for (const w of warnings) expect(w).toMatch(/^readAcdcH5: .*\.h5: .*dataset '(image|label)'.* \(skipped\)$/);
  });
});

const root = path.join(dataDir(), 'acdc');
const hasAcdc = existsSync(path.join(root, 'train_slices.list'));
if (!hasAcdc) console.warn(`read-acdc-h5-corrupt.test: real-data corruption tests skipped, ${root} is absent`);

describe.skipIf(!hasAcdc)('readAcdcH5 on corrupted copies of real ACDC files (../shared/data/acdc)', () => {
  const { dir, cleanup } = tempDir();
  const real = (name: string) => path.join(root, 'data', `${name}.h5`);
  const copy = (name: string) => path.join(dir, 'data', `${name}.h5`);
  const cases: Array<{ name: string; what: string; problem: RegExp }> = [];
  let goodName = '';
  let volume = '';

  beforeAll(async () => {
    const list = readListFile('test', path.join(root, 'train_slices.list'));
    const big = list.find((n) => statSync(real(n)).size >= 64000) as string;
    let c = '';
    for (const n of list) {
      if (n !== big && (await chunkIndexOf(real(n), 'image')).dims.slice(0, 2).some((k) => (k & (k - 1)) === 0)) c = n;
      if (c) break;
    }
    const [a, b, d, e, f, g, h] = list.filter((n) => n !== big && n !== c);
    goodName = h;
    const add = (name: string, what: string, problem: RegExp) => cases.push({ name, what, problem });

    // the two failures reported in issue 21
    corruptCopy(real(big), copy(big), (buf) => noiseBytes(60000, 3).copy(buf, 3000));
    add(big, 'bytes 3000-63000 overwritten', /corrupt dataset 'image' \(HDF5: .+\)/);
    const img = await chunkIndexOf(real(a), 'image');
    corruptCopy(real(a), copy(a), (buf) => buf.fill(0, img.chunks[5].address, img.chunks[5].address + 4096));
    add(a, 'a 4 KiB zeroed gzip chunk', /corrupt dataset 'image' \(HDF5: H5Z_pipeline\(\): filter returned failure during read\)/);

    const lab = await chunkIndexOf(real(b), 'label');
    corruptCopy(real(b), copy(b), (buf) => (buf[lab.chunks[0].address + 3] ^= 0x10));
    add(b, 'a flipped bit in a label chunk', /corrupt dataset 'label' \(HDF5: H5Z_pipeline\(\): filter returned failure during read\)/);

    // flips that HDF5 itself reads as zeros without an error (no checksum on this index)
    // a flipped high bit in a chunk key whose chunk size is a power of two: still on the grid, so HDF5
    // reads the chunk as zeros without an error
    const ci = await chunkIndexOf(real(c), 'image');
    const axis = ci.dims.findIndex((n) => (n & (n - 1)) === 0);
    corruptCopy(real(c), copy(c), (buf) => (buf[keyAt(ci.root!, 2) + 8 + 8 * Math.max(0, axis) + 6] ^= 0x10));
    add(c, 'a flipped bit in a chunk key', /corrupt dataset 'image': chunk index lists a chunk at \[\d+, \d+\], off the dataset's chunk grid/);
    const di = await chunkIndexOf(real(d), 'image');
    corruptCopy(real(d), copy(d), (buf) => buf.fill(0, keyAt(di.root!, 3), keyAt(di.root!, 3) + 4096));
    add(d, 'a zeroed 4 KiB block over the chunk index', /corrupt dataset 'image': chunk at \[0, 0\] has an empty index entry \(0 bytes at byte 0\)/);
    const ei = await chunkIndexOf(real(e), 'image');
    corruptCopy(real(e), copy(e), (buf) => (buf[keyAt(ei.root!, 0) + 4] ^= 0x01));
    add(e, 'a flipped filter-mask bit', /corrupt dataset 'image': chunk at \[0, 0\]: marked as not compressed \(filter mask 1\)/);

    writeFileSync(copy(f), readFileSync(real(f)).subarray(0, Math.floor(statSync(real(f)).size / 2)));
    add(f, 'a truncated copy', /truncated file \(\d+ of \d+ bytes\)/);

    // a real slice re-encoded with a NaN
    const { image, label } = await readHdf5(real(g), { image: 'float', label: 'integer' });
    const nan = Float32Array.from(image.value);
    nan[100] = Number.NaN;
    await writeH5(copy(g), nan, Uint8Array.from(label.value), image.shape);
    add(g, 'a NaN in the image', /dataset 'image' value NaN at index 100 is not finite \(expected finite intensities\)/);

    corruptCopy(real(goodName), copy(goodName), () => undefined);
    writeFileSync(path.join(dir, 'train_slices.list'), [...cases.map((x) => x.name), goodName].join('\n'));

    volume = readListFile('test', path.join(root, 'val.list'))[0];
    const vi3 = await chunkIndexOf(real(volume), 'image');
    corruptCopy(real(volume), copy(volume), (buf) => buf.fill(0, vi3.chunks[3].address, vi3.chunks[3].address + 4096));
    writeFileSync(path.join(dir, 'val.list'), `${volume}\n`);
  });
  afterAll(cleanup);

  it('every corrupted copy is refused with the file and dataset named, and nothing printed on stderr', async () => {
    expect(cases).toHaveLength(8);
    for (const { name, what, problem } of cases) {
      let error: DatasetError | undefined;
      const printed = await fd2Writes(async () => {
        error = await datasetError(readAcdcH5(dir, { split: 'train', ids: [name] }));
      });
      expect(printed, what).toBe('');
      console.info(`${what}: ${error?.message}`);
      expect(error?.message, what).toMatch(new RegExp(`^readAcdcH5: .*data/${name}\\.h5: ${problem.source}`));
    }
  });

  it('a validation volume with a zeroed chunk is refused', async () => {
    const e = await datasetError(readAcdcH5(dir, { split: 'val' }));
    expect(e.message).toMatch(new RegExp(`${volume}\\.h5: corrupt dataset 'image' \\(HDF5: H5Z_pipeline\\(\\): filter returned failure during read\\)`));
  });

  it('skipBad keeps the good slice, counts the 8 bad ones, and the good one equals the original', async () => {
    const warnings: string[] = [];
    const res = await readAcdcH5(dir, { split: 'train', skipBad: true, onWarning: (m) => warnings.push(m) });
    expect(res.slices!.map((s) => s.id)).toEqual([goodName]);
    expect(res.skipped.map((s) => path.basename(s.file, '.h5'))).toEqual(cases.map((x) => x.name));
    expect(warnings).toHaveLength(8);
    const original = await readAcdcH5(root, { split: 'train', ids: [goodName] });
    expect(Array.from(res.slices![0].image)).toEqual(Array.from(original.slices![0].image));
  });
});
