import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { batchIndices } from './batch-schedule';
import { overlayRgb, panelsPng, CLASS_COLORS } from './overlay';
import { createProgressReporter, formatDuration, formatTerms } from './progress';
import { appendJsonl, defaultRunFolder, readJsonl, truncateJsonl } from './run-folder';
import { lineChartSpec, movingAverage, renderVegaLitePng } from './charts';
import { splitByCase } from './training-data';
import { mostForegroundSlice } from './report';
import { formatEvaluationTable, type EvaluationResult } from './evaluation';
import { captureStream, tempDir } from './test-utils/helpers';

describe('batch schedule and random streams', () => {
  it('walks a fresh permutation per epoch: each epoch visits every item once', () => {
    const seen: number[] = [];
    for (let step = 0; step < 5; step++) seen.push(...batchIndices(10, 2, step, 7, 'labeled'));
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // a batch crossing an epoch boundary: 3 per step over 4 items
    const all = [0, 1, 2, 3].flatMap((s) => batchIndices(4, 3, s, 7, 'u'));
    for (let e = 0; e < 3; e++) expect(all.slice(e * 4, e * 4 + 4).sort()).toEqual([0, 1, 2, 3]);
  });

  it('depends only on (seed, stream, step)', () => {
    expect(batchIndices(50, 4, 13, 1, 'a')).toEqual(batchIndices(50, 4, 13, 1, 'a'));
    expect(batchIndices(50, 4, 13, 1, 'a')).not.toEqual(batchIndices(50, 4, 13, 2, 'a'));
    expect(batchIndices(50, 4, 13, 1, 'a')).not.toEqual(batchIndices(50, 4, 13, 1, 'b'));
    expect(() => batchIndices(0, 4, 0, 1, 'a')).toThrow("batchIndices: 'count' and 'batch' must be > 0");
  });

  it('permutes with the seeded mulberry32 stream: every item once, repeatable', () => {
    const a = batchIndices(6, 6, 0, 9, 's');
    expect([...a].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(batchIndices(6, 6, 0, 9, 's')).toEqual(a);
  });
});

describe('splits', () => {
  const slices = ['c', 'a', 'b', 'a', 'c', 'd'].map((caseId, i) => ({
    id: `${caseId}_${i}`,
    caseId,
    image: new Float32Array(1),
    label: new Uint8Array(1),
    height: 1,
    width: 1,
    channels: 1,
  }));
  it('labels the first N cases in sorted order, whole cases only', () => {
    const s = splitByCase(slices, { labeledPatients: 2, labeledFraction: null, defaultPatients: 1 });
    expect(s.labeledCases).toEqual(['a', 'b']);
    expect(s.labeled.map((x) => x.id)).toEqual(['a_1', 'b_2', 'a_3']);
    expect(s.unlabeled.map((x) => x.caseId)).toEqual(['c', 'c', 'd']);
    expect(splitByCase(slices, { labeledPatients: null, labeledFraction: 0.5, defaultPatients: 1 }).labeledCases).toEqual(['a', 'b']);
    // a fraction counts whole cases rounded down, as acdcLabeledSplit: 0.6 of 4 cases = 2 (rounding would give 3)
    expect(splitByCase(slices, { labeledPatients: null, labeledFraction: 0.6, defaultPatients: 1 }).labeledCases).toEqual(['a', 'b']);
    expect(() => splitByCase(slices, { labeledPatients: 9, labeledFraction: null, defaultPatients: 1 })).toThrow('more than the 4 training cases');
  });
  it("labels the first N cases in the slices' own order with labeledOrder 'list' (SSL4MIS's ACDC split)", () => {
    const s = splitByCase(slices, { labeledPatients: 2, labeledFraction: null, defaultPatients: 1, labeledOrder: 'list' });
    expect(s.labeledCases).toEqual(['c', 'a']);
    expect(s.labeled.map((x) => x.id)).toEqual(['c_0', 'a_1', 'a_3', 'c_4']);
    expect(s.unlabeled.map((x) => x.caseId)).toEqual(['b', 'd']);
    expect(s.cases).toEqual(['c', 'a', 'b', 'd']);
  });
});

describe('pictures', () => {
  it('overlay: grey image, translucent fill inside, full colour on the contour', () => {
    // 4x4 grey 0.5 image; a 2x2... class 1 square in the middle is all contour; a 4x4 class-2 map has an interior
    const img = new Float32Array(16).fill(0.5);
    const lab = new Uint8Array(16);
    lab[0] = 1;
    const rgb = overlayRgb(img, lab, 4, 4, 1, 0.25);
    expect([...rgb.subarray(0, 3)]).toEqual(CLASS_COLORS[1]);
    expect([...rgb.subarray(3, 6)]).toEqual([128, 128, 128]);
    const lab2 = new Uint8Array(25).fill(2);
    const rgb2 = overlayRgb(new Float32Array(25).fill(0.5), lab2, 5, 5, 1, 0.25);
    const centre = 12 * 3;
    expect([...rgb2.subarray(centre, centre + 3)]).toEqual(CLASS_COLORS[2].map((c) => Math.round(0.75 * 128 + 0.25 * c)));
    expect([...rgb2.subarray(0, 3)]).toEqual(CLASS_COLORS[2]);
  });

  it('panels are placed side by side and enlarged', async () => {
    const a = new Uint8Array(2 * 2 * 3).fill(10);
    const b = new Uint8Array(2 * 2 * 3).fill(200);
    const png = await panelsPng([a, b], 2, 2, 8, 1);
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([5 * 4, 8]);
  });

  it('charts render to PNG headless', async () => {
    const png = await renderVegaLitePng(
      lineChartSpec({ title: 't', yTitle: 'y', points: [0, 1, 2].map((s) => ({ step: s, value: s * s, series: 'a' })) }),
    );
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(300);
    expect(movingAverage([1, 2, 3, 4], 2)).toEqual([1, 1.5, 2.5, 3.5]);
  });

  it('the most-foreground slice', () => {
    const label = new Uint8Array([0, 0, 1, 0, 1, 1]);
    expect(mostForegroundSlice({ label, depth: 3, height: 1, width: 2 })).toBe(2);
  });
});

describe('evaluation table', () => {
  it("formatMetricTable's layout, the trainer's decimals and sample std (n - 1), counts where cases had no value", () => {
    const c = (caseId: string, rv: [number, number], lv: [number, number], objectF1: number) => ({
      caseId,
      classes: { RV: { dice: rv[0], hd95: rv[1] }, LV: { dice: lv[0], hd95: lv[1] } },
      mean: { dice: Number.isFinite(rv[0]) ? (rv[0] + lv[0]) / 2 : lv[0], hd95: Number.isFinite(rv[1]) ? (rv[1] + lv[1]) / 2 : lv[1] },
      object: { objectF1 },
    });
    const result = {
      kind: 'histology',
      classNames: ['RV', 'LV'],
      metricNames: ['dice', 'hd95'],
      cases: [c('a', [0.5, Number.NaN], [1, 2], 0.5), c('b', [0.7, 4], [0.8, 3], Number.NaN), c('c', [Number.NaN, Number.NaN], [0.6, 5], 0.7)],
      summary: {},
      std: {},
    } as EvaluationResult;
    expect(formatEvaluationTable(result).split('\n')).toEqual([
      'class           dice                    hd95',
      '1 RV            0.6000 +- 0.1414 (2/3)  4.00 +- 0.00 (1/3)',
      '2 LV            0.8000 +- 0.2000        3.33 +- 1.53',
      'mean (3 cases)  0.7000 +- 0.0866        3.50 +- 1.50',
      '',
      'objectF1  0.6000 +- 0.1414 (2/3)',
    ]);
  });
});

describe('progress and run folder', () => {
  it('prints a line every N steps when not a terminal', () => {
    const s = captureStream(false);
    const p = createProgressReporter({ stream: s, logEvery: 2 });
    p.start(5, 0);
    for (let i = 0; i < 5; i++) p.update(i, 1 / (i + 1), { supervised: 0.5, affinity: 2 }, 0.25);
    p.log('hello');
    p.stop();
    const lines = s.text().trim().split('\n');
    expect(lines.map((l) => l.split('  ')[0])).toEqual(['step 1/5', 'step 2/5', 'step 4/5', 'step 5/5', 'hello']);
    expect(lines[1]).toContain('sup 0.500 ag 2.00');
    expect(lines[1]).toContain('0.25 s/step');
    expect(formatDuration(65)).toBe('1m 05s');
    expect(formatTerms({ consistency: 0.0123 })).toBe('cons 0.0123');
  });

  it('the terminal bar shows the loss terms', () => {
    const s = captureStream(true);
    const p = createProgressReporter({ stream: s });
    p.start(3, 0);
    p.update(0, 0.5, { supervised: 0.5 }, 0.1);
    p.stop();
    expect(s.text()).toContain('sup 0.500');
  });

  it('JSON Lines: append, read (skipping a torn line), truncate for resume', () => {
    const file = path.join(tempDir(), 'm.jsonl');
    for (let step = 1; step <= 4; step++) appendJsonl(file, { step });
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"step": 5, "lo`);
    expect(readJsonl<{ step: number }>(file).map((r) => r.step)).toEqual([1, 2, 3, 4]);
    truncateJsonl(file, 3);
    expect(readJsonl<{ step: number }>(file).map((r) => r.step)).toEqual([1, 2]);
    expect(defaultRunFolder('semi-agcl:no-ag', new Date(2026, 0, 2, 3, 4, 5))).toBe(path.join('runs', '20260102-030405-semi-agcl-no-ag'));
  });
});
