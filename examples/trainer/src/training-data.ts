import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as datasets from '@agcl/datasets';
import type { Slice2D, Volume3D } from '@agcl/datasets';
import type { TrainConfig } from './config';
import { UsageError } from './usage-error';

/** Everything a run trains and validates on. */
export interface TrainingData {
  /** Labeled training slices, resized to `size` x `size`. */
  labeled: Slice2D[];
  /** Unlabeled training slices (labels present in the files but never read by the trainer). */
  unlabeled: Slice2D[];
  /** Validation cases at their original size (2D images are volumes of depth 1). */
  val: Volume3D[];
  /** Classes including background. */
  numClasses: number;
  /** Image channels. */
  channels: number;
  /** 'cardiac': 3D metrics per volume (RV, Myo, LV); 'histology': pixel Dice plus object-level metrics. */
  kind: 'cardiac' | 'histology';
  /** Names of the classes 1..K-1. */
  classNames: string[];
  /** Cases whose slices are labeled. */
  labeledCases: string[];
  /** All training cases. */
  trainCases: string[];
  /** One line describing the data. */
  description: string;
}

/**
 * Splits slices into labeled / unlabeled by case: the first `n` cases are labeled, in sorted order
 * (default) or in `'list'` order (the order in which the slices list them, as SSL4MIS takes ACDC's).
 */
export function splitByCase(
  slices: Slice2D[],
  options: { labeledPatients: number | null; labeledFraction: number | null; defaultPatients: number; labeledOrder?: 'list' | 'sorted' | null },
): { labeled: Slice2D[]; unlabeled: Slice2D[]; labeledCases: string[]; cases: string[] } {
  const inOrder = [...new Set(slices.map((s) => s.caseId))];
  const cases = options.labeledOrder === 'list' ? inOrder : inOrder.sort();
  // A fraction counts whole cases rounded down, as `acdcLabeledSplit` of `@agcl/datasets` (ACDC: 5% of 70 = 3 patients, 10% = 7).
  let n = options.labeledPatients ?? (options.labeledFraction !== null ? Math.floor(options.labeledFraction * cases.length + 1e-9) : options.defaultPatients);
  n = Math.max(1, n);
  if (n > cases.length) {
    throw new UsageError(`--labeled-patients ${n} is more than the ${cases.length} training cases of this dataset`);
  }
  const labeledCases = cases.slice(0, n);
  const set = new Set(labeledCases);
  return {
    labeled: slices.filter((s) => set.has(s.caseId)),
    unlabeled: slices.filter((s) => !set.has(s.caseId)),
    labeledCases,
    cases,
  };
}

function sliceAsVolume(slice: Slice2D): Volume3D {
  return {
    id: slice.id,
    caseId: slice.caseId,
    image: slice.image,
    label: slice.label,
    depth: 1,
    height: slice.height,
    width: slice.width,
    channels: slice.channels,
  };
}

