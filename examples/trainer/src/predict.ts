import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as datasets from '@agcl/datasets';
import { initBackend, formatBackendReport } from '@agcl/backend';
import { loadCheckpoint } from './checkpoint';
import { readRunConfig } from './evaluate-run';
import { segmentVolume, type VolumeInput } from './inference';
import { maskPng, overlayRgb, panelsPng } from './overlay';
import { runPaths } from './run-folder';
import { UsageError } from './usage-error';

const IMAGE_EXT = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp'];
const VOLUME_EXT = ['.h5', '.nii', '.nii.gz'];

function extOf(file: string): string {
  const lower = file.toLowerCase();
  if (lower.endsWith('.nii.gz')) return '.nii.gz';
  return path.extname(lower);
}

/** Expands files and folders into the list of supported input files (sorted). */
export function listInputs(inputs: string[]): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new UsageError(`--input: not found: ${input}`);
    if (statSync(input).isDirectory()) {
      for (const name of readdirSync(input).sort()) {
        const ext = extOf(name);
        if (IMAGE_EXT.includes(ext) || VOLUME_EXT.includes(ext)) out.push(path.join(input, name));
      }
    } else {
      const ext = extOf(input);
      if (!IMAGE_EXT.includes(ext) && !VOLUME_EXT.includes(ext)) {
        throw new UsageError(`--input ${input}: unsupported file type '${ext}' (images: ${IMAGE_EXT.join(' ')}; volumes: ${VOLUME_EXT.join(' ')})`);
      }
      out.push(input);
    }
  }
  if (!out.length) throw new UsageError(`--input ${inputs.join(' ')}: no images or volumes found`);
  return out;
}

/**
 * Reads a 2D image (PNG, JPEG, TIFF, BMP; 8 or 16 bit) with `decodeImage` of `@agcl/datasets` as a
 * depth-1 volume of `channels` (1 or 3) channels, samples / 255 (65535 for 16 bit): alpha dropped,
 * grey replicated to RGB for a 3-channel model, RGB to luma 0.299 R + 0.587 G + 0.114 B for a
 * 1-channel one (as the datasets' image readers do with `channels: 1`).
 */
export async function readImageFile(file: string, channels: number): Promise<VolumeInput> {
  if (channels !== 1 && channels !== 3) throw new UsageError(`--input ${file}: the model expects ${channels} channels; images give 1 or 3`);
  const img = await datasets.decodeImage(file, 'predict');
  const { data, width, height, channels: c, maxValue } = img;
  const n = width * height;
  const image = new Float32Array(n * channels);
  // TODO: `toFloatImage` of @agcl/datasets (decode-image.ts) does this, but the package does not export it
  for (let i = 0; i < n; i++) {
    const r = data[i * c];
    const g = c >= 3 ? data[i * c + 1] : r;
    const b = c >= 3 ? data[i * c + 2] : r;
    if (channels === 3) {
      image[i * 3] = r / maxValue;
      image[i * 3 + 1] = g / maxValue;
      image[i * 3 + 2] = b / maxValue;
    } else {
      image[i] = c >= 3 ? (0.299 * r + 0.587 * g + 0.114 * b) / maxValue : r / maxValue;
    }
  }
  return { image, depth: 1, height, width, channels };
}

/**
 * Reads an HDF5 (SSL4MIS: float dataset 'image' [D,H,W] or [H,W], read with `readHdf5` of
 * `@agcl/datasets`) or NIfTI volume (`readNifti`), min-max scaled to [0, 1].
 */
