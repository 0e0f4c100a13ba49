import { describe, expect, it } from 'vitest';
import { formatMetricTable } from './format-metric-table.js';
import { aggregateMetricRecords, nanStats, SegmentationMetric } from './segmentation-metric.js';

// 1x4 label maps, 3 classes
const gt = new Uint8Array([1, 1, 2, 2]);

describe('SegmentationMetric', () => {
  it('keeps per-case records and aggregates mean / population std per class, ignoring NaN', () => {
    const metric = new SegmentationMetric({ numClasses: 3, metrics: ['dice', 'hd'], classNames: ['BG', 'A', 'B'] });
    // case 0: class 1 dice 1, class 2 dice 1
    metric.update(gt, gt, { shape: [1, 4], caseId: 'p0' });
    // case 1: class 1 pred [1,1,1,0] vs [1,1,0,0] -> 4/5; class 2 pred [0,0,0,2] -> 2/3
    metric.update(new Uint8Array([1, 1, 1, 2]), gt, { shape: [1, 4] });
    // case 2: class 2 absent from both -> NaN
    metric.update(new Uint8Array([1, 1, 0, 0]), new Uint8Array([1, 0, 0, 0]), { shape: [1, 4], caseId: 'p2' });
    expect(metric.records.map((r) => r.caseId)).toEqual(['p0', 'case-1', 'p2']);
    const agg = metric.aggregate();
    expect(agg.cases).toBe(3);
    expect(agg.metrics).toEqual(['dice', 'hd']);
    const d1 = [1, 4 / 5, 2 / 3];
    const mean1 = (1 + 0.8 + 2 / 3) / 3;
    const std1 = Math.sqrt(d1.reduce((s, v) => s + (v - mean1) ** 2, 0) / 3);
    expect(agg.classes[0].name).toBe('A');
    expect(agg.classes[0].metrics.dice!.mean).toBeCloseTo(mean1, 12);
    expect(agg.classes[0].metrics.dice!.std).toBeCloseTo(std1, 12);
    expect(agg.classes[0].metrics.dice!.valid).toBe(3);
    const c2 = agg.classes[1].metrics.dice!;
    expect(c2.valid).toBe(2);
    expect(c2.total).toBe(3);
    expect(c2.mean).toBeCloseTo((1 + 2 / 3) / 2, 12);
    // overall: per-case class means 1, (0.8 + 2/3)/2, 2/3 (NaN class skipped)
    const cases = [1, (0.8 + 2 / 3) / 2, 2 / 3];
    expect(agg.overall.dice!.mean).toBeCloseTo(cases.reduce((a, b) => a + b) / 3, 12);
    expect(agg.overall.dice!.valid).toBe(3);
    const table = formatMetricTable(agg, { digits: 3 });
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toContain('2 B');
    expect(table).toContain(`${((1 + 2 / 3) / 2).toFixed(3)} ± ${(1 / 6).toFixed(3)} (2/3)`);
    metric.reset();
    expect(metric.records).toHaveLength(0);
    expect(metric.aggregate().classes).toEqual([]);
  });

  it('does not modify its inputs and uses the default spacing', () => {
    const metric = new SegmentationMetric({ numClasses: 2, spacing: [3, 1] });
    const p = new Uint8Array([1, 0, 0, 0, 0, 0]);
    const t = new Uint8Array([0, 0, 0, 1, 0, 0]);
    const r = metric.update(p, t, { shape: [2, 3] });
    expect(r.classes[0].hd).toBe(3);
    expect(metric.update(p, t, { shape: [2, 3], spacing: [0.5, 1] }).classes[0].hd).toBe(0.5);
    expect(Array.from(p)).toEqual([1, 0, 0, 0, 0, 0]);
  });

  it('rejects bad configuration', () => {
    expect(() => new SegmentationMetric({ numClasses: 0 })).toThrow(/SegmentationMetric: option 'numClasses'/);
    expect(() => new SegmentationMetric({ numClasses: 2, metrics: ['x' as 'dice'] })).toThrow(/unknown metric/);
    const m = new SegmentationMetric({ numClasses: 2 });
    expect(() => m.update(gt, gt, undefined as never)).toThrow(/update: argument 'info'/);
    expect(() => m.update(gt, gt, { shape: [2, 3] })).toThrow(/shape mismatch/);
  });
});

describe('nanStats / aggregateMetricRecords / formatMetricTable', () => {
  it('nanStats ignores NaN and reports counts', () => {
    expect(nanStats([1, NaN, 3])).toEqual({ mean: 2, std: 1, valid: 2, total: 3 });
    const empty = nanStats([NaN]);
    expect(empty.mean).toBeNaN();
    expect(empty.valid).toBe(0);
  });

  it('prints NaN cells with their counts and scales values', () => {
    const agg = aggregateMetricRecords([{ caseId: 'a', classes: [{ classIndex: 1, predVoxels: 0, targetVoxels: 0, dice: NaN, hd95: NaN }] }]);
    expect(formatMetricTable(agg)).toContain('NaN (0/1)');
    const agg2 = aggregateMetricRecords([{ caseId: 'a', classes: [{ classIndex: 1, predVoxels: 1, targetVoxels: 1, dice: 0.5 }] }]);
    expect(formatMetricTable(agg2, { scale: { dice: 100 }, digits: 1, plusMinus: ' +- ' })).toContain('50.0 +- 0.0');
    expect(() => formatMetricTable({} as never)).toThrow(/formatMetricTable: argument 'aggregate'/);
  });
});
