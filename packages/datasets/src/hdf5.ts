import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { DatasetError } from './dataset-error';
import { chunkIndexProblem, type Hdf5Addressing } from './hdf5-chunk-index';
import { Hdf5Stderr, innermostHdf5Error, type EmscriptenFs } from './hdf5-stderr';
import { checkFinite } from './checks';

/** Minimal view of the h5wasm module used here (loaded lazily: h5wasm's Node entry is ESM-only). */
export interface H5Metadata {
  /** HDF5 type class: 0 integer, 1 float, 3 string, 6 compound, ... */
  type: number;
  /** Bytes per element. */
  size: number;
  signed: boolean;
  shape: number[] | null;
}
export interface H5Dataset {
  value: unknown;
  metadata: H5Metadata;
  create_reference(): { ref_data: Uint8Array };
}
export interface H5File {
  file_id: bigint | number;
  keys(): string[];
  get(name: string): unknown;
  close(): unknown;
}
export interface H5Module {
  ready: Promise<unknown>;
  File: new (filename: string, mode?: string) => H5File;
  Dataset: new (...args: never[]) => H5Dataset;
}
/** The Emscripten module behind h5wasm (what `h5wasm.ready` resolves to). */
interface H5Runtime {
  get_dataset_data: (...args: unknown[]) => number;
  FS?: EmscriptenFs;
}

let modulePromise: Promise<{ h5: H5Module; runtime: H5Runtime }> | undefined;
/** Status of the last `H5Dread` through h5wasm (negative: failed), which h5wasm itself ignores. */
let lastReadStatus: number | undefined;

/**
 * Loads `h5wasm/node` once (dynamic import, so CommonJS consumers of this package work too), waits
 * for its WebAssembly, and wraps its dataset read so that a failed `H5Dread` is seen: h5wasm drops
 * the status and returns whatever the buffer holds (zeros where a chunk failed to decompress).
 */
export function loadH5wasm(): Promise<{ h5: H5Module; runtime: H5Runtime }> {
  modulePromise ??= (async () => {
    const mod = (await import('h5wasm/node')) as unknown as H5Module & { default?: H5Module };
    const h5 = (mod.File ? mod : mod.default) as H5Module;
    const runtime = (await h5.ready) as H5Runtime;
    const read = runtime.get_dataset_data;
    if (typeof read !== 'function') throw new Error('@agcl/datasets: this h5wasm build has no get_dataset_data; use h5wasm 0.10');
    runtime.get_dataset_data = (...args: unknown[]) => (lastReadStatus = read(...args));
    return { h5, runtime };
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
  hdf5Addressing(fn, file);
}

/** {@link checkHdf5File}, returning the superblock's addressing (undefined for an unknown superblock version). */
function hdf5Addressing(fn: string, file: string): Hdf5Addressing | undefined {
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
      if (SIGNATURE.every((b, i) => head[i] === b)) return superblockAddressing(fn, file, head, n, base, size);
    }
    throw new DatasetError(fn, file, 'not an HDF5 file (no HDF5 signature)');
  } finally {
    closeSync(fd);
  }
}

function superblockAddressing(fn: string, file: string, head: Buffer, n: number, at: number, size: number): Hdf5Addressing | undefined {
  const version = head[8];
  if (version > 3) return undefined;
  const old = version === 0 || version === 1;
  const sizeOffsets = old ? head[13] : head[9];
  const sizeLengths = old ? head[14] : head[10];
  if (![2, 4, 8].includes(sizeOffsets) || ![2, 4, 8].includes(sizeLengths)) {
    throw new DatasetError(fn, file, `corrupt superblock (address size ${sizeOffsets}, length size ${sizeLengths}; expected 2, 4 or 8)`);
  }
  const eofAt = (version === 0 ? 24 : version === 1 ? 28 : 12) + 2 * sizeOffsets;
  if (n < eofAt + sizeOffsets) throw new DatasetError(fn, file, `truncated file (${size} bytes, superblock incomplete)`);
  const base = readUint(head, eofAt - 2 * sizeOffsets, sizeOffsets) || at;
  const needed = base + readUint(head, eofAt, sizeOffsets);
  if (size < needed) throw new DatasetError(fn, file, `truncated file (${size} of ${needed} bytes)`);
  return { base, sizeOffsets, sizeLengths };
}

/** What a dataset must hold: `'float'` (float32/float64, finite values) or `'integer'` (8 to 32 bits). */
export type Hdf5Kind = 'float' | 'integer';

/** A dataset read by {@link readHdf5}. */
export interface Hdf5Values {
  value: ArrayLike<number>;
  shape: number[];
  /** e.g. `float32`, `uint8`. */
  dtype: string;
}

/**
 * Reads the named datasets of an HDF5 file into typed arrays, with their shapes, and refuses
 * anything that would otherwise come back wrong without a word. Throws a {@link DatasetError}
 * naming the file and the dataset for: a missing, truncated or non-HDF5 file; a missing dataset;
 * a dtype other than the one asked for (`fields`); any error HDF5 reports while reading (a chunk
 * that fails to decompress, a corrupt index node: h5wasm itself only prints these and returns
 * zeros); a chunk index that does not list every chunk (see `chunkIndexProblem`); NaN or
 * infinite values in a `'float'` dataset. HDF5's own error stack is the error's `cause` and is
 * not printed.
 *
 * @param fields dataset name -> what it must hold
 * @param fn the reader named in error messages
 * @example const { image } = await readHdf5('case.h5', { image: 'float' });
 */
