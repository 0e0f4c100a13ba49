import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultAcdcDir,
  ROWS,
  aggregate,
  closeStaleSittings,
  formatMeanStd,
  makeRunResult,
  markdownTables,
  meanStd,
  planJobs,
  probeRun,
  readAllResults,
  resolveBudget,
  runAction,
  selectRows,
  trainArgs,
} from './experiment.mjs';

const noProbe = () => ({ hasResults: false, summary: null, hasLastCheckpoint: false });

/** A fake `agcl eval` JSON whose class means are given (std 0.1 everywhere). */
function fakeEval(dice, step = 150) {
  const summary = {};
  const std = {};
  for (const [k, d] of Object.entries(dice)) {
    summary[k] = { dice: d, jaccard: d / (2 - d), hd95: 10 * (1 - d), asd: Number.NaN };
    std[k] = { dice: 0.1, jaccard: 0.1, hd95: 1, asd: Number.NaN };
  }
  return { step, cases: new Array(20).fill({}), summary, std };
}

function fakeResult(rowId, seed, budgetSpec, meanDice, extra = {}) {
  const row = ROWS.find((r) => r.id === rowId);
  return makeRunResult({
    row,
    seed,
    budget: resolveBudget(budgetSpec),
    evalJson: fakeEval({ RV: meanDice - 0.1, Myo: meanDice, LV: meanDice + 0.1, mean: meanDice }),
    summary: { status: 'completed', step: 200, steps: 200, seconds: 1200, backend: 'wasm' },
    valLines: [
      { step: 50, meanDice: meanDice - 0.2, dice: {} },
      { step: 100, meanDice, dice: {} },
      { step: 150, meanDice: Number.NaN, dice: {} },
    ],
    sittings: [],
    machine: { description: '2-core test CPU' },
    command: 'agcl train …',
    ...extra,
  });
}

describe('budgets', () => {
  it('reference is docs/method.md CPU run; a number is a labelled reduced budget; smoke is tiny', () => {
    const ref = resolveBudget('reference');
    expect(ref).toMatchObject({ name: 'reference', steps: 1500, valEvery: 200, size: 128, channels: '16,32,64,128,256', batch: 4, optimizer: 'sgd', lr: 0.01, reduced: false });
    expect(resolveBudget('1500').name).toBe('reference');
    const b = resolveBudget('200');
    expect(b).toMatchObject({ name: 'b200', steps: 200, valEvery: 50, size: 128, reduced: true });
    expect(b.description).toMatch(/^REDUCED budget: 200 iterations \(not 1500\)/);
    expect(resolveBudget('smoke')).toMatchObject({ steps: 3, valCases: 2, reduced: true });
    expect(() => resolveBudget('fast')).toThrow(/budget must be 'reference', 'smoke' or a positive number/);
    expect(() => resolveBudget('0')).toThrow(/positive number/);
  });
});

