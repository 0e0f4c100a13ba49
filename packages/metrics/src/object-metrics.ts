import { type Connectivity, connectivityRank, labelComponents } from './connected-components.js';
import { type EmptyMaskOptions, resolveEmptyPolicy } from './empty-mask-policy.js';
import { type ObjectHausdorffInput, objectHausdorffFast } from './object-hausdorff.js';
import { checkArray, checkBinary, checkInstances, checkShape, checkSpacing, type NumericArray, type Shape, type Spacing } from './validate.js';

/** Options of the GlaS object-level metrics. */
export interface ObjectMetricsOptions extends EmptyMaskOptions {
  /** Grid extent `[H, W]` (or `[D, H, W]`). Required. */
  shape: Shape;
  /** Pixel size per axis for the Hausdorff distance. Default: all 1 (pixel units, as the challenge). */
  spacing?: Spacing;
  /** `pred` already holds instance labels (0 = background, each distinct value one object). Default `false`: non-zero = foreground, objects = connected components. */
  predIsInstanceMap?: boolean;
  /** Same for `target`. Default `false`. GlaS / CRAG annotations are instance maps: pass `true` for them. */
  targetIsInstanceMap?: boolean;
  /** Connectivity of the component labelling of semantic masks. Default `'full'` (8 in 2D, 26 in 3D). */
  connectivity?: Connectivity;
}

/** All GlaS object-level scores of one image; see {@link computeObjectMetrics}. */
export interface ObjectMetrics {
  /** Object F1 `2 P R / (P + R)` (0 when `P + R = 0`). */
  f1: number;
  /** Object precision `TP / (TP + FP)` = `TP / n_S`. */
  precision: number;
  /** Object recall `TP / (TP + FN)` = `TP / n_G`. */
  recall: number;
  /** Object Dice (area-weighted, both directions). */
  objectDice: number;
  /** Object Hausdorff (area-weighted, both directions); absent when `hausdorff: false`. */
  objectHausdorff?: number;
  /** Segmented objects that are true positives. */
  tp: number;
  /** Segmented objects that are not. */
  fp: number;
  /** Reference objects not detected: `n_G - TP`. */
  fn: number;
  /** Number of segmented objects `n_S`. */
  predObjects: number;
  /** Number of reference objects `n_G`. */
  targetObjects: number;
}

interface Instances {
  labels: Int32Array;
  count: number;
}

function toInstances(fn: string, arg: string, a: NumericArray, shape: readonly number[], isInstanceMap: boolean, rank: number): Instances {
  if (!isInstanceMap) {
    checkBinary(fn, arg, a);
    return labelComponents(a, shape, rank);
  }
  checkInstances(fn, arg, a);
  // Compact relabelling 1..n in increasing order of the original values (as numpy.unique).
  const values = new Set<number>();
  for (let k = 0; k < a.length; k++) if (a[k] !== 0) values.add(a[k]);
  const sorted = [...values].sort((x, y) => x - y);
  const index = new Map<number, number>();
  sorted.forEach((v, i) => index.set(v, i + 1));
  const labels = new Int32Array(a.length);
  let last = -1;
  let lastIndex = 0;
  for (let k = 0; k < a.length; k++) {
    const v = a[k];
    if (v === 0) continue;
    if (v !== last) {
      last = v;
      lastIndex = index.get(v) as number;
    }
    labels[k] = lastIndex;
  }
  return { labels, count: sorted.length };
}

/** Index of the largest count (ties: smallest index), or 0 when every count is 0. */
function argmaxOverlap(row: Map<number, number> | undefined): number {
  if (row === undefined) return 0;
  let best = 0;
  let bestCount = 0;
  for (const [j, c] of row) {
    if (c > bestCount || (c === bestCount && j < best)) {
      best = j;
      bestCount = c;
    }
  }
  return best;
}

