import { boxShape, extractCrop, labelBoundingBoxes, unionBox } from './bounding-box.js';
import { type EmptyMaskOptions, resolveEmptyPolicy } from './empty-mask-policy.js';
import { overlapScores } from './overlap-metrics.js';
import { summariseSurfaceDistances, surfaceDistancePair } from './surface-distances.js';
import { checkArray, checkLabels, checkNumClasses, checkShape, checkSpacing, type NumericArray, type Shape, type Spacing } from './validate.js';

/** Names of the per-class metrics, medpy naming (`hd` = Hausdorff distance). */
export type MetricName = 'dice' | 'jaccard' | 'precision' | 'recall' | 'hd' | 'hd95' | 'asd' | 'assd';

/** Every {@link MetricName}, in report order. */
export const METRIC_NAMES: readonly MetricName[] = ['dice', 'jaccard', 'precision', 'recall', 'hd', 'hd95', 'asd', 'assd'];

const DISTANCE_METRICS: readonly MetricName[] = ['hd', 'hd95', 'asd', 'assd'];

/**
 * Metrics of one class of one case. Requested metrics are numbers (possibly `NaN` for empty masks,
 * see {@link EmptyMaskOptions}); metrics not requested are absent.
 */
export type ClassMetrics = {
  /** Class label `c` (the binary masks are `pred == c`, `target == c`). */
  classIndex: number;
  /** Voxels of class `c` in the prediction. */
  predVoxels: number;
  /** Voxels of class `c` in the reference. */
  targetVoxels: number;
} & Partial<Record<MetricName, number>>;

/** Options of {@link computeMetrics}. */
export interface ComputeMetricsOptions extends EmptyMaskOptions {
  /** Grid extent `[H, W]` or `[D, H, W]`. Required. */
  shape: Shape;
  /** Number of classes K; labels must be integers in `[0, K)`. Required. */
  numClasses: number;
  /** Voxel size per axis (same order as `shape`, e.g. `[z, y, x]` mm). Default: all 1. */
  spacing?: Spacing;
  /** Report class 0 too. Default `false`. */
  includeBackground?: boolean;
  /** Metrics to compute. Default: all of {@link METRIC_NAMES}. Distance metrics cost two distance transforms per class. */
  metrics?: readonly MetricName[];
}

/** Validates `metrics` (default all). Internal. */
export function resolveMetricNames(fn: string, metrics: readonly MetricName[] | undefined): MetricName[] {
  if (metrics === undefined) return [...METRIC_NAMES];
  if (!Array.isArray(metrics) || metrics.length === 0) {
    throw new Error(`${fn}: option 'metrics' must be a non-empty array of ${METRIC_NAMES.join(', ')}`);
  }
  for (const m of metrics) {
    if (!METRIC_NAMES.includes(m)) {
      throw new Error(`${fn}: option 'metrics' holds unknown metric '${String(m)}'; expected ${METRIC_NAMES.join(', ')}`);
    }
  }
  return METRIC_NAMES.filter((m) => metrics.includes(m));
}

/**
 * Per-class segmentation metrics of a label map against a reference label map, 2D or 3D, with
 * (anisotropic) voxel spacing. For each class c (from 1, or 0 with `includeBackground`), the binary
 * masks `P = pred == c` and `T = target == c` give the medpy metrics:
 *
 * - `dice = 2|P∩T| / (|P|+|T|)`, `jaccard = |P∩T| / |P∪T|`, `precision = |P∩T| / |P|`, `recall = |P∩T| / |T|`;
 * - `hd` = max of both directed surface distances, `hd95` = 95th percentile (linear) of both directed
 *   sets concatenated, `asd` = mean distance from the prediction surface to the reference surface,
 *   `assd` = mean of `asd` both ways. Surfaces: voxels removed by one face-connected erosion (grid
 *   border counts as background). Distances: exact Euclidean distance transform in physical units.
 *
 * Empty masks follow {@link EmptyMaskOptions} (NaN by default, never a silent 0). Inputs are not modified.
 *
 * @param pred predicted labels, `prod(shape)` values in `[0, K)`, C order (`[D, H, W]` or `[H, W]`).
 * @param target reference labels, same layout.
 * @returns one record per reported class, in class order.
 * @example
 * const rows = computeMetrics(pred, gt, { shape: [10, 256, 224], numClasses: 4, spacing: [10, 1.5, 1.5] });
 * rows[0].dice; rows[0].hd95; // class 1
 */
export function computeMetrics(pred: NumericArray, target: NumericArray, options: ComputeMetricsOptions): ClassMetrics[] {
  const fn = 'computeMetrics';
  if (options === undefined || options === null) {
    throw new Error(`${fn}: argument 'options' with 'shape' and 'numClasses' is required`);
  }
  const shape = options.shape;
  const size = checkShape(fn, shape, 'options.shape');
  const numClasses = checkNumClasses(fn, options.numClasses);
  const spacing = checkSpacing(fn, options.spacing, shape.length, 'options.spacing');
  checkArray(fn, 'pred', pred, size, shape);
  checkArray(fn, 'target', target, size, shape);
  checkLabels(fn, 'pred', pred, numClasses);
  checkLabels(fn, 'target', target, numClasses);
  const policy = resolveEmptyPolicy(fn, options, shape, spacing);
  const names = resolveMetricNames(fn, options.metrics);
  const wantDistances = names.some((m) => DISTANCE_METRICS.includes(m));

  const predCount = new Float64Array(numClasses);
  const targetCount = new Float64Array(numClasses);
  const tp = new Float64Array(numClasses);
  for (let k = 0; k < size; k++) {
    const p = pred[k];
    const t = target[k];
    predCount[p]++;
    targetCount[t]++;
    if (p === t) tp[p]++;
  }
  const predBoxes = wantDistances ? labelBoundingBoxes(pred, shape, numClasses) : [];
  const targetBoxes = wantDistances ? labelBoundingBoxes(target, shape, numClasses) : [];

  const rows: ClassMetrics[] = [];
  for (let c = options.includeBackground ? 0 : 1; c < numClasses; c++) {
    const row: ClassMetrics = { classIndex: c, predVoxels: predCount[c], targetVoxels: targetCount[c] };
    const overlap = overlapScores({ tp: tp[c], pred: predCount[c], target: targetCount[c] }, policy);
    for (const m of names) {
      if (m === 'dice' || m === 'jaccard' || m === 'precision' || m === 'recall') row[m] = overlap[m];
    }
    if (wantDistances) {
      let d: { hd: number; hd95: number; asd: number; assd: number };
      const bp = predBoxes[c];
      const bt = targetBoxes[c];
      if (bp === null && bt === null) {
        const v = policy.bothEmptyDistance;
        d = { hd: v, hd95: v, asd: v, assd: v };
      } else if (bp === null || bt === null) {
        const v = policy.oneEmptyDistance;
        d = { hd: v, hd95: v, asd: v, assd: v };
      } else {
        const box = unionBox(bp, bt);
        const pair = surfaceDistancePair(extractCrop(pred, shape, box, c), extractCrop(target, shape, box, c), boxShape(box), spacing);
        d = summariseSurfaceDistances(pair);
      }
      for (const m of names) {
        if (m === 'hd' || m === 'hd95' || m === 'asd' || m === 'assd') row[m] = d[m];
      }
    }
    rows.push(row);
  }
  return rows;
}