export async function readHdf5(file: string, fields: Record<string, Hdf5Kind>, fn = 'readHdf5'): Promise<Record<string, Hdf5Values>> {
  const at = hdf5Addressing(fn, file);
  const { h5, runtime } = await loadH5wasm();
  const stderr = new Hdf5Stderr(runtime.FS);
  try {
    const step: Step = (what, run) => hdf5Step(fn, file, stderr, what, run);
    const f = step('cannot open as HDF5', () => new h5.File(file, 'r'));
    try {
      if (Number(f.file_id) < 0) throw new DatasetError(fn, file, 'cannot open as HDF5 (H5Fopen failed)');
      const out: Record<string, Hdf5Values> = {};
      for (const [name, kind] of Object.entries(fields)) {
        const ds = step(`cannot read dataset '${name}'`, () => f.get(name));
        if (!ds || !(ds instanceof h5.Dataset)) throw missingDataset(fn, file, name, safeKeys(f));
        const meta = checkedMetadata(fn, file, name, kind, ds as H5Dataset, step);
        checkChunks(fn, file, name, ds as H5Dataset, meta.shape ?? [], at, step);
        out[name] = readValues(fn, file, name, kind, ds as H5Dataset, meta, step);
      }
      return out;
    } finally {
      try {
        f.close();
      } catch {
        // closing a half-open file can fail; the read error above is what matters
      }
    }
  } finally {
    stderr.stop();
  }
}

type Step = <T>(what: string, run: () => T) => T;

/** The dataset's metadata, after checking that its dtype is the kind asked for. */
function checkedMetadata(fn: string, file: string, name: string, kind: Hdf5Kind, ds: H5Dataset, step: Step): H5Metadata {
  const meta = step(`corrupt dataset '${name}'`, () => ds.metadata);
  const ok = kind === 'float' ? meta.type === 1 && (meta.size === 4 || meta.size === 8) : meta.type === 0 && meta.size <= 4;
  if (!ok) {
    const expected = kind === 'float' ? 'float32 (or float64)' : 'uint8 (or another integer type up to 32 bits)';
    throw new DatasetError(fn, file, `dataset '${name}' has dtype ${dtypeName(meta)}, expected ${expected}`);
  }
  return meta;
}

/** Reads the values, refusing a failed read (h5wasm ignores H5Dread's status), a wrong count and non-finite floats. */
function readValues(fn: string, file: string, name: string, kind: Hdf5Kind, ds: H5Dataset, meta: H5Metadata, step: Step): Hdf5Values {
  const value = step(`corrupt dataset '${name}'`, () => {
    lastReadStatus = undefined;
    const v = ds.value;
    if (lastReadStatus !== undefined && lastReadStatus < 0) throw new Error(`H5Dread failed (status ${lastReadStatus})`);
    return v;
  });
  const shape = meta.shape ?? [];
  if (!value || typeof (value as ArrayLike<number>).length !== 'number' || typeof value === 'string') {
    throw new DatasetError(fn, file, `dataset '${name}' is not numeric`);
  }
  const arr = value as ArrayLike<number>;
  const expected = shape.reduce((a, b) => a * b, 1);
  if (arr.length !== expected) {
    throw new DatasetError(fn, file, `dataset '${name}' has ${arr.length} values for shape [${shape.join(', ')}]`);
  }
  if (kind === 'float') checkFinite(fn, file, `dataset '${name}'`, arr);
  return { value: arr, shape, dtype: dtypeName(meta) };
}

/** Runs one h5wasm call; an exception, or anything HDF5 printed meanwhile, becomes a DatasetError. */
function hdf5Step<T>(fn: string, file: string, stderr: Hdf5Stderr, what: string, run: () => T): T {
  let value: T;
  try {
    value = run();
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    const diag = stderr.take();
    const message = e instanceof Error ? e.message : String(e);
    throw new DatasetError(fn, file, `${what} (${diag ? `HDF5: ${innermostHdf5Error(diag)}` : message})`, { cause: new Error(diag || message) });
  }
  const diag = stderr.take();
  if (diag) throw new DatasetError(fn, file, `${what} (HDF5: ${innermostHdf5Error(diag)})`, { cause: new Error(diag) });
  return value;
}

/** Throws unless the dataset's chunk index lists all its chunks (see {@link chunkIndexProblem}). */
function checkChunks(fn: string, file: string, name: string, ds: H5Dataset, shape: number[], at: Hdf5Addressing | undefined, step: Step): void {
  if (!at) return;
  // An object reference holds the address of the dataset's object header.
  const ref = step(`cannot read dataset '${name}'`, () => ds.create_reference().ref_data);
  const header = at.base + Number(Buffer.from(ref).readBigUInt64LE(0));
  const problem = chunkIndexProblem(file, header, shape, at);
  if (problem) throw new DatasetError(fn, file, `corrupt dataset '${name}': ${problem}`);
}

const TYPE_CLASSES = ['integer', 'float', 'time', 'string', 'bitfield', 'opaque', 'compound', 'reference', 'enum', 'vlen', 'array'];

function dtypeName(meta: H5Metadata): string {
  if (meta.type === 1) return `float${meta.size * 8}`;
  if (meta.type === 0) return `${meta.signed ? 'int' : 'uint'}${meta.size * 8}`;
  return TYPE_CLASSES[meta.type] ?? `type class ${meta.type}`;
}

function missingDataset(fn: string, file: string, name: string, keys: string[]): DatasetError {
  if (keys.includes(name)) return new DatasetError(fn, file, `cannot read dataset '${name}' (listed, but not readable as a dataset: corrupt file?)`);
  return new DatasetError(fn, file, `dataset '${name}' missing (has: ${keys.join(', ') || 'nothing'})`);
}

function safeKeys(f: H5File): string[] {
  try {
    return f.keys();
  } catch {
    return [];
  }
}
