import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { checkLabels } from './checks';
import { DatasetError } from './dataset-error';
import { decodeImage, toFloatImage, toMaskValues } from './decode-image';
import { requireDir } from './list-file';
import { resizeSlice } from './resize-2d';
import { runCases } from './run-cases';
import type { ReadOptions, ReadResultBase, Slice2D } from './types';

const FN = 'readImageMaskFolder';

/** File extensions recognised as images. */
export const IMAGE_EXTENSIONS = ['.png', '.bmp', '.tif', '.tiff', '.jpg', '.jpeg'] as const;

/** Options of {@link readImageMaskFolder}. */
export interface ReadImageMaskFolderOptions extends ReadOptions {
  /** The mask of `NAME.ext` is `NAME<maskSuffix>.<any image ext>` in the masks folder. Default `''`. */
  maskSuffix?: string;
  /**
   * How mask values become classes. `'binary'` (default): value > 0 -> 1 (0/255 masks and instance
   * maps alike); `'values'`: the value is the class id (checked against `numClasses`).
   */
  labelMode?: 'binary' | 'values';
  /** Also return the raw mask values as `instances` (Int32Array, 0 = background). Default `false`. */
  instances?: boolean;
  /** Image channels: 3 (RGB in [0, 1], the default for histology) or 1 (luma). */
  channels?: 1 | 3;
  /** Number of classes for `labelMode: 'values'`. Default 2. */
  numClasses?: number;
  /** Read only these image names (file stems). Default: all images in the folder, sorted by name. */
  ids?: readonly string[];
  /** Read at most this many images (after sorting / `ids`). Default: all. */
  limit?: number;
  /** Only image names (stems) passing this test. Default: all. */
  filter?: (stem: string) => boolean;
  /** Resize to this size (`n` or `[height, width]`): bilinear image, nearest label/instances. Default: keep. */
  size?: number | [number, number];
  /** The reader name used in error messages. Default `'readImageMaskFolder'`. */
  readerName?: string;
}

/** Result of {@link readImageMaskFolder} (and of the CRAG / GlaS / MoNuSeg readers built on it). */
export interface ReadImageMaskFolderResult extends ReadResultBase {
  slices: Slice2D[];
  /** The image names (stems) considered. */
  list: string[];
}

/**
 * Reads a folder of images with a parallel folder of masks (MoNuSeg: `images/` + `masks/` with
 * 0/255 masks; CRAG: `Images/` + `Annotation/` instance maps; GlaS: one folder with `_anno` masks).
 * Each image becomes a {@link Slice2D} with `image` RGB (or gray) in [0, 1], `label` (binary by
 * default), optionally `instances` (raw mask values), `caseId = id = file stem`.
 *
 * Errors (naming the file): missing folder, image without mask, undecodable, truncated or corrupt
 * file, samples that are not 8- or 16-bit integers (see {@link decodeImage}), image/mask size
 * mismatch, label outside `0..numClasses-1` (in `'values'` mode).
 *
 * @example
 * const { slices } = await readImageMaskFolder('monuseg/train/images', 'monuseg/train/masks', { limit: 2 });
 * // slices[0].image: Float32Array 1000*1000*3 in [0,1]; slices[0].label: 0/1
 */
