/// <reference path="./bmp-js.d.ts" />
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DatasetError } from './dataset-error';

/** A decoded raster: interleaved channels, 8- or 16-bit samples. */
export interface DecodedImage {
  data: Uint8Array | Uint16Array;
  width: number;
  height: number;
  channels: number;
  /** Largest representable sample (255 or 65535). */
  maxValue: number;
}

type SharpFn = typeof import('sharp');
let sharpPromise: Promise<SharpFn> | undefined;

/** Loads sharp lazily (its native binary is only needed when an image file is read). */
function loadSharp(): Promise<SharpFn> {
  sharpPromise ??= import('sharp').then((m) => ((m as unknown as { default?: SharpFn }).default ?? (m as unknown as SharpFn)));
  return sharpPromise;
}

/**
 * Decodes an image file to interleaved raw samples. `.bmp` goes through bmp-js (1/4/8/24/32-bit;
 * returned as RGB, 8-bit); everything else (PNG, TIFF, JPEG, ...) through sharp, keeping its channel
 * count and 16-bit depth. Errors name the file: not found, empty, truncated, undecodable or
 * corrupt (any decoder error: a PNG chunk CRC, a TIFF strip that does not inflate; for JPEG also
 * libjpeg's corrupt-data warnings), samples other than 8- or 16-bit unsigned integers (32-bit or
 * float TIFFs would otherwise be clamped to 8 bits), a BMP header with impossible fields.
 *
 * @param role what the file holds, for error messages (`'image'` or `'mask'`). Default `'image'`.
 * @example const { data, width, height, channels } = await decodeImage('tile.png');
 */
export async function decodeImage(file: string, fn = 'decodeImage', role = 'image'): Promise<DecodedImage> {
  let buf: Buffer;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    buf = readFileSync(file);
  } catch {
    throw new DatasetError(fn, file, 'file not found');
  }
  if (buf.length === 0) throw new DatasetError(fn, file, 'empty file (0 bytes)');
  if (path.extname(file).toLowerCase() === '.bmp') return decodeBmp(fn, file, buf, role);
  const fail = (e: unknown) => new DatasetError(fn, file, `cannot decode ${role} (corrupt, truncated or unsupported file: ${e instanceof Error ? e.message : String(e)})`);
  const sharp = await loadSharp();
  let meta: Awaited<ReturnType<ReturnType<SharpFn>['metadata']>>;
  try {
    meta = await sharp(buf).metadata();
  } catch (e) {
    throw fail(e);
  }
  const depth = meta.depth ?? 'uchar';
  if (depth !== 'uchar' && depth !== 'ushort') {
    throw new DatasetError(fn, file, `${role} is a ${meta.format.toUpperCase()} with ${DEPTHS[depth] ?? depth} samples, expected 8- or 16-bit unsigned integer samples`);
  }
  try {
    const sixteen = depth === 'ushort';
    const gray = (meta.channels ?? 3) <= 2;
    // Fail on any decoder error (a PNG CRC, a TIFF strip that does not inflate), and for JPEG, which
    // has no checksum, also on libjpeg's "corrupt data" warnings; sharp's default ignores most.
    const base = sharp(buf, { failOn: meta.format === 'jpeg' ? 'warning' : 'error' });
    // 16-bit input: ask for 16-bit output in the input's colour family (sharp otherwise widens gray to RGB).
    const img = sixteen ? base.toColourspace(gray ? 'grey16' : 'rgb16').raw({ depth: 'ushort' }) : base.raw();
    const { data, info } = await img.toBuffer({ resolveWithObject: true });
    const samples = sixteen
      ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { data: samples, width: info.width, height: info.height, channels: info.channels, maxValue: sixteen ? 65535 : 255 };
  } catch (e) {
    throw fail(e);
  }
}

/** sharp's sample formats, for messages. */
const DEPTHS: Record<string, string> = {
  char: '8-bit signed integer',
  short: '16-bit signed integer',
  int: '32-bit signed integer',
  uint: '32-bit unsigned integer',
  float: '32-bit float',
  double: '64-bit float',
  complex: 'complex',
  dpcomplex: 'double complex',
};

