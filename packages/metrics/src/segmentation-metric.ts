import { type ClassMetrics, computeMetrics, type MetricName, resolveMetricNames } from './compute-metrics.js';
import type { EmptyMaskOptions } from './empty-mask-policy.js';
import type { NumericArray, Shape, Spacing } from './validate.js';

/** NaN-aware summary of one metric: mean and population standard deviation (`ddof = 0`) of the valid values. */
export interface MetricStats {
  /** Mean of the finite values; `NaN` when none is valid. */
  mean: number;
  /** Population standard deviation (numpy `std`, ddof 0) of the finite values; `NaN` when none is valid. */
  std: number;
  /** How many values were finite (entered the mean). */
  valid: number;
  /** How many values there were, `NaN` included. */
  total: number;
}

/** Aggregate of one class over all cases. */
export interface ClassAggregate {
  classIndex: number;
  /** From `classNames`, when given. */
  name?: string;
  metrics: Partial<Record<MetricName, MetricStats>>;
}

/** Result of {@link SegmentationMetric.aggregate} / {@link aggregateMetricRecords}. */
export interface MetricAggregate {
  /** Number of cases aggregated. */
  cases: number;
  /** Metrics present, in report order. */
  metrics: MetricName[];
  /** One entry per class, in class order. */
  classes: ClassAggregate[];
  /**
   * Over classes: for each case, the mean over its classes with a finite value (the case's
   * class-mean); then mean / std over cases whose class-mean exists. With no NaN this equals the mean of the class means.
   */
  overall: Partial<Record<MetricName, MetricStats>>;
}

/** Metrics of one case, as kept by {@link SegmentationMetric}. */
export interface CaseRecord {
  caseId: string;
  classes: ClassMetrics[];
}

/** NaN-ignoring mean / population std / counts. */
export function nanStats(values: ArrayLike<number>): MetricStats {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      n++;
      sum += v;
    }
  }
  if (n === 0) return { mean: NaN, std: NaN, valid: 0, total: values.length };
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) ss += (v - mean) * (v - mean);
  }
  return { mean, std: Math.sqrt(ss / n), valid: n, total: values.length };
}

/** Options of {@link aggregateMetricRecords}. */
export interface AggregateOptions {
  /** Metrics to aggregate. Default: every metric present in the records. */
  metrics?: readonly MetricName[];
  /** Display names indexed by class label (e.g. `['BG', 'RV', 'Myo', 'LV']`). */
  classNames?: readonly string[];
}

/**
 * Aggregates per-case records per class and overall, ignoring non-finite values (NaN from empty
 * masks) and reporting how many values were valid. Records are not modified.
 *
 * @example
 * const agg = aggregateMetricRecords(metric.records, { classNames: ['BG', 'RV', 'Myo', 'LV'] });
 * agg.classes[0].metrics.dice; // { mean, std, valid, total }
 */
export function aggregateMetricRecords(records: readonly CaseRecord[], options: AggregateOptions = {}): MetricAggregate {
  const fn = 'aggregateMetricRecords';
  if (!Array.isArray(records as unknown)) throw new Error(`${fn}: argument 'records' must be an array of case records`);
  const present = new Set<MetricName>();
  const classSet = new Set<number>();
  for (const r of records) {
    for (const c of r.classes) {
      classSet.add(c.classIndex);
      for (const m of resolveMetricNames(fn, undefined)) if (c[m] !== undefined) present.add(m);
    }
  }
  const metrics = options.metrics ? resolveMetricNames(fn, options.metrics) : resolveMetricNames(fn, undefined).filter((m) => present.has(m));
  const classIndices = [...classSet].sort((a, b) => a - b);
  const classes: ClassAggregate[] = classIndices.map((ci) => {
    const agg: ClassAggregate = { classIndex: ci, metrics: {} };
    const name = options.classNames?.[ci];
    if (name !== undefined) agg.name = name;
    for (const m of metrics) {
      const values: number[] = [];
      for (const r of records) {
        const row = r.classes.find((c) => c.classIndex === ci);
        if (row !== undefined) values.push(row[m] ?? NaN);
      }
      agg.metrics[m] = nanStats(values);
    }
    return agg;
  });
  const overall: Partial<Record<MetricName, MetricStats>> = {};
  for (const m of metrics) {
    const perCase = records.map((r) => nanStats(r.classes.map((c) => c[m] ?? NaN)).mean);
    overall[m] = nanStats(perCase);
  }
  return { cases: records.length, metrics, classes, overall };
}

