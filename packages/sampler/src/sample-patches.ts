import * as tf from '@tensorflow/tfjs-core';
import { createRandom, type Random } from './random';
import { weightedSampleWithoutReplacement } from './weighted-sample';

/** The positive and negative patches sampled for one class; indices point into the sample (0..P-1). */
export interface PatchGroup {
  /** The class c. */
  classIndex: number;
  /** Patches whose pseudo-class is c, accepted by the Bernoulli draw with probability mu(k, c). */
  positives: Int32Array;
  /** Patches with mu(k, c) < delta, rejected by that draw. */
  negatives: Int32Array;
}

/** The result of {@link samplePatches}: P unique patches of the batch and their roles per class. */
export interface PatchSample {
  /** P, the number of unique sampled patches (at most `maxPatches`). */
  count: number;
  /** Image (batch) index of each patch, length P. */
  image: Int32Array;
  /** Grid row of each patch, length P. */
  row: Int32Array;
  /** Grid column of each patch, length P. */
  col: Int32Array;
  /** `argmax_c mu(k, c)` of each patch (first maximum on ties), length P. */
  pseudoClass: Int32Array;
  /** Mean confidence vector `q_k = mu(k, .)` of each patch, row-major `[P * K]`. */
  confidence: Float32Array;
  /** Sampling weight (`max(1 - APE, minWeight)`, or 1 when uniform) of the draw that first selected the patch. */
  weight: Float32Array;
  /** K. */
  numClasses: number;
  /** One group per class present (pseudo-class of at least one patch of the batch), ascending class order. */
  groups: PatchGroup[];
  /** Grid rows of the maps the sample was drawn from. */
  gridRows: number;
  /** Grid columns of the maps the sample was drawn from. */
  gridCols: number;
  /** Number of images N of the maps the sample was drawn from. */
  numImages: number;
  /** Drawn patches that were dropped: by the class-collision guard, or because `maxPatches` was reached. */
  dropped: { collision: number; cap: number };
}

/** Options of {@link samplePatches}. */
export interface SamplePatchesOptions {
  /** Patches drawn per class present, n. Default 16. */
  samplesPerClass?: number;
  /** Class-collision threshold: a negative for c must have mu(k, c) < delta. Default 0.2. */
  delta?: number;
  /** Cap on the number of unique patches P (the affinity graph is P x P). Default 256. */
  maxPatches?: number;
  /** Seed of the generator; the same inputs and seed give the same sample. Default 0. */
  seed?: number;
  /** `'entropy'` weighs patches by `max(1 - APE, minWeight)`; `'uniform'` (ablation) by 1. Default `'entropy'`. */
  mode?: 'entropy' | 'uniform';
  /** Floor of the entropy weight so every patch keeps a chance. Default 1e-3. */
  minWeight?: number;
  /**
   * How the n draws of a class c are spread over the pool. `'pool'` (default, docs/method.md): all n from
   * the whole batch-wide pool. `'stratified'`: `ceil(n / 2)` from the patches whose pseudo-class is c
   * (all of them when fewer), the rest from the other patches, each part without replacement with
   * probability proportional to the same weight; the two parts alternate in the round-robin. On
   * data where a class covers a few patches of the pool (ACDC: RV, Myo, LV are about 1-2% of the
   * 16x16 patches at 128x128), `'pool'` almost never draws a positive of that class and the patch
   * contrastive loss has no anchors; `'stratified'` gives it positives. Default `'pool'`.
   */
  draw?: 'pool' | 'stratified';
}

