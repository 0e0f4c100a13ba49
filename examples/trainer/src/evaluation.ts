import { computeMetrics, type MetricName } from '@agcl/metrics';
import * as metrics from '@agcl/metrics';
import type { Volume3D } from '@agcl/datasets';
import type { UNet } from '@agcl/unet';
import { segmentVolume } from './inference';

/** Metric values of one class (or the class mean) of one case. NaN = undefined (e.g. both masks empty). */
export type MetricValues = Record<string, number>;

/** Metrics of one validation case. */
export interface CaseResult {
  caseId: string;
  /** class name -> metric -> value */
  classes: Record<string, MetricValues>;
  /** Mean over the classes (NaN-aware) of each metric. */
  mean: MetricValues;
  /** Object-level metrics (histology only): objectF1, objectDice, objectHausdorff. */
  object?: MetricValues;
}

/** Result of {@link evaluateVolumes}. */
export interface EvaluationResult {
  kind: 'cardiac' | 'histology';
  classNames: string[];
  metricNames: string[];
  cases: CaseResult[];
  /** Mean over cases (NaN skipped) per class and metric; key 'mean' is the mean over classes. */
  summary: Record<string, MetricValues>;
  /** Standard deviation over cases, same keys as `summary`. */
  std: Record<string, MetricValues>;
}

/** Mean of the finite values (NaN when there are none). */
export function nanMean(values: number[]): number {
  const ok = values.filter((v) => Number.isFinite(v));
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : Number.NaN;
}

function nanStd(values: number[]): number {
  const ok = values.filter((v) => Number.isFinite(v));
  if (ok.length < 2) return ok.length ? 0 : Number.NaN;
  const m = ok.reduce((a, b) => a + b, 0) / ok.length;
  return Math.sqrt(ok.reduce((a, b) => a + (b - m) ** 2, 0) / (ok.length - 1));
}

/**
 * Segments each validation case slice by slice (see {@link segmentVolume}) and scores it.
 *
 * - cardiac: per 3D volume and class (RV, Myo, LV): Dice, Jaccard, HD95, ASD in the volume's
 *   spacing (voxels when unknown), with `@agcl/metrics` `computeMetrics`. An empty prediction of a
 *   present class scores Dice 0; a class absent from both is NaN and left out of means.
 * - histology: pixel Dice (and Jaccard, HD95, ASD) of the foreground plus object-level F1, Dice and
 *   Hausdorff (objects = 8-connected components of prediction and reference).
 *
 * `metricNames` limits the per-class metrics (validation during training uses only Dice).
 */
export async function evaluateVolumes(
  model: UNet,
  volumes: Volume3D[],
  options: {
    size: number;
    numClasses: number;
    kind: 'cardiac' | 'histology';
    classNames: string[];
    metricNames?: MetricName[];
    objectMetrics?: boolean;
    /** Compute the object-level Hausdorff distance too (slow on images with many objects). Default true. */
    objectHausdorff?: boolean;
    onCase?: (caseId: string, prediction: Uint8Array, volume: Volume3D) => void | Promise<void>;
  },
): Promise<EvaluationResult> {
  const names: MetricName[] = options.metricNames ?? ['dice', 'jaccard', 'hd95', 'asd'];
  const cases: CaseResult[] = [];
  for (const volume of volumes) {
    const prediction = await segmentVolume(model, volume, { size: options.size, numClasses: options.numClasses });
    const shape = volume.depth > 1 ? [volume.depth, volume.height, volume.width] : [volume.height, volume.width];
    const spacing = volume.depth > 1 ? volume.spacing : volume.spacing ? [volume.spacing[1], volume.spacing[2]] : undefined;
    const rows = computeMetrics(prediction, volume.label, {
      shape,
      numClasses: options.numClasses,
      spacing,
      metrics: names,
    });
    const classes: Record<string, MetricValues> = {};
    for (const row of rows) {
      const name = options.classNames[row.classIndex - 1] ?? `class${row.classIndex}`;
      classes[name] = Object.fromEntries(names.map((m) => [m, row[m] ?? Number.NaN]));
    }
    const mean = Object.fromEntries(names.map((m) => [m, nanMean(Object.values(classes).map((c) => c[m]))]));
    const result: CaseResult = { caseId: volume.id, classes, mean };
    if (options.kind === 'histology' && options.objectMetrics !== false) {
      const hw = [volume.height, volume.width];
      const predFg = Uint8Array.from(prediction, (v) => (v > 0 ? 1 : 0));
      const gtFg = Uint8Array.from(volume.label, (v) => (v > 0 ? 1 : 0));
      // objects = 8-connected components of the foreground, in prediction and reference alike
      const o = metrics.computeObjectMetrics(predFg, gtFg, { shape: hw, hausdorff: options.objectHausdorff !== false });
      result.object = { objectF1: o.f1, objectDice: o.objectDice };
      if (options.objectHausdorff !== false) result.object.objectHausdorff = o.objectHausdorff ?? Number.NaN;
    }
    cases.push(result);
    await options.onCase?.(volume.id, prediction, volume);
  }
  const summary: Record<string, MetricValues> = {};
  const std: Record<string, MetricValues> = {};
  for (const key of [...options.classNames, 'mean']) {
    summary[key] = {};
    std[key] = {};
    for (const m of names) {
      const vals = cases.map((c) => (key === 'mean' ? c.mean[m] : (c.classes[key]?.[m] ?? Number.NaN)));
      summary[key][m] = nanMean(vals);
      std[key][m] = nanStd(vals);
    }
  }
  if (cases.some((c) => c.object)) {
    summary.object = {};
    std.object = {};
    for (const m of Object.keys(cases.find((c) => c.object)?.object ?? {})) {
      const vals = cases.map((c) => c.object?.[m] ?? Number.NaN);
      summary.object[m] = nanMean(vals);
      std.object[m] = nanStd(vals);
    }
  }
  return { kind: options.kind, classNames: options.classNames, metricNames: names, cases, summary, std };
}

const fmt = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '-');

/** The evaluation as an aligned text table: one row per class and the mean; mean +- std over cases. */
export function formatEvaluationTable(result: EvaluationResult): string {
  const header = ['class', ...result.metricNames.map((m) => m.toUpperCase())];
  const lines: string[][] = [header];
  for (const key of [...result.classNames, 'mean']) {
    lines.push([
      key,
      ...result.metricNames.map((m) => {
        const d = m === 'dice' || m === 'jaccard' ? 4 : 2;
        return `${fmt(result.summary[key][m], d)} +- ${fmt(result.std[key][m], d)}`;
      }),
    ]);
  }
  if (result.summary.object) {
    lines.push(['', ...result.metricNames.map(() => '')]);
    for (const [m, v] of Object.entries(result.summary.object)) lines.push([m, `${fmt(v, 4)} +- ${fmt(result.std.object[m], 4)}`]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return lines.map((l) => l.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** Per-case rows as CSV: case, class, metrics... (class 'mean' = the mean over classes). */
export function evaluationCsv(result: EvaluationResult): string {
  const rows = [['case', 'class', ...result.metricNames].join(',')];
  for (const c of result.cases) {
    for (const [cls, vals] of [...Object.entries(c.classes), ['mean', c.mean] as const]) {
      rows.push([c.caseId, cls, ...result.metricNames.map((m) => (Number.isFinite(vals[m]) ? String(vals[m]) : ''))].join(','));
    }
    if (c.object) {
      for (const [m, v] of Object.entries(c.object)) rows.push([c.caseId, m, Number.isFinite(v) ? String(v) : ''].join(','));
    }
  }
  return `${rows.join('\n')}\n`;
}