export async function readImageMaskFolder(
  imagesDir: string,
  masksDir: string,
  options: ReadImageMaskFolderOptions = {},
): Promise<ReadImageMaskFolderResult> {
  const fn = options.readerName ?? FN;
  const { maskSuffix = '', labelMode = 'binary', channels = 3, numClasses = 2 } = options;
  if (labelMode !== 'binary' && labelMode !== 'values') {
    throw new Error(`${fn}: argument 'options.labelMode' must be 'binary' or 'values', got ${String(labelMode)}`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`${fn}: argument 'options.channels' must be 1 or 3, got ${String(channels)}`);
  if (labelMode === 'values' && !(Number.isInteger(numClasses) && numClasses >= 2 && numClasses <= 256)) {
    throw new Error(`${fn}: argument 'options.numClasses' must be an integer in 2..256, got ${numClasses}`);
  }
  requireDir(fn, imagesDir);
  requireDir(fn, masksDir);
  const sameDir = path.resolve(imagesDir) === path.resolve(masksDir);
  const isImage = (f: string) => (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(f).toLowerCase());
  const imageFiles = new Map<string, string>();
  for (const f of readdirSync(imagesDir).sort()) {
    if (!isImage(f)) continue;
    const stem = f.slice(0, f.length - path.extname(f).length);
    if (sameDir && maskSuffix && stem.endsWith(maskSuffix)) continue;
    if (options.filter && !options.filter(stem)) continue;
    if (!imageFiles.has(stem)) imageFiles.set(stem, path.join(imagesDir, f));
  }
  const maskFiles = new Map<string, string>();
  for (const f of readdirSync(masksDir).sort()) {
    if (!isImage(f)) continue;
    const stem = f.slice(0, f.length - path.extname(f).length);
    if (maskSuffix && !stem.endsWith(maskSuffix)) continue;
    const key = maskSuffix ? stem.slice(0, stem.length - maskSuffix.length) : stem;
    if (!maskFiles.has(key)) maskFiles.set(key, path.join(masksDir, f));
  }
  let list = [...imageFiles.keys()];
  if (options.ids) {
    for (const id of options.ids) {
      if (!imageFiles.has(id)) throw new DatasetError(fn, path.join(imagesDir, id), 'image not found');
    }
    list = [...options.ids];
  }
  if (options.limit !== undefined) list = list.slice(0, Math.max(0, options.limit));
  if (list.length === 0) throw new DatasetError(fn, imagesDir, 'no images found');
  const size = options.size === undefined ? undefined : typeof options.size === 'number' ? [options.size, options.size] : options.size;

  const { results, skipped, elapsedMs } = await runCases(
    fn,
    list,
    (stem) => imageFiles.get(stem) ?? stem,
    async (stem) => {
      const imageFile = imageFiles.get(stem) as string;
      const maskFile = maskFiles.get(stem);
      if (!maskFile) {
        throw new DatasetError(fn, imageFile, `no mask found (expected ${path.join(masksDir, `${stem}${maskSuffix}.<png|bmp|tif|jpg>`)})`);
      }
      const [img, mask] = await Promise.all([decodeImage(imageFile, fn, 'image'), decodeImage(maskFile, fn, 'mask')]);
      if (img.width !== mask.width || img.height !== mask.height) {
        throw new DatasetError(fn, maskFile, `image/mask size mismatch: image ${img.width}x${img.height}, mask ${mask.width}x${mask.height} (W x H; expected the same size)`);
      }
      const values = toMaskValues(mask);
      const label = new Uint8Array(values.length);
      if (labelMode === 'values') checkLabels(fn, maskFile, 'label', values, numClasses);
      for (let i = 0; i < values.length; i++) label[i] = labelMode === 'binary' ? (values[i] > 0 ? 1 : 0) : values[i];
      let slice: Slice2D = {
        id: stem,
        caseId: stem,
        image: toFloatImage(img, channels),
        label,
        height: img.height,
        width: img.width,
        channels,
        originalHeight: img.height,
        originalWidth: img.width,
        source: imageFile,
        ...(options.instances ? { instances: values } : {}),
      };
      if (size) slice = resizeSlice(slice, size[0], size[1]);
      return slice;
    },
    options,
  );
  return { slices: results, list, skipped, elapsedMs };
}

/** Options of {@link readCrag}. */
export interface ReadCragOptions extends Omit<ReadImageMaskFolderOptions, 'maskSuffix' | 'labelMode' | 'readerName'> {
  /** Which split folder. Default `'train'`. */
  split?: 'train' | 'valid' | 'test';
}

/**
 * Reads CRAG (colorectal adenocarcinoma gland) tiles: `root/<split>/Images/*.png` with instance
 * maps `root/<split>/Annotation/*.png` (0 = background, k = gland k). `label` is the semantic mask
 * (instance > 0 -> 1); `instances` (default on here) keeps the ids for object-level metrics.
 *
 * @example const { slices } = await readCrag('/data/CRAG', { split: 'valid' });
 */
export async function readCrag(root: string, options: ReadCragOptions = {}): Promise<ReadImageMaskFolderResult> {
  const split = options.split ?? 'train';
  if (!['train', 'valid', 'test'].includes(split)) {
    throw new Error(`readCrag: argument 'options.split' must be 'train', 'valid' or 'test', got ${String(split)}`);
  }
  requireDir('readCrag', root);
  const dir = path.join(root, split);
  const images = ['Images', 'images'].map((d) => path.join(dir, d)).find((d) => existsSync(d)) ?? path.join(dir, 'Images');
  const masks = ['Annotation', 'annotation', 'Annotations'].map((d) => path.join(dir, d)).find((d) => existsSync(d)) ?? path.join(dir, 'Annotation');
  return readImageMaskFolder(images, masks, { instances: true, ...options, labelMode: 'binary', readerName: 'readCrag' });
}

/** Options of {@link readGlas}. */
export interface ReadGlasOptions extends Omit<ReadImageMaskFolderOptions, 'maskSuffix' | 'labelMode' | 'readerName' | 'filter'> {
  /** `'train'` (train_*), `'testA'`, `'testB'`, `'test'` (both test sets) or `'all'`. Default `'train'`. */
  split?: 'train' | 'testA' | 'testB' | 'test' | 'all';
}

/**
 * Reads GlaS / Warwick-QU: one folder with `train_K.bmp`, `testA_K.bmp`, `testB_K.bmp` and their
 * instance maps `<name>_anno.bmp`. `label` is instance > 0 -> 1; `instances` (default on) keeps ids.
 *
 * @example const { slices } = await readGlas('/data/Warwick_QU', { split: 'testA' });
 */
export async function readGlas(root: string, options: ReadGlasOptions = {}): Promise<ReadImageMaskFolderResult> {
  const split = options.split ?? 'train';
  const prefixes: Record<string, string[]> = {
    train: ['train_'],
    testA: ['testA_'],
    testB: ['testB_'],
    test: ['testA_', 'testB_'],
    all: ['train_', 'testA_', 'testB_'],
  };
  const wanted = prefixes[split];
  if (!wanted) throw new Error(`readGlas: argument 'options.split' must be 'train', 'testA', 'testB', 'test' or 'all', got ${String(split)}`);
  return readImageMaskFolder(root, root, {
    instances: true,
    ...options,
    maskSuffix: '_anno',
    labelMode: 'binary',
    readerName: 'readGlas',
    filter: (stem) => wanted.some((p) => stem.startsWith(p)),
  });
}

/**
 * Reads MoNuSeg as prepared in `../shared/data/monuseg`: `root/<split>/images/*.png` (RGB) and
 * `root/<split>/masks/*.png` (0 background, 255 nucleus -> label 0/1).
 *
 * @example const { slices } = await readMonuseg('../shared/data/monuseg', { limit: 2 });
 */
export async function readMonuseg(
  root: string,
  options: Omit<ReadImageMaskFolderOptions, 'readerName' | 'labelMode'> & { split?: string } = {},
): Promise<ReadImageMaskFolderResult> {
  const split = options.split ?? 'train';
  requireDir('readMonuseg', root);
  return readImageMaskFolder(path.join(root, split, 'images'), path.join(root, split, 'masks'), {
    ...options,
    labelMode: 'binary',
    readerName: 'readMonuseg',
  });
}
