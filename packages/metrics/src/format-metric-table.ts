import type { MetricName } from './compute-metrics.js';
import type { MetricAggregate, MetricStats } from './segmentation-metric.js';

/** Options of {@link formatMetricTable}. */
export interface FormatMetricTableOptions {
  /** Columns to show. Default: `aggregate.metrics`. */
  metrics?: readonly MetricName[];
  /** Decimal places. Default 4. */
  digits?: number;
  /** Multiply each metric before printing (e.g. `{ dice: 100 }` for percent). Default none. */
  scale?: Partial<Record<MetricName, number>>;
  /** Separator between mean and std. Default `' ± '`. */
  plusMinus?: string;
}

function cell(s: MetricStats | undefined, digits: number, scale: number, pm: string): string {
  if (s === undefined || s.valid === 0) return s === undefined ? '-' : `NaN (0/${s.total})`;
  const text = `${(s.mean * scale).toFixed(digits)}${pm}${(s.std * scale).toFixed(digits)}`;
  return s.valid < s.total ? `${text} (${s.valid}/${s.total})` : text;
}

/**
 * Plain-text table of an aggregate: one row per class plus a `mean` row (the overall statistics),
 * one column per metric, cells `mean ± std`, followed by `(valid/total)` when some values were NaN.
 *
 * @example
 * console.log(formatMetricTable(metric.aggregate(), { scale: { dice: 100, jaccard: 100 }, digits: 2 }));
 * // class   dice            hd95
 * // 1 RV    88.12 ± 4.10    3.21 ± 1.02
 */
export function formatMetricTable(aggregate: MetricAggregate, options: FormatMetricTableOptions = {}): string {
  const fn = 'formatMetricTable';
  if (aggregate === undefined || aggregate === null || !Array.isArray(aggregate.classes)) {
    throw new Error(`${fn}: argument 'aggregate' must be the result of aggregate() / aggregateMetricRecords()`);
  }
  const digits = options.digits ?? 4;
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
    throw new Error(`${fn}: option 'digits' must be an integer in [0, 20], got ${String(digits)}`);
  }
  const metrics = options.metrics ?? aggregate.metrics;
  const pm = options.plusMinus ?? ' ± ';
  const rows: string[][] = [['class', ...metrics]];
  for (const c of aggregate.classes) {
    const label = c.name !== undefined ? `${c.classIndex} ${c.name}` : `${c.classIndex}`;
    rows.push([label, ...metrics.map((m) => cell(c.metrics[m], digits, options.scale?.[m] ?? 1, pm))]);
  }
  rows.push([`mean (${aggregate.cases} cases)`, ...metrics.map((m) => cell(aggregate.overall[m], digits, options.scale?.[m] ?? 1, pm))]);
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((v, j) => v.padEnd(widths[j])).join('  ').trimEnd()).join('\n');
}
