import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkLabels } from './checks';
import { DatasetError } from './dataset-error';
import { requireDir } from './list-file';
import { normalizeMinMax, normalizeZScore } from './normalize';
import { readNifti } from './read-nifti';
import { runCases } from './run-cases';
import type { ReadOptions, ReadResultBase, Volume3D } from './types';

const FN = 'readAcdcNifti';

/** Options of {@link readAcdcNifti}. */
export interface ReadAcdcNiftiOptions extends ReadOptions {
  /** Patient folder names to read (e.g. `['patient001']`). Default: every `patientNNN` folder, sorted. */
  patients?: readonly string[];
  /** Which frames to read. Default `['ED', 'ES']`. */
  phases?: ReadonlyArray<'ED' | 'ES'>;
  /** Intensity normalisation per volume. Default `'minmax'` (as SSL4MIS: [0, 1]). */
  normalize?: 'minmax' | 'zscore' | 'none';
  /** Labels must be integers in `0..numClasses-1`. Default 4. */
  numClasses?: number;
}

/** Result of {@link readAcdcNifti}. */
export interface ReadAcdcNiftiResult extends ReadResultBase {
  /** One volume per patient and phase, `[D, H, W]` = NIfTI `[nz, ny, nx]`, with spacing `[z, y, x]` mm. */
  volumes: Volume3D[];
  /** The patient folders considered. */
  list: string[];
}

/**
 * Parses an ACDC `Info.cfg` (`ED: 1`, `ES: 12`, `Group: DCM`, ...) into a key/value record.
 * @example parseAcdcInfo('ED: 1\nES: 12\n').ED === '1'
 */
export function parseAcdcInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * Reads ACDC in the official challenge layout:
 *
 * ```
 * root/patientNNN/Info.cfg                      (ED: <frame>, ES: <frame>, ...)
 * root/patientNNN/patientNNN_frameMM.nii.gz     (image; MM = the ED or ES frame, two digits)
 * root/patientNNN/patientNNN_frameMM_gt.nii.gz  (labels 0 bg, 1 RV, 2 Myo, 3 LV)
 * ```
 *
 * Each volume keeps NIfTI's voxel order (x fastest), so `[D, H, W] = [nz, ny, nx]` with
 * `spacing = [pixdim3, pixdim2, pixdim1]` mm, matching the SSL4MIS HDF5 volumes (which were made
 * with SimpleITK's `GetArrayFromImage`). Volume ids are `patientNNN_frameMM`.
 * Errors (naming the file and whether it is the image or the label): missing folder / Info.cfg /
 * image / label, an Info.cfg without the phase's frame, corrupt or truncated gzip, an unsupported
 * or inconsistent datatype, NaN or infinite values, image/label size mismatch, non-integer or
 * out-of-range labels (see {@link readNifti}).
 * With `skipBad`, a bad patient-phase is skipped and reported.
 *
 * @example
 * const { volumes } = await readAcdcNifti('/data/ACDC/training', { patients: ['patient001'] });
 * const slices = volumes.flatMap((v) => volumeToSlices(v));
 */
export async function readAcdcNifti(root: string, options: ReadAcdcNiftiOptions = {}): Promise<ReadAcdcNiftiResult> {
  const { phases = ['ED', 'ES'], normalize = 'minmax', numClasses = 4 } = options;
  for (const p of phases) {
    if (p !== 'ED' && p !== 'ES') throw new Error(`${FN}: argument 'options.phases' must contain 'ED' or 'ES', got ${String(p)}`);
  }
  if (!['minmax', 'zscore', 'none'].includes(normalize)) {
    throw new Error(`${FN}: argument 'options.normalize' must be 'minmax', 'zscore' or 'none', got ${String(normalize)}`);
  }
  requireDir(FN, root);
  const list = options.patients
    ? [...options.patients]
    : readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && /^patient\d+$/.test(d.name))
        .map((d) => d.name)
        .sort();
  if (list.length === 0) throw new DatasetError(FN, root, 'no patientNNN folders found');
  const items = list.flatMap((patient) => phases.map((phase) => ({ patient, phase })));
  const { results, skipped, elapsedMs } = await runCases(
    FN,
    items,
    ({ patient, phase }) => `${path.join(root, patient)} (${phase})`,
    async ({ patient, phase }) => {
      const dir = path.join(root, patient);
      requireDir(FN, dir);
      const infoFile = path.join(dir, 'Info.cfg');
      if (!existsSync(infoFile)) throw new DatasetError(FN, infoFile, 'Info.cfg not found');
      const info = parseAcdcInfo(readFileSync(infoFile, 'utf8'));
      const frame = Number.parseInt(info[phase] ?? '', 10);
      if (!Number.isInteger(frame)) throw new DatasetError(FN, infoFile, `no integer '${phase}:' entry`);
      const id = `${patient}_frame${String(frame).padStart(2, '0')}`;
      const imageFile = path.join(dir, `${id}.nii.gz`);
      const labelFile = path.join(dir, `${id}_gt.nii.gz`);
      const img = await readNifti(existsSync(imageFile) ? imageFile : imageFile.replace(/\.gz$/, ''), FN, 'image');
      const lab = await readNifti(existsSync(labelFile) ? labelFile : labelFile.replace(/\.gz$/, ''), FN, 'label');
      if (img.dims.join(',') !== lab.dims.join(',')) {
        throw new DatasetError(FN, labelFile, `image/label size mismatch: image [${img.dims.join(', ')}], label [${lab.dims.join(', ')}] (x, y, z; expected the same size)`);
      }
      checkLabels(FN, labelFile, 'label', lab.data, numClasses);
      const label = Uint8Array.from(lab.data);
      const image = normalize === 'minmax' ? normalizeMinMax(img.data) : normalize === 'zscore' ? normalizeZScore(img.data) : img.data;
      const [nx, ny, nz] = img.dims;
      const volume: Volume3D = {
        id,
        caseId: patient,
        image,
        label,
        depth: nz,
        height: ny,
        width: nx,
        channels: 1,
        spacing: img.spacing,
        originalHeight: ny,
        originalWidth: nx,
        phase,
        source: imageFile,
      };
      return volume;
    },
    options,
  );
  return { volumes: results, list, skipped, elapsedMs };
}
