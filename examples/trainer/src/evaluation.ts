import { computeMetrics, formatMetricTable, nanStats, type MetricAggregate, type MetricName, type MetricStats } from '@agcl/metrics';
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

/**
 * `nanStats` of `@agcl/metrics` (mean of the finite values, valid and total counts) with the sample
 * standard deviation (n - 1) over cases that the trainer has always reported, where the package's
 * `std` is the population one (n): 0 for a single valid value, NaN for none.
 */
function caseStats(values: number[]): MetricStats {
  const stats = nanStats(values);
  if (stats.valid < 2) return stats;
  let ss = 0;
  for (const v of values) if (Number.isFinite(v)) ss += (v - stats.mean) ** 2;
  return { ...stats, std: Math.sqrt(ss / (stats.valid - 1)) };
}

/**
 * The cases' statistics per class and metric (`caseStats`: mean and sample std over the cases whose
 * value is finite) as a `MetricAggregate` of `@agcl/metrics`; `overall` is over the cases' class means.
 */
function aggregateCases(cases: CaseResult[], classNames: string[], metricNames: MetricName[]): MetricAggregate {
  const over = (value: (c: CaseResult) => number | undefined) => caseStats(cases.map((c) => value(c) ?? Number.NaN));
  const byMetric = (value: (c: CaseResult, m: MetricName) => number | undefined) =>
    Object.fromEntries(metricNames.map((m) => [m, over((c) => value(c, m))]));
  return {
    cases: cases.length,
    metrics: metricNames,
    classes: classNames.map((name, i) => ({ classIndex: i + 1, name, metrics: byMetric((c, m) => c.classes[name]?.[m]) })),
    overall: byMetric((c, m) => c.mean[m]),
  };
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
    const mean = Object.fromEntries(names.map((m) => [m, nanStats(Object.values(classes).map((c) => c[m])).mean]));
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
  const aggregate = aggregateCases(cases, options.classNames, names);
  const summary: Record<string, MetricValues> = {};
  const std: Record<string, MetricValues> = {};
  const keep = (key: string, stats: Partial<Record<string, MetricStats>>) => {
    summary[key] = Object.fromEntries(Object.entries(stats).map(([m, s]) => [m, s?.mean ?? Number.NaN]));
    std[key] = Object.fromEntries(Object.entries(stats).map(([m, s]) => [m, s?.std ?? Number.NaN]));
  };
  for (const c of aggregate.classes) keep(c.name as string, c.metrics);
  keep('mean', aggregate.overall);
  const objectNames = Object.keys(cases.find((c) => c.object)?.object ?? {});
  if (objectNames.length) keep('object', Object.fromEntries(objectNames.map((m) => [m, caseStats(cases.map((c) => c.object?.[m] ?? Number.NaN))])));
  return { kind: options.kind, classNames: options.classNames, metricNames: names, cases, summary, std };
}

/** Decimals of each metric in the printed table: overlaps to 4, distances (voxels or mm) to 2. */
const TABLE_DIGITS: Record<string, number> = { dice: 4, jaccard: 4 };
const digitsOf = (m: string) => TABLE_DIGITS[m] ?? 2;

/**
 * `formatMetricTable` of `@agcl/metrics` with its own decimals per metric: one call per run of
 * neighbouring metrics with the same decimals, their columns put side by side as one table would be.
 */
function formatWithDigits(aggregate: MetricAggregate, plusMinus: string): string {
  const runs: MetricName[][] = [];
  for (const m of aggregate.metrics) {
    const last = runs[runs.length - 1];
    if (last && digitsOf(last[0]) === digitsOf(m)) last.push(m);
    else runs.push([m]);
  }
  let lines: string[] = [];
  for (const metrics of runs) {
    const table = formatMetricTable(aggregate, { metrics, digits: digitsOf(metrics[0]), plusMinus }).split('\n');
    if (!lines.length) {
      lines = table;
      continue;
    }
    // every table starts with the same class column; keep it once
    const from = table[0].indexOf(metrics[0], 'class'.length);
    const width = Math.max(...lines.map((l) => l.length));
    lines = lines.map((l, i) => `${l.padEnd(width)}  ${table[i].slice(from)}`.trimEnd());
  }
  return lines.join('\n');
}

/**
 * The evaluation as an aligned text table (`formatMetricTable` of `@agcl/metrics`): a row per class
 * (`1 RV`, ...) and `mean (N cases)` (the mean over classes), a column per metric, cells
 * `mean +- std` over cases with the sample std (n - 1), Dice and Jaccard to 4 decimals, distances to
 * 2; `(valid/total)` follows a cell when some cases had no value (a class absent from prediction and
 * reference), `NaN (0/N)` when none had one. Histology: then the object-level metrics, alike.
 * (Before the package's table: upper-case headers, bare class names and `-` for no value.)
 */
export function formatEvaluationTable(result: EvaluationResult): string {
  const plusMinus = ' +- ';
  const table = formatWithDigits(aggregateCases(result.cases, result.classNames, result.metricNames as MetricName[]), plusMinus);
  const objectNames = Object.keys(result.cases.find((c) => c.object)?.object ?? {});
  if (!objectNames.length) return table;
  const width = Math.max(...objectNames.map((m) => m.length));
  const rows = objectNames.map((m) => {
    const s = caseStats(result.cases.map((c) => c.object?.[m] ?? Number.NaN));
    const cell = s.valid === 0 ? `NaN (0/${s.total})` : `${s.mean.toFixed(4)}${plusMinus}${s.std.toFixed(4)}${s.valid < s.total ? ` (${s.valid}/${s.total})` : ''}`;
    return `${m.padEnd(width)}  ${cell}`;
  });
  return [table, '', ...rows].join('\n');
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