/** Options of {@link SegmentationMetric}. */
export interface SegmentationMetricOptions extends EmptyMaskOptions {
  /** Number of classes K. Required. */
  numClasses: number;
  /** Report class 0 too. Default `false`. */
  includeBackground?: boolean;
  /** Default voxel spacing when `update` gives none. Default: all 1. */
  spacing?: Spacing;
  /** Metrics to compute. Default: all. */
  metrics?: readonly MetricName[];
  /** Display names by class label, used by `aggregate()` and {@link formatMetricTable}. */
  classNames?: readonly string[];
}

/** Per-case arguments of {@link SegmentationMetric.update}. */
export interface SegmentationMetricUpdate {
  /** Grid extent `[H, W]` or `[D, H, W]` of this case. Required. */
  shape: Shape;
  /** Voxel spacing of this case; default: the constructor's `spacing`. */
  spacing?: Spacing;
  /** Case identifier kept in the record. Default `'case-<n>'`. */
  caseId?: string;
}

/**
 * Cumulative per-class metric (MONAI-style `update / aggregate / reset`): each `update` computes
 * {@link computeMetrics} for one case and keeps the record; `aggregate` gives per-class and overall
 * mean ± std over cases, ignoring NaN and counting valid values.
 *
 * @example
 * const metric = new SegmentationMetric({ numClasses: 4, classNames: ['BG', 'RV', 'Myo', 'LV'] });
 * for (const v of volumes) metric.update(pred(v), v.label, { shape: [v.depth, v.height, v.width], spacing: v.spacing, caseId: v.id });
 * console.log(formatMetricTable(metric.aggregate()));
 */
export class SegmentationMetric {
  private readonly options: SegmentationMetricOptions;
  private readonly kept: CaseRecord[] = [];

  constructor(options: SegmentationMetricOptions) {
    const fn = 'SegmentationMetric';
    if (options === undefined || options === null) throw new Error(`${fn}: argument 'options' with 'numClasses' is required`);
    if (typeof options.numClasses !== 'number' || !Number.isInteger(options.numClasses) || options.numClasses < 1) {
      throw new Error(`${fn}: option 'numClasses' must be an integer >= 1, got ${String(options.numClasses)}`);
    }
    resolveMetricNames(fn, options.metrics);
    this.options = { ...options };
  }

  /** Records kept so far, one per `update`, in call order. */
  get records(): readonly CaseRecord[] {
    return this.kept;
  }

  /** Computes the metrics of one case, keeps and returns its record. Inputs are not modified. */
  update(pred: NumericArray, target: NumericArray, info: SegmentationMetricUpdate): CaseRecord {
    if (info === undefined || info === null) {
      throw new Error(`SegmentationMetric.update: argument 'info' with a 'shape' is required`);
    }
    const o = this.options;
    const classes = computeMetrics(pred, target, {
      shape: info.shape,
      numClasses: o.numClasses,
      spacing: info.spacing ?? o.spacing,
      includeBackground: o.includeBackground,
      metrics: o.metrics,
      bothEmpty: o.bothEmpty,
      oneEmptyDistance: o.oneEmptyDistance,
    });
    const record: CaseRecord = { caseId: info.caseId ?? `case-${this.kept.length}`, classes };
    this.kept.push(record);
    return record;
  }

  /** Per-class and overall mean ± std over the cases so far (NaN ignored, valid counts reported). */
  aggregate(): MetricAggregate {
    return aggregateMetricRecords(this.kept, { metrics: this.options.metrics, classNames: this.options.classNames });
  }

  /** Forgets every record. */
  reset(): void {
    this.kept.length = 0;
  }
}