function readList(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Resizes every slice to size x size (no copy when already that size). */
function resizeAll(slices: Slice2D[], size: number): Slice2D[] {
  return slices.map((s) => datasets.resizeSlice(s, size, size));
}

function finish(
  config: TrainConfig,
  train: Slice2D[],
  val: Volume3D[],
  rest: Pick<TrainingData, 'numClasses' | 'channels' | 'kind' | 'classNames'>,
  defaultPatients: number,
  name: string,
): TrainingData {
  if (train.length === 0) throw new UsageError(`${name}: no training images found`);
  if (val.length === 0) throw new UsageError(`${name}: no validation cases found`);
  const labeledOrder = config.labeledOrder ?? (config.dataset === 'acdc' ? 'list' : 'sorted');
  const split = splitByCase(train, { ...config, labeledOrder, defaultPatients });
  const full = config.method === 'full';
  const labeled = full ? train : split.labeled;
  const unlabeled = full || config.method === 'supervised' ? [] : split.unlabeled;
  const valUsed = config.valCases !== null ? val.slice(0, config.valCases) : val;
  const labeledCases = full ? split.cases : split.labeledCases;
  return {
    labeled,
    unlabeled,
    val: valUsed,
    labeledCases,
    trainCases: split.cases,
    ...rest,
    description:
      `${name}: ${split.cases.length} training cases (${train.length} slices), ` +
      `${labeledCases.length} labeled (${labeled.length} slices), ${unlabeled.length} unlabeled slices used, ` +
      `${valUsed.length} validation cases; ${config.size}x${config.size}`,
  };
}

/**
 * Loads the training and validation data a configuration names.
 *
 * - `synthetic`: `syntheticCardiacDataset` of `@agcl/datasets` (cardiac phantoms: RV, Myo, LV).
 * - `acdc`: the SSL4MIS HDF5 layout under `dataDir` (`readAcdcH5`): training slices resized to
 *   `size`, validation volumes at their own size; labeled = the first `labeledPatients` patients
 *   (default 7, the 10% protocol) in `train_slices.list`'s order, as SSL4MIS (`--labeled-order`).
 * `valOnly` skips reading the ACDC training slices (evaluation needs only the validation volumes).
 * - `folder` / `crag` / `glas`: an image + mask folder layout (`train/images`, `train/masks`,
 *   `val/images`, `val/masks`, or `images` + `masks` split 80/20 by name).
 */
export async function loadTrainingData(config: TrainConfig, options: { valOnly?: boolean } = {}): Promise<TrainingData> {
  const cardiac = { ...classesOf(config), channels: 1 };
  if (config.dataset === 'synthetic') {
    const data = datasets.syntheticCardiacDataset({
      cases: config.syntheticCases,
      valCases: config.syntheticValCases,
      slicesPerCase: config.syntheticSlicesPerCase,
      size: config.size,
      seed: config.seed,
    });
    return finish(config, resizeAll(data.train, config.size), data.val, cardiac, 4, 'synthetic cardiac phantoms');
  }
  const root = config.dataDir as string;
  if (config.dataset === 'acdc') {
    for (const f of options.valOnly ? ['val.list'] : ['train_slices.list', 'val.list']) {
      if (!existsSync(path.join(root, f))) {
        throw new UsageError(`--data-dir ${root}: not the ACDC HDF5 layout (missing ${f})`);
      }
    }
    const valIds = readList(path.join(root, 'val.list'));
    const { volumes = [] } = await datasets.readAcdcH5(root, {
      split: 'val',
      ids: config.valCases !== null ? valIds.slice(0, config.valCases) : undefined,
    });
    if (options.valOnly) {
      const valUsed = config.valCases !== null ? volumes.slice(0, config.valCases) : volumes;
      return {
        labeled: [],
        unlabeled: [],
        val: valUsed,
        labeledCases: [],
        trainCases: [],
        ...cardiac,
        description: `ACDC (${root}): ${valUsed.length} validation volumes`,
      };
    }
    const { slices = [] } = await datasets.readAcdcH5(root, { split: 'train', size: config.size });
    // Labeled: the first N patients in train_slices.list's order (SSL4MIS: 3 patients = its first 68 slices)
    return finish(config, slices, volumes, cardiac, 7, `ACDC (${root})`);
  }
  // image + mask folders: CRAG (train / valid), GlaS (train / testA), or a generic images/ + masks/ layout
  let train: Slice2D[];
  let valSlices: Slice2D[];
  if (config.dataset === 'crag') {
    train = (await datasets.readCrag(root, { split: 'train' })).slices;
    valSlices = (await datasets.readCrag(root, { split: 'valid' })).slices;
  } else if (config.dataset === 'glas') {
    train = (await datasets.readGlas(root, { split: 'train' })).slices;
    valSlices = (await datasets.readGlas(root, { split: 'testA' })).slices;
  } else {
    const layout = [
      { train: ['train/images', 'train/masks'], val: ['val/images', 'val/masks'] },
      { train: ['train/images', 'train/masks'], val: ['test/images', 'test/masks'] },
      { train: ['images', 'masks'], val: null },
    ].find((l) => existsSync(path.join(root, l.train[0])) && existsSync(path.join(root, l.train[1])));
    if (!layout) {
      throw new UsageError(`--data-dir ${root}: expected images/ and masks/ (or train/images, train/masks) folders`);
    }
    const read = async (dirs: string[]) =>
      (await datasets.readImageMaskFolder(path.join(root, dirs[0]), path.join(root, dirs[1]), { labelMode: 'binary' })).slices;
    train = await read(layout.train);
    const valLayout = layout.val;
    if (valLayout && existsSync(path.join(root, valLayout[0]))) {
      valSlices = await read(valLayout);
    } else {
      // no held-out folder: the last 20% of the images (by name) are validation
      const sorted = [...train].sort((a, b) => a.id.localeCompare(b.id));
      const nVal = Math.max(1, Math.round(sorted.length * 0.2));
      valSlices = sorted.slice(sorted.length - nVal);
      train = sorted.slice(0, sorted.length - nVal);
    }
  }
  const channels = train[0]?.channels ?? 3;
  return finish(
    config,
    resizeAll(train, config.size),
    valSlices.map(sliceAsVolume),
    { ...classesOf(config), channels },
    Math.max(1, Math.round(new Set(train.map((s) => s.caseId)).size * 0.1)),
    `${config.dataset} (${root})`,
  );
}

/** The classes of a dataset kind: cardiac (ACDC, synthetic: RV, Myo, LV) or histology (one foreground class). */
export function classesOf(config: Pick<TrainConfig, 'dataset'>): Pick<TrainingData, 'numClasses' | 'kind' | 'classNames'> {
  if (config.dataset === 'synthetic' || config.dataset === 'acdc') return { numClasses: 4, kind: 'cardiac', classNames: ['RV', 'Myo', 'LV'] };
  return { numClasses: 2, kind: 'histology', classNames: [config.dataset === 'folder' ? 'foreground' : 'gland'] };
}

/** Cases to evaluate: which split or list file, and one line saying what they are. */
export interface EvalCases {
  volumes: Volume3D[];
  description: string;
}

/**
 * Reads the cases `agcl eval` scores, from the configuration's data folder:
 *
 * - `split` `'val'` (no `list`): the run's validation cases, as training validated on them.
 * - ACDC: `'test'` reads `test.list` (`readAcdcH5`); any other name reads `<name>.list`, and `list`
 *   a list file anywhere: one name per line, each `data/<name>.h5` (a volume, or a 2D slice scored as a
 *   volume of depth 1), checked as `readAcdcH5` checks them (`readHdf5`: corrupt chunks, NaN; label range,
 *   shapes).
 * - folder: `<split>/images` + `<split>/masks`; CRAG and GlaS: their split folders (`readCrag`, `readGlas`).
 * - synthetic: only `'val'`.
 */
export async function loadEvalCases(config: TrainConfig, options: { split: string; list?: string }): Promise<EvalCases> {
  const { split, list } = options;
  if (split === 'val' && !list) {
    const data = await loadTrainingData(config, { valOnly: true });
    return { volumes: data.val, description: `${data.val.length} val cases` };
  }
  const root = config.dataDir as string;
  if (config.dataset === 'synthetic') {
    throw new UsageError(
      list ? `--list ${list}: the run trained on synthetic phantoms, which have no data folder to read names from` : `--split ${split}: the run trained on synthetic phantoms, which have only the 'val' split`,
    );
  }
  if (config.dataset !== 'acdc') {
    if (list) throw new UsageError(`--list ${list}: list files are read for ACDC-layout data (names of data/<name>.h5); this run's dataset is ${config.dataset}`);
    const splits = { crag: ['train', 'valid', 'test'], glas: ['train', 'testA', 'testB', 'test', 'all'] } as const;
    let slices: Slice2D[];
    if (config.dataset === 'crag' || config.dataset === 'glas') {
      const known: readonly string[] = splits[config.dataset];
      if (!known.includes(split)) throw new UsageError(`--split ${split}: ${config.dataset} has the splits ${known.join(', ')}`);
      const read = config.dataset === 'crag' ? datasets.readCrag : datasets.readGlas;
      slices = (await read(root, { split: split as never })).slices;
    } else {
      const [images, masks] = [path.join(root, split, 'images'), path.join(root, split, 'masks')];
      if (!existsSync(images) || !existsSync(masks)) throw new UsageError(`--split ${split}: ${root} has no ${split}/images and ${split}/masks folders`);
      slices = (await datasets.readImageMaskFolder(images, masks, { labelMode: 'binary' })).slices;
    }
    return { volumes: slices.map(sliceAsVolume), description: `${slices.length} ${split} images of ${root}` };
  }
  if (!list && split === 'test') {
    const { volumes = [] } = await datasets.readAcdcH5(root, { split: 'test' });
    return { volumes, description: `${volumes.length} test volumes of ${root} (test.list)` };
  }
  const file = list ?? path.join(root, `${split}.list`);
  if (!existsSync(file)) throw new UsageError(`${list ? '--list' : `--split ${split}`}: list file not found: ${file}`);
  const volumes = await readAcdcList(root, file, list ? '--list' : `--split ${split}`);
  return { volumes, description: `${volumes.length} cases of ${file}` };
}

/** The ACDC-layout files named in a list file, as volumes (2D slices: depth 1), checked like `readAcdcH5`'s. */
async function readAcdcList(root: string, listFile: string, option: string): Promise<Volume3D[]> {
  const fn = 'eval';
  const names = readList(listFile);
  if (!names.length) throw new UsageError(`${option}: ${listFile} lists no names`);
  const out: Volume3D[] = [];
  for (const name of names) {
    const file = path.join(root, 'data', `${name}.h5`);
    const { image, label } = await datasets.readHdf5(file, { image: 'float', label: 'integer' }, fn);
    const dims = image.shape.length === 2 ? [1, ...image.shape] : image.shape;
    if (dims.length !== 3) throw new datasets.DatasetError(fn, file, `dataset 'image' has shape [${image.shape.join(', ')}], expected [D, H, W] or [H, W]`);
    if (label.shape.join(',') !== image.shape.join(',')) {
      throw new datasets.DatasetError(fn, file, `image/label size mismatch: image [${image.shape.join(', ')}], label [${label.shape.join(', ')}] (expected the same shape)`);
    }
    const bad = Array.prototype.findIndex.call(label.value, (v: number) => !(Number.isInteger(v) && v >= 0 && v < 4));
    if (bad >= 0) throw new datasets.DatasetError(fn, file, `dataset 'label' value ${label.value[bad]} at index ${bad} is outside the class range 0..3`);
    const [depth, height, width] = dims;
    out.push({
      id: name,
      caseId: datasets.patientIdOf(name),
      image: Float32Array.from(image.value),
      label: Uint8Array.from(label.value),
      depth,
      height,
      width,
      channels: 1,
      originalHeight: height,
      originalWidth: width,
      source: file,
    });
  }
  return out;
}
