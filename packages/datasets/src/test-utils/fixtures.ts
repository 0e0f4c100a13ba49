/** Fixture writers for the tests (tiny files in a temporary folder). Not part of the package. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { readChunkIndex, type ChunkIndex } from '../hdf5-chunk-index';

export function tempDir(prefix = 'agcl-datasets-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** NIfTI-1 datatype codes used by the writer. */
const CODES = { uint8: [2, 8], int16: [4, 16], float32: [16, 32] } as const;

/**
 * Writes a single-file NIfTI-1 image (`.nii`, or gzipped `.nii.gz`): the 348-byte header, 4 zero
 * extension bytes, then the voxels (x fastest), little-endian.
 */
export function writeNifti(
  file: string,
  data: ArrayLike<number>,
  dims: [number, number, number],
  options: { dtype?: keyof typeof CODES; spacing?: [number, number, number] /* x, y, z */; slope?: number; inter?: number } = {},
): void {
  const { dtype = 'float32', spacing = [1, 1, 1], slope = 0, inter = 0 } = options;
  const [code, bitpix] = CODES[dtype];
  const n = dims[0] * dims[1] * dims[2];
  const bpv = bitpix / 8;
  const buf = Buffer.alloc(352 + n * bpv);
  buf.writeInt32LE(348, 0);
  const ndim = dims[2] > 1 ? 3 : 2;
  buf.writeInt16LE(ndim, 40);
  buf.writeInt16LE(dims[0], 42);
  buf.writeInt16LE(dims[1], 44);
  buf.writeInt16LE(dims[2], 46);
  for (let i = 4; i <= 7; i++) buf.writeInt16LE(1, 40 + 2 * i);
  buf.writeInt16LE(code, 70);
  buf.writeInt16LE(bitpix, 72);
  buf.writeFloatLE(1, 76); // qfac
  buf.writeFloatLE(spacing[0], 80);
  buf.writeFloatLE(spacing[1], 84);
  buf.writeFloatLE(spacing[2], 88);
  buf.writeFloatLE(352, 108); // vox_offset
  buf.writeFloatLE(slope, 112);
  buf.writeFloatLE(inter, 116);
  buf.write('n+1\0', 344, 'latin1');
  for (let i = 0; i < n; i++) {
    const o = 352 + i * bpv;
    if (dtype === 'uint8') buf.writeUInt8(data[i], o);
    else if (dtype === 'int16') buf.writeInt16LE(data[i], o);
    else buf.writeFloatLE(data[i], o);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, file.endsWith('.gz') ? gzipSync(buf) : buf);
}

type H5 = {
  ready: Promise<unknown>;
  File: new (f: string, m: string) => {
    create_dataset(o: object): unknown;
    get(name: string): { create_reference(): { ref_data: Uint8Array } };
    close(): void;
  };
};
/** Typed arrays `writeH5` stores with their own dtype (h5wasm picks it from the array type). */
export type H5Data = Float32Array | Float64Array | Int16Array | Int32Array | Uint8Array | Uint16Array;

/**
 * Writes an HDF5 file with `image` (float32) and `label` (uint8) datasets, gzip-chunked like SSL4MIS's
 * (one chunk per 2D slice unless `chunks` says otherwise). Other typed arrays give other dtypes.
 */
export async function writeH5(file: string, image: H5Data, label: H5Data, shape: number[], labelShape = shape, chunks?: number[]): Promise<void> {
  const h5 = (await import('h5wasm/node')) as unknown as H5;
  await h5.ready;
  mkdirSync(path.dirname(file), { recursive: true });
  if (existsSync(file)) rmSync(file);
  const f = new h5.File(file, 'w');
  const chunk = (s: number[]) => chunks ?? s.map((v, i) => (i === 0 && s.length === 3 ? 1 : v));
  f.create_dataset({ name: 'image', data: image, shape, chunks: chunk(shape), compression: 'gzip' });
  f.create_dataset({ name: 'label', data: label, shape: labelShape, chunks: chunk(labelShape), compression: 'gzip' });
  f.close();
}