describe('planning and skipping', () => {
  it('selects rows by id and by group, in table order, and rejects unknown ids', () => {
    expect(selectRows('agcl-3p,sup-3p').map((r) => r.id)).toEqual(['sup-3p', 'agcl-3p']);
    expect(selectRows('ablations').map((r) => r.id)).toEqual(['agcl-3p-uniform', 'agcl-3p-no-intensity', 'agcl-3p-no-ag', 'agcl-3p-no-contrast']);
    expect(selectRows('7p').map((r) => r.id)).toEqual(['sup-7p', 'mt-7p', 'agcl-7p', 'agcl-strat-7p']);
    expect(selectRows('3p')).toHaveLength(10);
    expect(selectRows('diagnostics').map((r) => r.id)).toEqual(['agcl-strat-3p', 'agcl-strat-7p', 'agcl-s8-3p', 'sup-3p-sslaug']);
    expect(selectRows('main').map((r) => r.id)).toEqual(['sup-3p', 'mt-3p', 'agcl-3p', 'sup-7p', 'mt-7p', 'agcl-7p', 'full-70p']);
    expect(selectRows(undefined)).toHaveLength(ROWS.length);
    expect(() => selectRows('agcl-5p')).toThrow(/unknown row 'agcl-5p'/);
  });

  it('the issue list is covered: 3 and 7 patients for supervised, mean teacher, Semi-AGCL; full; four ablations', () => {
    const key = (r) => `${r.method}@${r.labeledPatients}`;
    const keys = new Set(ROWS.map(key));
    for (const m of ['supervised', 'mean-teacher', 'semi-agcl']) for (const n of [3, 7]) expect(keys.has(`${m}@${n}`)).toBe(true);
    expect(keys.has('full@70')).toBe(true);
    for (const a of ['uniform', 'no-intensity', 'no-ag', 'no-contrast']) expect(keys.has(`semi-agcl:${a}@3`)).toBe(true);
  });

  it('main rows get both seeds, ablations one; first seeds of every row come first', () => {
    const jobs = planJobs({ rows: selectRows('sup-3p,agcl-3p-no-ag'), budget: resolveBudget('200'), root: '/x', probe: noProbe });
    expect(jobs.map((j) => j.name)).toEqual(['sup-3p-seed1337', 'agcl-3p-no-ag-seed1337', 'sup-3p-seed2027']);
    expect(jobs[0].runDir).toBe(path.join('/x', 'runs', 'b200', 'sup-3p-seed1337'));
    expect(jobs[0].resultsFile).toBe(path.join('/x', 'results', 'b200', 'sup-3p-seed1337.json'));
  });

  it('decides done / evaluate / resume / train from what is on disk', () => {
    const budget = { steps: 200 };
    expect(runAction({ hasResults: true, summary: null, hasLastCheckpoint: false }, budget)).toBe('done');
    expect(runAction({ hasResults: false, summary: { status: 'completed', step: 200, steps: 200 }, hasLastCheckpoint: true }, budget)).toBe('evaluate');
    // completed at another budget's length, or interrupted: resume to this budget's steps
    expect(runAction({ hasResults: false, summary: { status: 'completed', step: 100, steps: 100 }, hasLastCheckpoint: true }, budget)).toBe('resume');
    expect(runAction({ hasResults: false, summary: { status: 'interrupted', step: 60, steps: 200 }, hasLastCheckpoint: true }, budget)).toBe('resume');
    expect(runAction({ hasResults: false, summary: null, hasLastCheckpoint: false }, budget)).toBe('train');
    // killed before its first checkpoint: the folder holds config.json, so the trainer is asked to resume
    expect(runAction({ hasResults: false, summary: null, hasLastCheckpoint: false, hasConfig: true }, budget)).toBe('resume');
  });

  it('probes a real folder layout and skips finished runs', () => {
    const root = path.join(os.tmpdir(), `acdc-plan-${process.pid}-${Date.now()}`);
    const budget = resolveBudget('200');
    const run = (name) => path.join(root, 'runs', 'b200', name);
    mkdirSync(path.join(run('sup-3p-seed1337'), 'checkpoints', 'last'), { recursive: true });
    writeFileSync(path.join(run('sup-3p-seed1337'), 'checkpoints', 'last', 'state.json'), '{}');
    writeFileSync(path.join(run('sup-3p-seed1337'), 'summary.json'), JSON.stringify({ status: 'completed', step: 200, steps: 200 }));
    mkdirSync(path.join(run('mt-3p-seed1337'), 'checkpoints', 'last'), { recursive: true });
    writeFileSync(path.join(run('mt-3p-seed1337'), 'checkpoints', 'last', 'state.json'), '{}');
    mkdirSync(path.join(root, 'results', 'b200'), { recursive: true });
    writeFileSync(path.join(root, 'results', 'b200', 'agcl-3p-seed1337.json'), '{}');
    const jobs = planJobs({ rows: selectRows('sup-3p,mt-3p,agcl-3p,agcl-strat-3p'), budget, seeds: [1337], root });
    expect(jobs.map((j) => [j.name, j.action])).toEqual([
      ['sup-3p-seed1337', 'evaluate'],
      ['mt-3p-seed1337', 'resume'],
      ['agcl-3p-seed1337', 'done'],
      ['agcl-strat-3p-seed1337', 'train'],
    ]);
    expect(probeRun(run('nothing'), path.join(root, 'none.json'))).toEqual({ hasResults: false, summary: null, hasLastCheckpoint: false, hasConfig: false });
  });

  it('builds the trainer command of a row at a budget', () => {
    const row = ROWS.find((r) => r.id === 'agcl-strat-3p');
    const args = trainArgs(row, 2027, resolveBudget('reference'), { dataDir: '/d', out: 'runs/reference/agcl-strat-3p-seed2027' });
    const flag = (f) => args[args.indexOf(f) + 1];
    expect(args[0]).toBe('train');
    expect([flag('--method'), flag('--labeled-patients'), flag('--steps'), flag('--val-every'), flag('--size'), flag('--channels')]).toEqual(['semi-agcl', '3', '1500', '200', '128', '16,32,64,128,256']);
    expect([flag('--optimizer'), flag('--lr'), flag('--batch'), flag('--seed'), flag('--sampler-draw')]).toEqual(['sgd', '0.01', '4', '2027', 'stratified']);
    expect(args).not.toContain('--val-cases');
    const sup = trainArgs(ROWS[0], 1337, resolveBudget('smoke'), { dataDir: '/d', out: 'o' });
    expect(sup).not.toContain('--sampler-draw');
    expect(flag('--patch-size')).toBe('16'); // explicit: the rows repeat whatever the trainer's defaults become
    const agcl = trainArgs(ROWS.find((r) => r.id === 'agcl-3p'), 1337, resolveBudget('reference'), { dataDir: '/d', out: 'o' });
    expect([agcl[agcl.indexOf('--sampler-draw') + 1], agcl[agcl.indexOf('--patch-size') + 1]]).toEqual(['pool', '16']);
    expect(sup[sup.indexOf('--val-cases') + 1]).toBe('2');
    // the teacher's forward mode is explicit for every method with a teacher, absent otherwise
    expect(flag('--teacher-forward')).toBe('train');
    expect(sup).not.toContain('--teacher-forward');
    const mt = trainArgs(ROWS.find((r) => r.id === 'mt-7p'), 1337, resolveBudget('reference'), { dataDir: '/d', out: 'o' });
    expect(mt[mt.indexOf('--teacher-forward') + 1]).toBe('train');
    const ablation = trainArgs(ROWS.find((r) => r.id === 'agcl-3p-no-ag'), 1337, resolveBudget('reference'), { dataDir: '/d', out: 'o' });
    expect(ablation[ablation.indexOf('--teacher-forward') + 1]).toBe('train');
    // every row trains by the benchmark's protocol (no re-estimation before validations); a row's own flags come last
    expect(sup).toContain('--no-recalibrate-bn');
    const s8 = trainArgs(ROWS.find((r) => r.id === 'agcl-s8-3p'), 1337, resolveBudget('reference'), { dataDir: '/d', out: 'o' });
    expect(s8[s8.indexOf('--patch-size') + 1]).toBe('8');
    expect(s8[s8.indexOf('--sampler-draw') + 1]).toBe('stratified');
    // the augmentation scheme is passed only where a row departs from the trainer's default
    expect(sup).not.toContain('--augment-scheme');
    const sslaug = trainArgs(ROWS.find((r) => r.id === 'sup-3p-sslaug'), 1337, resolveBudget('reference'), { dataDir: '/d', out: 'o' });
    expect(sslaug[sslaug.indexOf('--augment-scheme') + 1]).toBe('ssl4mis');
    expect(sslaug[sslaug.indexOf('--method') + 1]).toBe('supervised');
  });

  it('the default data folder: $AGCL_DATA_DIR/acdc, else ../shared/data/acdc beside the repository', () => {
    expect(defaultAcdcDir('/repo', { AGCL_DATA_DIR: '/data' })).toBe(path.join('/data', 'acdc'));
    expect(defaultAcdcDir('/x/repo', {})).toBe(path.join('/x', 'shared', 'data', 'acdc'));
  });
});