function resolve(fn: string, pred: NumericArray, target: NumericArray, options: ObjectMetricsOptions) {
  if (options === undefined || options === null) throw new Error(`${fn}: argument 'options' with a 'shape' is required`);
  const shape = options.shape;
  const size = checkShape(fn, shape, 'options.shape');
  const spacing = checkSpacing(fn, options.spacing, shape.length, 'options.spacing');
  checkArray(fn, 'pred', pred, size, shape);
  checkArray(fn, 'target', target, size, shape);
  const rank = connectivityRank(fn, options.connectivity, shape.length);
  const policy = resolveEmptyPolicy(fn, options, shape, spacing);
  const s = toInstances(fn, 'pred', pred, shape, options.predIsInstanceMap ?? false, rank);
  const g = toInstances(fn, 'target', target, shape, options.targetIsInstanceMap ?? false, rank);
  return { shape, spacing, policy, s, g };
}

/**
 * GlaS object-level scores (Sirinukunwattana et al., "Gland segmentation in colon histology images:
 * The GlaS challenge contest", Medical Image Analysis 35, 2017; official evaluation code v6).
 * S_j are the segmented objects, G_i the reference objects (instance maps, or connected components
 * of semantic masks). `G*(S_j)` is the reference object overlapping S_j most (ties: smallest label);
 * `S*(G_i)` likewise.
 *
 * - F1: S_j is a true positive when `|S_j ∩ G*(S_j)| / |G*(S_j)| > 0.5` (the code's strict test of
 *   the paper's "at least 50%"); `P = TP / n_S`, `R = TP / n_G`, `F1 = 2PR / (P + R)`.
 * - Object Dice: `½ [Σ_i γ_i Dice(G_i, S*(G_i)) + Σ_j σ_j Dice(G*(S_j), S_j)]`, `γ_i = |G_i| / Σ|G|`,
 *   `σ_j = |S_j| / Σ|S|`; an object without overlap contributes Dice 0.
 * - Object Hausdorff: same weights with the Hausdorff distance between the objects' pixel sets; an
 *   object without overlap is paired with the nearest object of the other side by Hausdorff distance.
 *
 * Empty inputs (no object): both empty → `NaN` (or F1 1, Dice 1, Hausdorff 0 with `bothEmpty:
 * 'perfect'`; the challenge code returns those); one empty → F1, precision, recall, Dice 0 and
 * Hausdorff `NaN` (or `oneEmptyDistance`). Inputs are not modified.
 *
 * @param options.hausdorff compute the object Hausdorff (the costly part). Default `true`.
 * @example
 * const m = computeObjectMetrics(predMask, glasAnnotation, { shape: [522, 775], targetIsInstanceMap: true });
 * m.f1; m.objectDice; m.objectHausdorff;
 */
export function computeObjectMetrics(
  pred: NumericArray,
  target: NumericArray,
  options: ObjectMetricsOptions & { hausdorff?: boolean },
  fn = 'computeObjectMetrics',
): ObjectMetrics {
  return evaluateObjectMetrics(pred, target, options, fn, objectHausdorffFast);
}

/**
 * {@link computeObjectMetrics} with a chosen object Hausdorff implementation. Internal (not
 * exported by the package): tests and the benchmark pass the reference implementation.
 */