/**
 * Average-patch-entropy-driven inter-patch sampling with the class-collision guard (Semi-AGCL).
 *
 * Over the pool of all `N * rows * cols` patches of the batch, for each class c present (the
 * pseudo-class `argmax_c mu(k, c)` of at least one patch), in ascending order:
 * 1. `weight(k) = max(1 - APE(k, c), minWeight)` (1 in `'uniform'` mode); draw
 *    `min(samplesPerClass, pool)` patches without replacement with probability proportional to the
 *    weight (Efraimidis-Spirakis keys, see {@link weightedSampleWithoutReplacement});
 * 2. each drawn patch is a positive for c with probability `mu(k, c)` (Bernoulli), else a negative;
 * 3. guard: a positive must have pseudo-class c, a negative must have `mu(k, c) < delta`; patches
 *    failing it are dropped (counted in `dropped.collision`), never redrawn.
 *
 * Accepted draws are taken round-robin over the classes (first draw of every class, then the
 * second, ...), so when the `maxPatches` cap on unique patches is reached every class has had the
 * same number of turns; later new patches are dropped (`dropped.cap`). A patch drawn for several
 * classes appears once in the sample and in several groups. Groups of classes present are always
 * returned, possibly with empty `positives` or `negatives`.
 *
 * Random numbers come from a seeded mulberry32 generator ({@link createRandom}), so the sample is a
 * pure function of the inputs and `seed`.
 *
 * @param ape - `APE(k, c)` row-major `[N, rows, cols, K]` (Float32Array or tensor; a tensor is read
 *   synchronously, prefer {@link samplePatchesFromTensors} in async code).
 * @param meanConfidence - `mu(k, c)`, same layout.
 * @param shape - `[N, rows, cols, K]`.
 * @param options - `samplesPerClass` (16), `delta` (0.2), `maxPatches` (256), `seed` (0),
 *   `mode` (`'entropy'`), `minWeight` (1e-3), `draw` (`'pool'`; `'stratified'` draws half of the n
 *   from the patches of pseudo-class c, see {@link SamplePatchesOptions.draw}).
 * @returns a {@link PatchSample} of plain typed arrays (nothing to dispose).
 * @throws Error naming `samplePatches` and the argument on a wrong shape, non-finite value or bad option.
 *
 * @example
 * ```ts
 * const { ape, meanConfidence } = averagePatchEntropy(conf, { intensity: x });
 * const sample = await samplePatchesFromTensors(ape, meanConfidence, { seed: step });
 * sample.groups; // [{ classIndex, positives, negatives }, ...]
 * ```
 */
