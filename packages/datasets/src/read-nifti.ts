import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { checkFinite } from './checks';
import { DatasetError } from './dataset-error';

/** A decoded NIfTI-1/2 image (first three dimensions; extra dimensions must be 1). */
export interface NiftiImage {
  /** Voxel values `[z][y][x]` flattened with x fastest (NIfTI order), scaled by `scl_slope/scl_inter`. */
  data: Float32Array;
  /** Sizes `[nx, ny, nz]` (nz = 1 for a 2D image). */
  dims: [number, number, number];
  /** Voxel spacing `[z, y, x]` in the header's units (mm for ACDC), from `pixdim[3], pixdim[2], pixdim[1]`. */
  spacing: [number, number, number];
  /** NIfTI datatype code (2 uint8, 4 int16, 16 float32, ...). */
  datatypeCode: number;
}

type NiftiModule = typeof import('nifti-reader-js');
let niftiPromise: Promise<NiftiModule> | undefined;

/** Loads nifti-reader-js once (it is ESM-only, so it is imported dynamically for CJS consumers). */
function loadNifti(): Promise<NiftiModule> {
  niftiPromise ??= import('nifti-reader-js') as Promise<NiftiModule>;
  return niftiPromise;
}

const BYTES: Record<number, number> = { 2: 1, 4: 2, 8: 4, 16: 4, 64: 8, 256: 1, 512: 2, 768: 4 };
const SUPPORTED = 'expected uint8, int8, int16, uint16, int32, uint32, float32 or float64';

/**
 * Reads a `.nii` or `.nii.gz` file (gzip detected from its magic bytes, gunzipped with node:zlib)
 * with nifti-reader-js. Supports uint8, int8, int16, uint16, int32, uint32, float32 and float64
 * voxels of 2D or 3D images. Errors (a {@link DatasetError} naming `fn`, the file and `field`): file
 * not found, corrupt or truncated gzip (its CRC catches flipped bytes), not NIfTI, unsupported
 * datatype or one that disagrees with the header's bits per voxel, bad dimensions, fewer voxel
 * bytes than the header declares, NaN or infinite voxel values.
 *
 * @param field what the file holds, for error messages (`'image'`, `'label'`). Default `'voxel'`.
 * @example const { data, dims, spacing } = await readNifti('patient001_frame01.nii.gz');
 */
export async function readNifti(file: string, fn = 'readNifti', field = 'voxel'): Promise<NiftiImage> {
  let raw: Buffer;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    raw = readFileSync(file);
  } catch {
    throw new DatasetError(fn, file, 'file not found');
  }
  if (raw.length === 0) throw new DatasetError(fn, file, 'empty file (0 bytes)');
  let bytes: Buffer = raw;
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = gunzipSync(raw);
    } catch (e) {
      throw new DatasetError(fn, file, `corrupt or truncated gzip data (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  const nifti = await loadNifti();
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (!nifti.isNIFTI(ab)) throw new DatasetError(fn, file, 'not a NIfTI file (bad header size or magic)');
  let header: ReturnType<NiftiModule['readHeader']>;
  try {
    header = nifti.readHeader(ab);
  } catch (e) {
    throw new DatasetError(fn, file, `corrupt NIfTI header (${e instanceof Error ? e.message : String(e)})`);
  }
  const { nx, ny, nz } = checkDims(fn, file, header.dims);
  const code = header.datatypeCode;
  const bpv = BYTES[code];
  if (!bpv) throw new DatasetError(fn, file, `unsupported NIfTI datatype code ${code} (${SUPPORTED})`);
  if (header.numBitsPerVoxel !== bpv * 8) {
    throw new DatasetError(fn, file, `corrupt NIfTI header: datatype code ${code} has ${bpv * 8} bits per voxel, the header says ${header.numBitsPerVoxel}`);
  }
  const n = nx * ny * nz;
  const offset = Math.floor(header.vox_offset);
  if (!(offset >= 0)) throw new DatasetError(fn, file, `corrupt NIfTI header: vox_offset ${header.vox_offset}`);
  if (bytes.length < offset + n * bpv) {
    throw new DatasetError(fn, file, `truncated voxel data (${Math.max(0, bytes.length - offset)} of ${n * bpv} bytes)`);
  }
  const dv = new DataView(ab, offset, n * bpv);
  const le = header.littleEndian;
  const out = new Float32Array(n);
  const read = getter(dv, code, le);
  for (let i = 0; i < n; i++) out[i] = read(i);
  const slope = header.scl_slope;
  const inter = header.scl_inter;
  if (Number.isFinite(slope) && slope !== 0 && (slope !== 1 || (Number.isFinite(inter) && inter !== 0))) {
    const b = Number.isFinite(inter) ? inter : 0;
    for (let i = 0; i < n; i++) out[i] = out[i] * slope + b;
  }
  checkFinite(fn, file, field, out);
  const pd = header.pixDims;
  const sp = (v: number | undefined) => (v !== undefined && Number.isFinite(v) && v > 0 ? v : 1);
  return {
    data: out,
    dims: [nx, ny, nz],
    spacing: [sp(pd[3]), sp(pd[2]), sp(pd[1])],
    datatypeCode: code,
  };
}

function checkDims(fn: string, file: string, dims: number[]): { nx: number; ny: number; nz: number } {
  const ndim = dims[0];
  if (!(ndim >= 2 && ndim <= 7)) throw new DatasetError(fn, file, `unsupported number of dimensions ${ndim} (expected 2 to 7)`);
  for (let k = 4; k <= ndim; k++) {
    if (dims[k] > 1) throw new DatasetError(fn, file, `4D+ images are not supported (dim[${k}] = ${dims[k]}); read the per-frame files`);
  }
  const [nx, ny, nz] = [dims[1], dims[2], ndim >= 3 ? dims[3] : 1];
  if (![nx, ny, nz].every((d) => Number.isInteger(d) && d >= 1)) {
    throw new DatasetError(fn, file, `corrupt NIfTI header: image size [${nx}, ${ny}, ${nz}] (x, y, z), expected positive sizes`);
  }
  return { nx, ny, nz };
}

function getter(dv: DataView, code: number, le: boolean): (i: number) => number {
  switch (code) {
    case 2:
      return (i) => dv.getUint8(i);
    case 256:
      return (i) => dv.getInt8(i);
    case 4:
      return (i) => dv.getInt16(i * 2, le);
    case 512:
      return (i) => dv.getUint16(i * 2, le);
    case 8:
      return (i) => dv.getInt32(i * 4, le);
    case 768:
      return (i) => dv.getUint32(i * 4, le);
    case 16:
      return (i) => dv.getFloat32(i * 4, le);
    default:
      return (i) => dv.getFloat64(i * 8, le);
  }
}