export function evaluateObjectMetrics(
  pred: NumericArray,
  target: NumericArray,
  options: ObjectMetricsOptions & { hausdorff?: boolean },
  fn: string,
  hausdorffImpl: (input: ObjectHausdorffInput) => number,
): ObjectMetrics {
  const { shape, spacing, policy, s, g } = resolve(fn, pred, target, options);
  const withHausdorff = options.hausdorff ?? true;
  const nS = s.count;
  const nG = g.count;
  const base = { tp: 0, fp: nS, fn: nG, predObjects: nS, targetObjects: nG };
  if (nS === 0 && nG === 0) {
    const v = policy.bothEmptyOverlap;
    const out: ObjectMetrics = { f1: v, precision: v, recall: v, objectDice: v, ...base };
    if (withHausdorff) out.objectHausdorff = policy.bothEmptyDistance;
    return out;
  }
  if (nS === 0 || nG === 0) {
    const out: ObjectMetrics = { f1: 0, precision: 0, recall: 0, objectDice: 0, ...base };
    if (withHausdorff) out.objectHausdorff = policy.oneEmptyDistance;
    return out;
  }
  const areaS = new Float64Array(nS + 1);
  const areaG = new Float64Array(nG + 1);
  const overlapS: Array<Map<number, number> | undefined> = new Array(nS + 1);
  const overlapG: Array<Map<number, number> | undefined> = new Array(nG + 1);
  const sl = s.labels;
  const gl = g.labels;
  for (let k = 0; k < sl.length; k++) {
    const a = sl[k];
    const b = gl[k];
    areaS[a]++;
    areaG[b]++;
    if (a !== 0 && b !== 0) {
      let rs = overlapS[a];
      if (rs === undefined) overlapS[a] = rs = new Map();
      rs.set(b, (rs.get(b) ?? 0) + 1);
      let rg = overlapG[b];
      if (rg === undefined) overlapG[b] = rg = new Map();
      rg.set(a, (rg.get(a) ?? 0) + 1);
    }
  }
  let totalS = 0;
  let totalG = 0;
  for (let j = 1; j <= nS; j++) totalS += areaS[j];
  for (let i = 1; i <= nG; i++) totalG += areaG[i];
  const matchS = new Int32Array(nS + 1);
  const matchG = new Int32Array(nG + 1);
  for (let j = 1; j <= nS; j++) matchS[j] = argmaxOverlap(overlapS[j]);
  for (let i = 1; i <= nG; i++) matchG[i] = argmaxOverlap(overlapG[i]);

  // F1
  let tp = 0;
  for (let j = 1; j <= nS; j++) {
    const i = matchS[j];
    if (i !== 0 && (overlapS[j]!.get(i) as number) / areaG[i] > 0.5) tp++;
  }
  const precisionValue = tp / nS;
  const recallValue = tp / nG;
  const f1 = precisionValue + recallValue === 0 ? 0 : (2 * precisionValue * recallValue) / (precisionValue + recallValue);

  // Object Dice
  let diceS = 0;
  for (let j = 1; j <= nS; j++) {
    const i = matchS[j];
    const d = i === 0 ? 0 : (2 * (overlapS[j]!.get(i) as number)) / (areaS[j] + areaG[i]);
    diceS += (areaS[j] / totalS) * d;
  }
  let diceG = 0;
  for (let i = 1; i <= nG; i++) {
    const j = matchG[i];
    const d = j === 0 ? 0 : (2 * (overlapG[i]!.get(j) as number)) / (areaS[j] + areaG[i]);
    diceG += (areaG[i] / totalG) * d;
  }
  const out: ObjectMetrics = {
    f1,
    precision: precisionValue,
    recall: recallValue,
    objectDice: (diceS + diceG) / 2,
    tp,
    fp: nS - tp,
    fn: nG - tp,
    predObjects: nS,
    targetObjects: nG,
  };
  if (!withHausdorff) return out;

  out.objectHausdorff = hausdorffImpl({
    shape,
    spacing,
    predLabels: sl,
    predCount: nS,
    targetLabels: gl,
    targetCount: nG,
    matchS,
    matchG,
    areaS,
    areaG,
    totalS,
    totalG,
  });
  return out;
}

/**
 * GlaS object F1 (detection): see {@link computeObjectMetrics}.
 * @example objectF1(predMask, annotation, { shape: [522, 775], targetIsInstanceMap: true })
 */
export function objectF1(pred: NumericArray, target: NumericArray, options: ObjectMetricsOptions): number {
  return computeObjectMetrics(pred, target, { ...options, hausdorff: false }, 'objectF1').f1;
}

/**
 * GlaS object Dice (area-weighted, both directions): see {@link computeObjectMetrics}.
 * @example objectDice(predMask, annotation, { shape: [522, 775], targetIsInstanceMap: true })
 */
export function objectDice(pred: NumericArray, target: NumericArray, options: ObjectMetricsOptions): number {
  return computeObjectMetrics(pred, target, { ...options, hausdorff: false }, 'objectDice').objectDice;
}

/**
 * GlaS object Hausdorff (area-weighted, both directions, unmatched objects paired with the nearest
 * by Hausdorff): see {@link computeObjectMetrics}.
 * @example objectHausdorff(predMask, annotation, { shape: [522, 775], targetIsInstanceMap: true })
 */
export function objectHausdorff(pred: NumericArray, target: NumericArray, options: ObjectMetricsOptions): number {
  return computeObjectMetrics(pred, target, { ...options, hausdorff: true }, 'objectHausdorff').objectHausdorff as number;
}
