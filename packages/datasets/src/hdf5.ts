import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { DatasetError } from './dataset-error';

/** Minimal view of the h5wasm module used here (loaded lazily: h5wasm's Node entry is ESM-only). */
export interface H5Dataset {
  shape: number[] | null;
  dtype: unknown;
  value: unknown;
}
export interface H5File {
  keys(): string[];
  get(name: string): unknown;
  close(): unknown;
}
export interface H5Module {
  ready: Promise<unknown>;
  File: new (filename: string, mode?: string) => H5File;
  Dataset: new (...args: never[]) => H5Dataset;
}

let modulePromise: Promise<H5Module> | undefined;

/**
 * Loads `h5wasm/node` once (dynamic import, so CommonJS consumers of this package work too) and
 * waits for its WebAssembly to be ready.
 */
export function loadH5wasm(): Promise<H5Module> {
  modulePromise ??= (async () => {
    const mod = (await import('h5wasm/node')) as unknown as H5Module & { default?: H5Module };
    const h5 = (mod.File ? mod : mod.default) as H5Module;
    await h5.ready;
    return h5;
  })();
  return modulePromise;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function readUint(buf: Buffer, offset: number, size: number): number {
  if (size === 8) return Number(buf.readBigUInt64LE(offset));
  if (size === 4) return buf.readUInt32LE(offset);
  if (size === 2) return buf.readUInt16LE(offset);
  throw new Error(`unsupported HDF5 offset size ${size}`);
}

/**
 * Checks that `file` exists and looks like a complete HDF5 file: the signature is present and the
 * file is at least as long as the end-of-file address stored in its superblock (versions 0-3).
 * Catches missing, empty, non-HDF5 and truncated files with a clear message before the HDF5 library
 * sees them. Throws {@link DatasetError}.
 */
export function checkHdf5File(fn: string, file: string): void {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new DatasetError(fn, file, 'not a file');
    size = st.size;
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(fn, file, 'file not found');
  }
  if (size === 0) throw new DatasetError(fn, file, 'empty file (0 bytes)');
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(96);
    for (let base = 0; base === 0 || base < size; base = base === 0 ? 512 : base * 2) {
      const n = readSync(fd, head, 0, head.length, base);
      if (n < 8) break;
      if (!SIGNATURE.every((b, i) => head[i] === b)) continue;
      const version = head[8];
      let sizeOffsets: number;
      let eofAt: number;
      if (version === 0 || version === 1) {
        sizeOffsets = head[13];
        eofAt = (version === 0 ? 24 : 28) + 2 * sizeOffsets;
      } else if (version === 2 || version === 3) {
        sizeOffsets = head[9];
        eofAt = 12 + 2 * sizeOffsets;
      } else {
        return;
      }
      if (n < eofAt + sizeOffsets) throw new DatasetError(fn, file, `truncated file (${size} bytes, superblock incomplete)`);
      const baseAddress = readUint(head, eofAt - 2 * sizeOffsets, sizeOffsets);
      const eof = readUint(head, eofAt, sizeOffsets);
      const needed = (baseAddress || base) + eof;
      if (size < needed) throw new DatasetError(fn, file, `truncated file (${size} of ${needed} bytes)`);
      return;
    }
    throw new DatasetError(fn, file, 'not an HDF5 file (no HDF5 signature)');
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the named datasets of an HDF5 file into typed arrays, with their shapes.
 * Throws {@link DatasetError} naming the file for a missing/corrupt file or a missing dataset.
 */
export async function readHdf5Datasets(
  fn: string,
  file: string,
  names: readonly string[],
): Promise<Record<string, { value: ArrayLike<number>; shape: number[] }>> {
  checkHdf5File(fn, file);
  const h5 = await loadH5wasm();
  let f: H5File;
  try {
    f = new h5.File(file, 'r');
  } catch (e) {
    throw new DatasetError(fn, file, `cannot open as HDF5 (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    const out: Record<string, { value: ArrayLike<number>; shape: number[] }> = {};
    for (const name of names) {
      let ds: unknown;
      try {
        ds = f.get(name);
      } catch (e) {
        throw new DatasetError(fn, file, `cannot read dataset '${name}' (${e instanceof Error ? e.message : String(e)})`);
      }
      if (!ds || !(ds instanceof h5.Dataset)) {
        throw new DatasetError(fn, file, `dataset '${name}' missing (has: ${safeKeys(f).join(', ') || 'nothing'})`);
      }
      let value: unknown;
      try {
        value = (ds as H5Dataset).value;
      } catch (e) {
        throw new DatasetError(fn, file, `corrupt dataset '${name}' (${e instanceof Error ? e.message : String(e)})`);
      }
      const shape = (ds as H5Dataset).shape ?? [];
      if (!value || typeof (value as ArrayLike<number>).length !== 'number' || typeof value === 'string') {
        throw new DatasetError(fn, file, `dataset '${name}' is not numeric`);
      }
      const arr = value as ArrayLike<number>;
      const expected = shape.reduce((a, b) => a * b, 1);
      if (arr.length !== expected) {
        throw new DatasetError(fn, file, `dataset '${name}' has ${arr.length} values for shape [${shape.join(', ')}]`);
      }
      out[name] = { value: arr, shape };
    }
    return out;
  } finally {
    try {
      f.close();
    } catch {
      // closing a half-open file can fail; the read error above is what matters
    }
  }
}

function safeKeys(f: H5File): string[] {
  try {
    return f.keys();
  } catch {
    return [];
  }
}