export function samplePatches(
  ape: Float32Array | tf.Tensor,
  meanConfidence: Float32Array | tf.Tensor,
  shape: readonly [number, number, number, number] | readonly number[],
  options: SamplePatchesOptions = {},
): PatchSample {
  const fn = 'samplePatches';
  if (!Array.isArray(shape) || shape.length !== 4 || shape.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new Error(`${fn}: argument 'shape' must be [N, rows, cols, K] of positive integers; got ${JSON.stringify(shape)}.`);
  }
  const [numImages, gridRows, gridCols, numClasses] = shape as [number, number, number, number];
  const cells = numImages * gridRows * gridCols;
  const apeData = readValues(fn, 'ape', ape, cells * numClasses);
  const muData = readValues(fn, 'meanConfidence', meanConfidence, cells * numClasses);

  const samplesPerClass = options.samplesPerClass ?? 16;
  const delta = options.delta ?? 0.2;
  const maxPatches = options.maxPatches ?? 256;
  const seed = options.seed ?? 0;
  const mode = options.mode ?? 'entropy';
  const minWeight = options.minWeight ?? 1e-3;
  const draw = options.draw ?? 'pool';
  if (!Number.isInteger(samplesPerClass) || samplesPerClass < 0) {
    throw new Error(`${fn}: option 'samplesPerClass' must be a non-negative integer; got ${String(samplesPerClass)}.`);
  }
  if (typeof delta !== 'number' || !(delta > 0 && delta <= 1)) {
    throw new Error(`${fn}: option 'delta' must be a number in (0, 1]; got ${String(delta)}.`);
  }
  if (!Number.isInteger(maxPatches) || maxPatches <= 0) {
    throw new Error(`${fn}: option 'maxPatches' must be a positive integer; got ${String(maxPatches)}.`);
  }
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new Error(`${fn}: option 'seed' must be a finite number; got ${String(seed)}.`);
  }
  if (mode !== 'entropy' && mode !== 'uniform') {
    throw new Error(`${fn}: option 'mode' must be 'entropy' or 'uniform'; got '${String(mode)}'.`);
  }
  if (typeof minWeight !== 'number' || !(minWeight > 0 && minWeight <= 1)) {
    throw new Error(`${fn}: option 'minWeight' must be a number in (0, 1]; got ${String(minWeight)}.`);
  }
  if (draw !== 'pool' && draw !== 'stratified') {
    throw new Error(`${fn}: option 'draw' must be 'pool' or 'stratified'; got '${String(draw)}'.`);
  }

  // Pseudo-class of every cell of the batch-wide pool, and the classes present.
  const pseudo = new Int32Array(cells);
  const present = new Uint8Array(numClasses);
  for (let t = 0; t < cells; t++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (muData[t * numClasses + c] > muData[t * numClasses + best]) best = c;
    pseudo[t] = best;
    present[best] = 1;
  }
  const classes: number[] = [];
  for (let c = 0; c < numClasses; c++) if (present[c]) classes.push(c);

  // Steps 1-2 for every class: weighted draws without replacement, then the Bernoulli role.
  const random = createRandom(seed);
  const weights = new Float64Array(cells);
  const draws: Array<{ cells: Int32Array; positive: Uint8Array; weight: Float64Array }> = [];
  for (const c of classes) {
    for (let t = 0; t < cells; t++) {
      weights[t] = mode === 'uniform' ? 1 : Math.max(1 - apeData[t * numClasses + c], minWeight);
    }
    const picked =
      draw === 'stratified'
        ? stratifiedDraw(weights, pseudo, c, Math.min(samplesPerClass, cells), random)
        : weightedSampleWithoutReplacement(weights, Math.min(samplesPerClass, cells), random);
    const positive = new Uint8Array(picked.length);
    const weight = new Float64Array(picked.length);
    for (let r = 0; r < picked.length; r++) {
      positive[r] = random.next() < muData[picked[r] * numClasses + c] ? 1 : 0;
      weight[r] = weights[picked[r]];
    }
    draws.push({ cells: picked, positive, weight });
  }

  // Step 3 (guard) and the cap, round-robin over the classes.
  const indexOfCell = new Map<number, number>();
  const chosenCells: number[] = [];
  const chosenWeights: number[] = [];
  const positives: number[][] = classes.map(() => []);
  const negatives: number[][] = classes.map(() => []);
  const dropped = { collision: 0, cap: 0 };
  const rounds = Math.min(samplesPerClass, cells);
  for (let r = 0; r < rounds; r++) {
    for (let g = 0; g < classes.length; g++) {
      const c = classes[g];
      if (r >= draws[g].cells.length) continue;
      const t = draws[g].cells[r];
      const isPositive = draws[g].positive[r] === 1;
      const ok = isPositive ? pseudo[t] === c : muData[t * numClasses + c] < delta;
      if (!ok) {
        dropped.collision++;
        continue;
      }
      let index = indexOfCell.get(t);
      if (index === undefined) {
        if (chosenCells.length >= maxPatches) {
          dropped.cap++;
          continue;
        }
        index = chosenCells.length;
        indexOfCell.set(t, index);
        chosenCells.push(t);
        chosenWeights.push(draws[g].weight[r]);
      }
      (isPositive ? positives : negatives)[g].push(index);
    }
  }

  const count = chosenCells.length;
  const image = new Int32Array(count);
  const row = new Int32Array(count);
  const col = new Int32Array(count);
  const pseudoClass = new Int32Array(count);
  const confidence = new Float32Array(count * numClasses);
  const perImage = gridRows * gridCols;
  for (let i = 0; i < count; i++) {
    const t = chosenCells[i];
    image[i] = Math.floor(t / perImage);
    row[i] = Math.floor((t % perImage) / gridCols);
    col[i] = t % gridCols;
    pseudoClass[i] = pseudo[t];
    for (let c = 0; c < numClasses; c++) confidence[i * numClasses + c] = muData[t * numClasses + c];
  }
  return {
    count,
    image,
    row,
    col,
    pseudoClass,
    confidence,
    weight: Float32Array.from(chosenWeights),
    numClasses,
    groups: classes.map((c, g) => ({
      classIndex: c,
      positives: Int32Array.from(positives[g]),
      negatives: Int32Array.from(negatives[g]),
    })),
    gridRows,
    gridCols,
    numImages,
    dropped,
  };
}