/** The chunk index (B-tree root, chunk addresses and sizes) of a dataset of an HDF5 file with base address 0 and 8-byte addresses. */
export async function chunkIndexOf(file: string, dataset: string): Promise<ChunkIndex> {
  const h5 = (await import('h5wasm/node')) as unknown as H5;
  await h5.ready;
  const f = new h5.File(file, 'r');
  const ref = f.get(dataset).create_reference().ref_data;
  f.close();
  const index = readChunkIndex(file, Number(Buffer.from(ref).readBigUInt64LE(0)), { base: 0, sizeOffsets: 8, sizeLengths: 8 });
  if (!index) throw new Error(`${file}: '${dataset}' is not chunked with a version 1 B-tree`);
  return index;
}

/** Copies `from` to `to` after `edit` changed the bytes (a corrupted copy for the tests). */
export function corruptCopy(from: string, to: string, edit: (bytes: Buffer) => void): string {
  const bytes = Buffer.from(readFileSync(from));
  edit(bytes);
  mkdirSync(path.dirname(to), { recursive: true });
  writeFileSync(to, bytes);
  return to;
}

/** Deterministic pseudo-random bytes (for "overwritten" regions). */
export function noiseBytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

/** A `[h, w]` test pattern: deterministic float image and a label with classes 0..numClasses-1. */
export function pattern(h: number, w: number, numClasses: number, salt = 0): { image: Float32Array; label: Uint8Array } {
  const image = new Float32Array(h * w);
  const label = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      image[y * w + x] = ((y * 31 + x * 7 + salt * 13) % 101) / 100;
      label[y * w + x] = (Math.floor(y / 2) + x + salt) % numClasses;
    }
  }
  return { image, label };
}

/** Writes a PNG with sharp from raw 8-bit samples. */
export async function writePng(file: string, data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<void> {
  const sharp = (await import('sharp')).default;
  mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(data), { raw: { width, height, channels } }).png().toFile(file);
}

/** Writes a 24-bit BMP with bmp-js from RGB samples. */
export async function writeBmp(file: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  const bmp = (await import('bmp-js')).default;
  const abgr = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    abgr[i * 4] = 0;
    abgr[i * 4 + 1] = rgb[i * 3 + 2];
    abgr[i * 4 + 2] = rgb[i * 3 + 1];
    abgr[i * 4 + 3] = rgb[i * 3];
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bmp.encode({ data: abgr, width, height }).data);
}

/** The shared real-data folder (`../shared/data` beside the repository, or AGCL_DATA_DIR). */
export function dataDir(): string {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
  return process.env.AGCL_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');
}

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    c ^= bytes[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Writes a 16-bit grayscale PNG by hand (IHDR bit depth 16, colour type 0, filter 0, big-endian samples). */
export function writePng16(file: string, values: ArrayLike<number>, width: number, height: number): void {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16;
  ihdr[9] = 0;
  const raw = Buffer.alloc(height * (1 + 2 * width));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.writeUInt16BE(values[y * width + x], y * (1 + 2 * width) + 1 + 2 * x);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]),
  );
}

/**
 * Writes a one-strip, uncompressed, single-channel TIFF with 32-bit samples by hand
 * (`format` 1: unsigned integer, 3: float), as scanners and label tools write instance maps.
 */
export function writeTiff32(file: string, values: ArrayLike<number>, width: number, height: number, format: 1 | 3): void {
  const tags: Array<[number, number, number]> = [
    [256, 4, width], [257, 4, height], [258, 3, 32], [259, 3, 1], [262, 3, 1],
    [273, 4, 0], [277, 3, 1], [278, 4, height], [279, 4, width * height * 4], [339, 3, format],
  ];
  const dataOffset = 8 + 2 + tags.length * 12 + 4;
  const buf = Buffer.alloc(dataOffset + width * height * 4);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(8, 4);
  buf.writeUInt16LE(tags.length, 8);
  tags.forEach(([tag, type, value], i) => {
    const o = 10 + i * 12;
    buf.writeUInt16LE(tag, o);
    buf.writeUInt16LE(type, o + 2);
    buf.writeUInt32LE(1, o + 4);
    if (type === 3) buf.writeUInt16LE(value, o + 8);
    else buf.writeUInt32LE(tag === 273 ? dataOffset : value, o + 8);
  });
  for (let i = 0; i < width * height; i++) {
    if (format === 3) buf.writeFloatLE(values[i], dataOffset + 4 * i);
    else buf.writeUInt32LE(values[i], dataOffset + 4 * i);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, buf);
}