describe('aggregation', () => {
  it('mean and sample std (n - 1) over finite values', () => {
    const two = meanStd([0.5, 0.7]);
    expect(two.mean).toBeCloseTo(0.6, 12);
    expect(two.std).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(two.n).toBe(2);
    expect(meanStd([0.4, null, Number.NaN])).toEqual({ mean: 0.4, std: Number.NaN, n: 1 });
    expect(meanStd([]).n).toBe(0);
    expect(formatMeanStd({ mean: 0.61234, std: 0.01 })).toBe('0.612 ± 0.010');
    expect(formatMeanStd({ mean: 0.61234, std: Number.NaN })).toBe('0.612');
    expect(formatMeanStd({ mean: Number.NaN, std: Number.NaN })).toBe('-');
  });

  it('makes a run record: eval means, best training validation (NaN skipped), time', () => {
    const r = fakeResult('agcl-3p', 1337, '200', 0.5);
    expect(r.metrics.mean.dice).toEqual({ mean: 0.5, std: 0.1 });
    expect(r.metrics.RV.dice.mean).toBeCloseTo(0.4, 12);
    expect(r.metrics.mean.asd.mean).toBeNaN();
    expect(r.bestValidation).toEqual({ step: 100, meanDice: 0.5, dice: {} });
    expect(r.wallSeconds).toBe(1200); // no sittings recorded: the trainer's own time
    const withSittings = fakeResult('agcl-3p', 1337, '200', 0.5, { sittings: [{ seconds: 100 }, { seconds: 250 }] });
    expect(withSittings.wallSeconds).toBe(350);
    // A sitting killed mid-run keeps the time of its last heartbeat and counts.
    const sittings = closeStaleSittings([{ seconds: 650, status: 'running' }, { seconds: 1700, status: 'finished' }]);
    expect(sittings.map((s) => s.status)).toEqual(['interrupted', 'finished']);
    expect(fakeResult('agcl-3p', 1337, '200', 0.5, { sittings }).wallSeconds).toBe(2350);
    expect(r.budget).toBe('b200');
    expect(r.checkpointStep).toBe(150);
  });

  it('groups by budget and row, averages over seeds, keeps table order, survives a JSON round trip', () => {
    const results = [
      fakeResult('agcl-3p', 2027, '200', 0.6),
      fakeResult('sup-3p', 1337, '200', 0.3),
      fakeResult('agcl-3p', 1337, '200', 0.5),
      fakeResult('sup-3p', 1337, 'reference', 0.45),
    ].map((r) => JSON.parse(JSON.stringify(r))); // NaN -> null, as read back from disk
    const agg = aggregate(results);
    expect(agg.map((a) => [a.budget, a.row, a.seeds])).toEqual([
      ['reference', 'sup-3p', [1337]],
      ['b200', 'sup-3p', [1337]],
      ['b200', 'agcl-3p', [1337, 2027]],
    ]);
    const agcl = agg[2];
    expect(agcl.metrics.mean.dice.mean).toBeCloseTo(0.55, 12);
    expect(agcl.metrics.mean.dice.std).toBeCloseTo(Math.sqrt(((0.05 ** 2) * 2) / 1), 12);
    expect(agcl.metrics.LV.dice.mean).toBeCloseTo(0.65, 12);
    // HD95 = 10 (1 - d): mean over the two seeds of 5 and 4
    expect(agcl.metrics.mean.hd95.mean).toBeCloseTo(4.5, 12);
    expect(agcl.metrics.mean.asd.n).toBe(0);
    expect(agcl.bestValidationDice.mean).toBeCloseTo(0.55, 12);
  });

  it('renders one Markdown table per budget with the reduced-budget label, and the benchmark figures', () => {
    const md = markdownTables(aggregate([fakeResult('sup-3p', 1337, '200', 0.3), fakeResult('agcl-3p', 1337, '200', 0.5), fakeResult('agcl-3p', 2027, '200', 0.6)]));
    expect(md).toContain('## Budget `b200`');
    expect(md).toContain('REDUCED budget: 200 iterations (not 1500)');
    const lines = md.split('\n');
    const sup = lines.find((l) => l.startsWith('| sup-3p '));
    expect(sup).toContain('| 0.200 | 0.300 | 0.400 | **0.300** |');
    const agcl = lines.find((l) => l.startsWith('| agcl-3p '));
    expect(agcl).toContain('| 1337, 2027 |');
    expect(agcl).toContain(`**0.550 ± ${Math.sqrt(0.005).toFixed(3)}**`);
    expect(lines.indexOf(sup)).toBeLessThan(lines.indexOf(agcl));
    expect(md).toContain('| labeled-only, 3 patients | 0.481 (800) |');
    expect(markdownTables([])).toContain('No finished runs yet.');
  });

  it('keeps the BN-re-estimated evaluation of the last checkpoint and shows it as its own column', () => {
    const recal = (d) => ({ recalibratedJson: fakeEval({ RV: d - 0.2, Myo: d, LV: d + 0.2, mean: d }, 1500) });
    const runs = [fakeResult('sup-3p', 1337, 'reference', 0.1, recal(0.5)), fakeResult('sup-3p', 2027, 'reference', 0.2, recal(0.4)), fakeResult('mt-3p', 1337, 'reference', 0.1)];
    expect(runs[0].recalibrated).toEqual({ checkpoint: 'last', checkpointStep: 1500, metrics: expect.any(Object) });
    expect(runs[0].recalibrated.metrics.LV.dice.mean).toBeCloseTo(0.7, 12);
    expect(runs[2].recalibrated).toBeNull();
    const [sup, mt] = aggregate(runs);
    expect(sup.recalibratedDice.mean.mean).toBeCloseTo(0.45, 12);
    expect(sup.recalibratedDice.mean.std).toBeCloseTo(Math.sqrt(0.005), 12);
    const lines = markdownTables([sup, mt]).split('\n');
    expect(lines.find((l) => l.startsWith('| sup-3p '))).toContain(`| **0.450 ± ${Math.sqrt(0.005).toFixed(3)}** (0.250 ± 0.071 / 0.450 ± 0.071 / 0.650 ± 0.071) |`);
    expect(lines.find((l) => l.startsWith('| mt-3p '))).toMatch(/\| - \| \d+ min \|$/);
  });

  it('reads results/<budget>/*.json back', () => {
    const dir = path.join(os.tmpdir(), `acdc-results-${process.pid}-${Date.now()}`);
    mkdirSync(path.join(dir, 'b200'), { recursive: true });
    writeFileSync(path.join(dir, 'b200', 'sup-3p-seed1337.json'), JSON.stringify(fakeResult('sup-3p', 1337, '200', 0.3)));
    writeFileSync(path.join(dir, 'summary.json'), '{}'); // top-level files are not run results
    const back = readAllResults(dir);
    expect(back).toHaveLength(1);
    expect(back[0].row).toBe('sup-3p');
    expect(readAllResults(path.join(dir, 'missing'))).toEqual([]);
  });
});