/**
 * The `'stratified'` draw of one class c: `ceil(count / 2)` cells (or all, when fewer) among those
 * whose pseudo-class is c, the rest among the other cells, each part weighted without replacement;
 * the result alternates the two parts (c-part first) so the round-robin cap treats them alike.
 */
function stratifiedDraw(
  weights: Float64Array,
  pseudo: Int32Array,
  c: number,
  count: number,
  random: Random,
): Int32Array {
  const inClass: number[] = [];
  const rest: number[] = [];
  for (let t = 0; t < pseudo.length; t++) (pseudo[t] === c ? inClass : rest).push(t);
  const nIn = Math.min(Math.ceil(count / 2), inClass.length);
  const nRest = Math.min(count - nIn, rest.length);
  const pick = (cellsOfPart: number[], n: number): number[] => {
    const w = new Float64Array(cellsOfPart.length);
    for (let i = 0; i < cellsOfPart.length; i++) w[i] = weights[cellsOfPart[i]];
    return Array.from(weightedSampleWithoutReplacement(w, n, random), (i) => cellsOfPart[i]);
  };
  const a = pick(inClass, nIn);
  const b = pick(rest, nRest);
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i]);
    if (i < b.length) out.push(b[i]);
  }
  return Int32Array.from(out);
}

/**
 * {@link samplePatches} for tensors, reading them with `await t.data()` (no blocking read).
 *
 * @param ape - `[N, rows, cols, K]` tensor (e.g. from {@link averagePatchEntropy}); not disposed.
 * @param meanConfidence - `[N, rows, cols, K]` tensor, same shape; not disposed.
 * @param options - as for {@link samplePatches}.
 * @returns a promise of the {@link PatchSample}.
 *
 * @example
 * ```ts
 * const sample = await samplePatchesFromTensors(ape, meanConfidence, { seed: 7 });
 * ```
 */
export async function samplePatchesFromTensors(
  ape: tf.Tensor,
  meanConfidence: tf.Tensor,
  options: SamplePatchesOptions = {},
): Promise<PatchSample> {
  const fn = 'samplePatchesFromTensors';
  if (!(ape instanceof tf.Tensor) || ape.rank !== 4) {
    throw new Error(`${fn}: argument 'ape' must be a rank-4 tensor [N, rows, cols, K].`);
  }
  if (!(meanConfidence instanceof tf.Tensor) || meanConfidence.shape.join() !== ape.shape.join()) {
    throw new Error(`${fn}: argument 'meanConfidence' must be a tensor of the same shape as 'ape' [${ape.shape}].`);
  }
  const [apeData, muData] = await Promise.all([ape.data(), meanConfidence.data()]);
  return samplePatches(apeData as Float32Array, muData as Float32Array, ape.shape, options);
}

function readValues(fn: string, arg: string, x: Float32Array | tf.Tensor, length: number): Float32Array {
  let data: Float32Array;
  if (x instanceof tf.Tensor) {
    data = Float32Array.from(x.dataSync() as ArrayLike<number>);
  } else if (x instanceof Float32Array) {
    data = x;
  } else if (ArrayBuffer.isView(x as unknown) && !((x as unknown) instanceof DataView)) {
    data = Float32Array.from(x as unknown as ArrayLike<number>);
  } else {
    throw new Error(`${fn}: argument '${arg}' must be a Float32Array or a tf.Tensor.`);
  }
  if (data.length !== length) {
    throw new Error(`${fn}: argument '${arg}' must hold ${length} values (N*rows*cols*K from 'shape'); got ${data.length}.`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new Error(`${fn}: argument '${arg}' must hold finite numbers; value ${i} is ${data[i]}.`);
    }
  }
  return data;
}