export async function readVolumeFile(file: string): Promise<VolumeInput> {
  const ext = extOf(file);
  let values: ArrayLike<number>;
  let depth: number;
  let height: number;
  let width: number;
  if (ext === '.h5') {
    const { image } = await datasets.readHdf5(file, { image: 'float' }, 'predict');
    values = image.value;
    [depth, height, width] = image.shape.length === 3 ? (image.shape as [number, number, number]) : [1, image.shape[0], image.shape[1]];
  } else {
    const nii = await datasets.readNifti(file, 'predict', 'image');
    // NIfTI is x-fastest [z][y][x]: already D,H,W order with H = ny, W = nx
    values = nii.data;
    [width, height, depth] = nii.dims;
  }
  const image = datasets.normalizeMinMax(values);
  return { image, depth, height, width, channels: 1 };
}

/** Options of {@link predict}. */
export interface PredictOptions {
  /** Run folder. */
  run: string;
  /** Image files (PNG/JPEG/TIFF) or volumes (h5, nii, nii.gz), or folders of them. */
  input: string[];
  /** Output folder. */
  out: string;
  /** Checkpoint. Default 'best'. */
  checkpoint?: 'best' | 'last';
  skipBackendInit?: boolean;
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
}

/**
 * Segments images and volumes with a run's checkpoint. For each 2D image `NAME`: `NAME_mask.png`
 * (8-bit, pixel value = class index) and `NAME_overlay.png` (image | prediction overlay). For each
 * volume: the same per slice in a folder `NAME/` (`slice_000_mask.png`, ...).
 *
 * @returns the files written
 */
export async function predict(options: PredictOptions): Promise<string[]> {
  const stream = options.stream ?? process.stdout;
  const say = (s: string) => {
    if (!options.quiet) stream.write(`${s}\n`);
  };
  const config = readRunConfig(options.run);
  const which = options.checkpoint ?? 'best';
  const dir = path.join(runPaths(options.run).checkpoints, which);
  if (!existsSync(path.join(dir, 'state.json'))) throw new UsageError(`--run ${options.run}: no '${which}' checkpoint (missing ${dir})`);
  const files = listInputs(options.input);
  if (!options.skipBackendInit) say(formatBackendReport(await initBackend({ backend: config.backend })));
  const ckpt = await loadCheckpoint(dir, { teacher: false });
  for (const t of Object.values(ckpt.optimizerState)) t.dispose();
  const model = ckpt.student;
  const numClasses = model.config.numClasses;
  const channels = model.config.inChannels;
  const written: string[] = [];
  mkdirSync(options.out, { recursive: true });
  try {
    for (const file of files) {
      const ext = extOf(file);
      const name = path.basename(file).slice(0, -ext.length);
      const isVolume = VOLUME_EXT.includes(ext);
      const volume = isVolume ? await readVolumeFile(file) : await readImageFile(file, channels);
      if (volume.channels !== channels) throw new UsageError(`--input ${file}: ${volume.channels} channels, the model expects ${channels}`);
      const labels = await segmentVolume(model, volume, { size: config.size, numClasses });
      const { height: h, width: w, channels: c } = volume;
      const n = h * w;
      const targetDir = isVolume ? path.join(options.out, name) : options.out;
      mkdirSync(targetDir, { recursive: true });
      for (let d = 0; d < volume.depth; d++) {
        const base = isVolume ? path.join(targetDir, `slice_${String(d).padStart(3, '0')}`) : path.join(targetDir, name);
        const lab = labels.subarray(d * n, (d + 1) * n);
        const img = volume.image.subarray(d * n * c, (d + 1) * n * c);
        writeFileSync(`${base}_mask.png`, await maskPng(lab, h, w));
        writeFileSync(
          `${base}_overlay.png`,
          await panelsPng([overlayRgb(img, new Uint8Array(n), h, w, c), overlayRgb(img, lab, h, w, c)], h, w, Math.min(256, Math.max(h, 128))),
        );
        written.push(`${base}_mask.png`, `${base}_overlay.png`);
      }
      say(`${file}: ${volume.depth > 1 ? `${volume.depth} slices ` : ''}${h}x${w} -> ${isVolume ? `${targetDir}/` : `${name}_mask.png, ${name}_overlay.png`}`);
    }
  } finally {
    model.dispose();
  }
  return written;
}