async function decodeBmp(fn: string, file: string, buf: Buffer, role: string): Promise<DecodedImage> {
  if (buf.length < 54 || buf.toString('latin1', 0, 2) !== 'BM') throw new DatasetError(fn, file, 'not a BMP file (bad header)');
  const declared = buf.readUInt32LE(2);
  const dataOffset = buf.readUInt32LE(10);
  const width = buf.readInt32LE(18);
  const height = Math.abs(buf.readInt32LE(22));
  const bits = buf.readUInt16LE(28);
  const compression = buf.readUInt32LE(30);
  if (![1, 4, 8, 16, 24, 32].includes(bits)) throw new DatasetError(fn, file, `${role} has a corrupt BMP header: ${bits} bits per pixel (expected 1, 4, 8, 16, 24 or 32)`);
  if (compression > 3) throw new DatasetError(fn, file, `${role} has an unsupported BMP compression ${compression} (expected 0 none, 1 RLE8, 2 RLE4 or 3 bit fields)`);
  if (!(width >= 1 && height >= 1)) throw new DatasetError(fn, file, `${role} has a corrupt BMP header: size ${width}x${height}`);
  const rowBytes = Math.floor((bits * width + 31) / 32) * 4;
  const needed = compression === 0 ? dataOffset + rowBytes * height : declared;
  if (buf.length < needed || (declared > 0 && buf.length < declared)) {
    throw new DatasetError(fn, file, `truncated file (${buf.length} of ${Math.max(needed, declared)} bytes)`);
  }
  const mod = (await import('bmp-js')) as unknown as { default?: typeof import('bmp-js').default; decode?: typeof import('bmp-js').decode };
  const decode = mod.decode ?? mod.default?.decode;
  if (!decode) throw new DatasetError(fn, file, 'bmp-js could not be loaded');
  let img: { width: number; height: number; data: Buffer };
  try {
    img = decode(buf);
  } catch (e) {
    throw new DatasetError(fn, file, `cannot decode ${role} (corrupt BMP: ${e instanceof Error ? e.message : String(e)})`);
  }
  const n = img.width * img.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = img.data[i * 4 + 3];
    rgb[i * 3 + 1] = img.data[i * 4 + 2];
    rgb[i * 3 + 2] = img.data[i * 4 + 1];
  }
  return { data: rgb, width: img.width, height: img.height, channels: 3, maxValue: 255 };
}

/**
 * Converts a decoded image to float RGB (or gray) in [0, 1]: gray is replicated to 3 channels,
 * alpha dropped; with `channels: 1`, RGB becomes luma `0.299 R + 0.587 G + 0.114 B`.
 */
export function toFloatImage(img: DecodedImage, channels: 1 | 3): Float32Array {
  const { data, width, height, channels: c, maxValue } = img;
  const n = width * height;
  const out = new Float32Array(n * channels);
  const color = c >= 3;
  const scale = 1 / maxValue;
  for (let i = 0; i < n; i++) {
    const p = i * c;
    if (channels === 3) {
      if (color) {
        out[i * 3] = data[p] * scale;
        out[i * 3 + 1] = data[p + 1] * scale;
        out[i * 3 + 2] = data[p + 2] * scale;
      } else {
        const g = data[p] * scale;
        out[i * 3] = g;
        out[i * 3 + 1] = g;
        out[i * 3 + 2] = g;
      }
    } else {
      out[i] = color ? (0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2]) * scale : data[p] * scale;
    }
  }
  return out;
}

/**
 * Reduces a decoded mask to one integer value per pixel: the sample itself for gray masks; for
 * colour masks, the first channel when R = G = B everywhere, else the colour code
 * `R * 65536 + G * 256 + B` (so colour-coded instance maps keep distinct instances). Alpha ignored.
 */
export function toMaskValues(img: DecodedImage): Int32Array {
  const { data, width, height, channels: c } = img;
  const n = width * height;
  const out = new Int32Array(n);
  if (c < 3) {
    for (let i = 0; i < n; i++) out[i] = data[i * c];
    return out;
  }
  let gray = true;
  for (let i = 0; i < n && gray; i++) {
    const p = i * c;
    if (data[p] !== data[p + 1] || data[p] !== data[p + 2]) gray = false;
  }
  for (let i = 0; i < n; i++) {
    const p = i * c;
    out[i] = gray ? data[p] : data[p] * 65536 + data[p + 1] * 256 + data[p + 2];
  }
  return out;
}
