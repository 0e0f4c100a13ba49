// Planning, skipping and aggregation of the ACDC experiment (pure functions; run.mjs does the I/O).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The rows of the experiment table. `main` rows get every seed of `MAIN_SEEDS`, the others the
 * first seed only. `diagnostic` rows (not ablations, not main, not part of the table) test
 * a cause of a discrepancy or a variant of our own: `samplerDraw: 'stratified'` (see README.md, "The
 * contrastive term on ACDC"), `augmentScheme: 'ssl4mis'` (SSL4MIS's augmentation; see README.md,
 * "Why the running statistics fail"); every other row uses the trainer's defaults of docs/method.md.
 * @type {ReadonlyArray<{ id: string, method: string, labeledPatients: number, main: boolean, diagnostic?: boolean, label: string, samplerDraw?: 'pool' | 'stratified', patchSize?: number, augmentScheme?: 'agcl' | 'ssl4mis', flags?: string[] }>}
 */
export const ROWS = Object.freeze([
  { id: 'sup-3p', method: 'supervised', labeledPatients: 3, main: true, label: 'U-Net, labeled only' },
  { id: 'mt-3p', method: 'mean-teacher', labeledPatients: 3, main: true, label: 'mean teacher' },
  { id: 'agcl-3p', method: 'semi-agcl', labeledPatients: 3, main: true, label: 'Semi-AGCL' },
  { id: 'sup-7p', method: 'supervised', labeledPatients: 7, main: true, label: 'U-Net, labeled only' },
  { id: 'mt-7p', method: 'mean-teacher', labeledPatients: 7, main: true, label: 'mean teacher' },
  { id: 'agcl-7p', method: 'semi-agcl', labeledPatients: 7, main: true, label: 'Semi-AGCL' },
  { id: 'full-70p', method: 'full', labeledPatients: 70, main: true, label: 'U-Net, all 70 patients labeled' },
  { id: 'agcl-3p-uniform', method: 'semi-agcl:uniform', labeledPatients: 3, main: false, label: 'ablation: uniform patch sampling' },
  { id: 'agcl-3p-no-intensity', method: 'semi-agcl:no-intensity', labeledPatients: 3, main: false, label: 'ablation: no intensity term (beta 0)' },
  { id: 'agcl-3p-no-ag', method: 'semi-agcl:no-ag', labeledPatients: 3, main: false, label: 'ablation: no affinity-graph loss' },
  { id: 'agcl-3p-no-contrast', method: 'semi-agcl:no-contrast', labeledPatients: 3, main: false, label: 'ablation: no patch contrastive loss' },
  { id: 'agcl-strat-3p', method: 'semi-agcl', labeledPatients: 3, main: false, diagnostic: true, label: 'variant: Semi-AGCL, stratified patch draw', samplerDraw: 'stratified' },
  { id: 'agcl-strat-7p', method: 'semi-agcl', labeledPatients: 7, main: false, diagnostic: true, label: 'variant: Semi-AGCL, stratified patch draw', samplerDraw: 'stratified' },
  { id: 'agcl-s8-3p', method: 'semi-agcl', labeledPatients: 3, main: false, diagnostic: true, label: 'candidate: Semi-AGCL, stratified draw, 8-pixel patches', samplerDraw: 'stratified', patchSize: 8 },
  { id: 'sup-3p-sslaug', method: 'supervised', labeledPatients: 3, main: false, diagnostic: true, label: "diagnostic: labeled only with SSL4MIS's augmentation", augmentScheme: 'ssl4mis' },
]);

/** Seeds of the main rows (the ablations use the first). */
export const MAIN_SEEDS = Object.freeze([1337, 2027]);

/** The classes of ACDC and the metrics reported. */
export const CLASSES = Object.freeze(['RV', 'Myo', 'LV']);
export const METRICS = Object.freeze(['dice', 'jaccard', 'hd95', 'asd']);

/** Network and optimisation shared by every budget but `smoke` (docs/method.md, "A reference run at a CPU budget"). */
const REFERENCE_NETWORK = Object.freeze({ size: 128, channels: '16,32,64,128,256', embeddingDim: 64, batch: 4, optimizer: 'sgd', lr: 0.01 });

/**
 * Resolves a budget: `reference` (1500 iterations, validation every 200), `smoke` (3 steps of a tiny
 * network at 64x64 on 2 validation volumes: checks the plumbing, its numbers mean nothing), or a number
 * of iterations N (the reference network and optimiser, poly decay over N, validation every round(N/4): validating
 * the 20 volumes costs about as much as 10-30 training steps on a busy 2-core machine).
 * @param {string | number} spec
 * @returns {{ name: string, steps: number, valEvery: number, valCases: number | null, size: number, channels: string, embeddingDim: number, batch: number, optimizer: string, lr: number, reduced: boolean, description: string }}
 */
export function resolveBudget(spec) {
  const s = String(spec ?? 'reference').trim();
  if (s === 'reference' || s === '1500') {
    return { name: 'reference', ...REFERENCE_NETWORK, steps: 1500, valEvery: 200, valCases: null, reduced: false, description: 'reference budget: 128x128, U-Net 16-32-64-128-256, 1500 iterations, batch 4 labeled (+4 unlabeled), SGD 0.01 poly decay, validation every 200 iterations, best checkpoint by mean validation Dice' };
  }
  if (s === 'smoke') {
    return { name: 'smoke', size: 64, channels: '8,16,32,64', embeddingDim: 16, batch: 2, optimizer: 'sgd', lr: 0.01, steps: 3, valEvery: 3, valCases: 2, reduced: true, description: 'smoke budget: 64x64, U-Net 8-16-32-64, 3 iterations, batch 2, 2 validation volumes (plumbing only; the numbers mean nothing)' };
  }
  if (!/^\d+$/.test(s) || Number(s) < 1) {
    throw new Error(`resolveBudget: budget must be 'reference', 'smoke' or a positive number of iterations; got '${s}'`);
  }
  const steps = Number(s);
  const valEvery = Math.max(1, Math.round(steps / 4));
  return { name: `b${steps}`, ...REFERENCE_NETWORK, steps, valEvery, valCases: null, reduced: true, description: `REDUCED budget: ${steps} iterations (not 1500) at 128x128, U-Net 16-32-64-128-256, batch 4 labeled (+4 unlabeled), SGD 0.01 poly decay over ${steps} iterations, validation every ${valEvery}, best checkpoint by mean validation Dice` };
}

/** Name of one run: `<row>-seed<seed>`. */
export function runName(rowId, seed) {
  return `${rowId}-seed${seed}`;
}

/**
 * Selects rows by `--only` (comma-separated row ids, or `main`, `ablations`, `diagnostics`, `3p`, `7p`); all when empty.
 * @param {string | undefined} only
 */
export function selectRows(only) {
  if (!only) return [...ROWS];
  const wanted = only.split(',').map((s) => s.trim()).filter(Boolean);
  const out = [];
  for (const w of wanted) {
    const matches =
      w === 'main' ? ROWS.filter((r) => r.main)
      : w === 'ablations' ? ROWS.filter((r) => !r.main && !r.diagnostic)
      : w === 'diagnostics' ? ROWS.filter((r) => r.diagnostic)
      : /^\d+p$/.test(w) ? ROWS.filter((r) => r.id.endsWith(`-${w}`) || r.id.includes(`-${w}-`))
      : ROWS.filter((r) => r.id === w);
    if (matches.length === 0) throw new Error(`--only: unknown row '${w}' (rows: ${ROWS.map((r) => r.id).join(', ')}; or main, ablations, diagnostics, 3p, 7p)`);
    for (const m of matches) if (!out.includes(m)) out.push(m);
  }
  return ROWS.filter((r) => out.includes(r));
}

/** The `agcl train` arguments of one run. */
export function trainArgs(row, seed, budget, { dataDir, out }) {
  const args = [
    'train', '--backend', 'wasm', '--threads', '1',
    '--dataset', 'acdc', '--data-dir', dataDir,
    '--labeled-patients', String(row.labeledPatients), '--method', row.method,
    '--size', String(budget.size), '--channels', budget.channels, '--embedding-dim', String(budget.embeddingDim),
    '--optimizer', budget.optimizer, '--lr', String(budget.lr), '--batch', String(budget.batch),
    '--steps', String(budget.steps), '--val-every', String(budget.valEvery), '--log-every', '10',
    '--seed', String(seed), '--no-report', '--out', out,
    // the benchmark's protocol: running statistics as training left them (the second column re-estimates them)
    '--no-recalibrate-bn',
  ];
  if (budget.valCases !== null) args.push('--val-cases', String(budget.valCases));
  // The patch draw and size are explicit, so that a row repeats whatever the trainer's defaults become
  // (every row before the candidates ran the pool draw with 16-pixel patches at 128 x 128).
  if (row.method.startsWith('semi-agcl')) args.push('--sampler-draw', row.samplerDraw ?? 'pool', '--patch-size', String(row.patchSize ?? budget.size / 8));
  if (row.augmentScheme && row.augmentScheme !== 'agcl') args.push('--augment-scheme', row.augmentScheme);
  if (row.method === 'mean-teacher' || row.method.startsWith('semi-agcl')) args.push('--teacher-forward', row.teacherForward ?? 'train');
  if (row.flags) args.push(...row.flags);
  return args;
}

/**
 * What to do with one run, from its run folder and its results file:
 * `done` (results JSON exists), `evaluate` (training completed at this budget's steps),
 * `resume` (a `last` checkpoint or the run's config.json exists: the trainer refuses to start a new run
 * in a used folder, and resumes one killed before its first checkpoint from step 0), `train` (nothing yet).
 * @param {{ hasResults: boolean, summary: null | { status?: string, steps?: number, step?: number }, hasLastCheckpoint: boolean, hasConfig?: boolean }} probe
 * @param {{ steps: number }} budget
 */
export function runAction(probe, budget) {
  if (probe.hasResults) return 'done';
  const s = probe.summary;
  if (s && s.status === 'completed' && s.steps === budget.steps && s.step === budget.steps) return 'evaluate';
  if (probe.hasLastCheckpoint || probe.hasConfig) return 'resume';
  return 'train';
}

/** Reads what {@link runAction} needs from disk. */
export function probeRun(runDir, resultsFile) {
  const summaryFile = path.join(runDir, 'summary.json');
  let summary = null;
  if (existsSync(summaryFile)) {
    try {
      summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    } catch {
      summary = null;
    }
  }
  return {
    hasResults: existsSync(resultsFile),
    summary,
    hasLastCheckpoint: existsSync(path.join(runDir, 'checkpoints', 'last', 'state.json')),
    hasConfig: existsSync(path.join(runDir, 'config.json')),
  };
}

/**
 * The jobs of a sitting, in table order (3-patient rows first, main rows with every seed).
 * @param {{ rows: ReturnType<typeof selectRows>, budget: ReturnType<typeof resolveBudget>, seeds?: number[], root: string, probe?: (runDir: string, resultsFile: string) => ReturnType<typeof probeRun> }} options
 */
export function planJobs({ rows, budget, seeds = [...MAIN_SEEDS], root, probe = probeRun }) {
  const jobs = [];
  // Every row's first seed before any second seed: a short sitting fills the table across rows first.
  const maxSeeds = Math.max(...rows.map((r) => (r.main ? seeds.length : 1)));
  for (let k = 0; k < maxSeeds; k++) {
    for (const row of rows) {
      const rowSeeds = row.main ? seeds : seeds.slice(0, 1);
      if (k >= rowSeeds.length) continue;
      const seed = rowSeeds[k];
      const name = runName(row.id, seed);
      const runDir = path.join(root, 'runs', budget.name, name);
      const resultsFile = path.join(root, 'results', budget.name, `${name}.json`);
      const action = runAction(probe(runDir, resultsFile), budget);
      jobs.push({ row, seed, name, runDir, resultsFile, action });
    }
  }
  return jobs;
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN);

/** Mean and sample standard deviation (n - 1) of the finite values; std is NaN for fewer than 2. */
export function meanStd(values) {
  const ok = values.map(num).filter((v) => Number.isFinite(v));
  if (ok.length === 0) return { mean: Number.NaN, std: Number.NaN, n: 0 };
  const mean = ok.reduce((a, b) => a + b, 0) / ok.length;
  const std = ok.length < 2 ? Number.NaN : Math.sqrt(ok.reduce((a, b) => a + (b - mean) ** 2, 0) / (ok.length - 1));
  return { mean, std, n: ok.length };
}

/**
 * Builds one run's results record from its `agcl eval` JSON (`eval/best-val.json`), `summary.json`,
 * `val.jsonl` lines and the runner's sittings.
 */
/** Per class and mean, each metric's mean and std over the volumes of an `agcl eval` JSON. */
export function evalMetrics(evalJson) {
  const metrics = {};
  for (const key of [...CLASSES, 'mean']) {
    metrics[key] = {};
    for (const m of METRICS) metrics[key][m] = { mean: num(evalJson.summary?.[key]?.[m]), std: num(evalJson.std?.[key]?.[m]) };
  }
  return metrics;
}

/**
 * The `recalibrated` part of a run result from `agcl eval --checkpoint last --recalibrate-bn`: the last
 * checkpoint with its batch-norm statistics re-estimated without dropout on the labeled training images
 * (no validation data involved, no checkpoint selection).
 */
export function recalibratedResult(evalJson) {
  return { checkpoint: 'last', checkpointStep: evalJson.step ?? null, metrics: evalMetrics(evalJson) };
}

/**
 * A sitting the runner was recording when its process died (e.g. killed at the end of a session) is
 * still marked `running`; its `seconds` hold the last heartbeat. Mark such sittings `interrupted` so
 * that their time counts and they are told apart from the sitting now starting.
 * @param {ReadonlyArray<{ status?: string, seconds?: number | null }>} sittings
 */
export function closeStaleSittings(sittings) {
  return sittings.map((s) => (s.status === 'running' ? { ...s, status: 'interrupted' } : s));
}

export function makeRunResult({ row, seed, budget, evalJson, summary, valLines, sittings, machine, command, recalibratedJson = null, teacherForward = null }) {
  const metrics = evalMetrics(evalJson);
  let bestVal = null;
  for (const v of valLines) if (!bestVal || num(v.meanDice) > num(bestVal.meanDice)) bestVal = v;
  const sittingSeconds = sittings.reduce((a, s) => a + (s.seconds ?? 0), 0);
  return {
    row: row.id,
    label: row.label,
    method: row.method,
    labeledPatients: row.labeledPatients,
    samplerDraw: row.samplerDraw ?? 'pool',
    teacherForward,
    seed,
    budget: budget.name,
    budgetDescription: budget.description,
    steps: summary?.step ?? null,
    checkpoint: 'best',
    checkpointStep: evalJson.step ?? null,
    volumes: Array.isArray(evalJson.cases) ? evalJson.cases.length : null,
    bestValidation: bestVal ? { step: bestVal.step, meanDice: num(bestVal.meanDice), dice: bestVal.dice } : null,
    metrics,
    recalibrated: recalibratedJson ? recalibratedResult(recalibratedJson) : null,
    wallSeconds: sittings.length ? sittingSeconds : num(summary?.seconds),
    sittings,
    machine,
    backend: summary?.backend ?? null,
    command,
  };
}

/**
 * Aggregates run results per (budget, row): mean and spread over seeds of each class's metric (each
 * run's value is its mean over the validation volumes), of the training-time best validation Dice,
 * and of the wall time.
 */
export function aggregate(results) {
  const groups = new Map();
  for (const r of results) {
    const key = `${r.budget}\u0000${r.row}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const order = (id) => {
    const i = ROWS.findIndex((row) => row.id === id);
    return i < 0 ? ROWS.length : i;
  };
  const out = [];
  for (const runs of groups.values()) {
    runs.sort((a, b) => a.seed - b.seed);
    const first = runs[0];
    const metrics = {};
    for (const key of [...CLASSES, 'mean']) {
      metrics[key] = {};
      for (const m of METRICS) metrics[key][m] = meanStd(runs.map((r) => r.metrics?.[key]?.[m]?.mean));
    }
    out.push({
      budget: first.budget,
      budgetDescription: first.budgetDescription,
      row: first.row,
      label: first.label,
      method: first.method,
      labeledPatients: first.labeledPatients,
      samplerDraw: first.samplerDraw,
      seeds: runs.map((r) => r.seed),
      metrics,
      bestValidationDice: meanStd(runs.map((r) => r.bestValidation?.meanDice)),
      recalibratedDice: Object.fromEntries([...CLASSES, 'mean'].map((k) => [k, meanStd(runs.map((r) => r.recalibrated?.metrics?.[k]?.dice?.mean))])),
      wallSeconds: meanStd(runs.map((r) => r.wallSeconds)),
      machines: [...new Set(runs.map((r) => r.machine?.description).filter(Boolean))],
    });
  }
  const budgetOrder = (b) => (b === 'reference' ? 0 : b === 'smoke' ? 2e9 : Number(b.slice(1)) || 1e9);
  out.sort((a, b) => budgetOrder(a.budget) - budgetOrder(b.budget) || order(a.row) - order(b.row));
  return out;
}

/** `mean ± std` with `digits` decimals; `-` for NaN; the std left out with one seed. */
export function formatMeanStd(ms, digits = 3, scale = 1) {
  if (!ms || !Number.isFinite(ms.mean)) return '-';
  const m = (ms.mean * scale).toFixed(digits);
  return Number.isFinite(ms.std) ? `${m} ± ${(ms.std * scale).toFixed(digits)}` : m;
}

function formatMinutes(ms) {
  if (!ms || !Number.isFinite(ms.mean)) return '-';
  return `${(ms.mean / 60).toFixed(0)} min`;
}

/** Published and benchmark figures (docs/method.md) shown beside the table; mean Dice. */
export const REFERENCE_FIGURES = Object.freeze({
  benchmark: [
    { run: 'labeled-only, 3 patients', dice: 0.481, iteration: 800 },
    { run: 'mean teacher, 3 patients', dice: 0.413, iteration: 800 },
    { run: 'labeled-only, 7 patients', dice: 0.711, iteration: 1200 },
    { run: 'mean teacher, 7 patients', dice: 0.654, iteration: 1200 },
  ],
});

/**
 * The Markdown of results/README.md from aggregated rows: one section per budget with the Dice of
 * each class and the mean, Jaccard, HD95 and ASD (mean over classes), all as mean ± std over seeds.
 */
export function markdownTables(aggregated, { generatedAt = null } = {}) {
  const lines = ['# ACDC results', ''];
  lines.push(
    'Generated by `node experiments/acdc/run.mjs table` from the JSON files beside this file; do not edit by hand.',
    'Evaluation: `agcl eval` of the best checkpoint (by mean validation Dice during training) on the 20 validation volumes',
    '(10 patients x ED/ES), 3D metrics per volume (HD95 and ASD in mm); each run\'s value is the mean over the volumes; the table gives',
    'mean ± sample std over seeds (no ± with one seed). "best val Dice" is the training-time validation figure, the one',
    'the SSL4MIS CPU benchmark of docs/method.md reports. "BN re-estimated" evaluates the last checkpoint after',
    're-estimating its batch-norm statistics without dropout on the labeled training images (`agcl eval --checkpoint last',
    '--recalibrate-bn`; no validation data and no checkpoint selection involved): the SSL4MIS U-Net\'s dropout in front of batch',
    'norm leaves the running statistics off (see experiments/acdc/README.md).',
    '',
  );
  if (generatedAt) lines.push(`Last regenerated: ${generatedAt}.`, '');
  if (aggregated.length === 0) {
    lines.push('No finished runs yet.', '');
    return lines.join('\n');
  }
  const budgets = [...new Set(aggregated.map((a) => a.budget))];
  for (const b of budgets) {
    const rows = aggregated.filter((a) => a.budget === b);
    lines.push(`## Budget \`${b}\``, '', rows[0].budgetDescription, '');
    lines.push('| row | method | labeled patients | seeds | Dice RV | Dice Myo | Dice LV | Dice mean | Jaccard mean | HD95 mean (mm) | ASD mean (mm) | best val Dice | Dice mean, last, BN re-estimated (RV / Myo / LV) | time per run |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const a of rows) {
      const rc = a.recalibratedDice;
      const recal = rc && Number.isFinite(rc.mean.mean)
        ? `**${formatMeanStd(rc.mean)}** (${formatMeanStd(rc.RV)} / ${formatMeanStd(rc.Myo)} / ${formatMeanStd(rc.LV)})`
        : '-';
      lines.push(
        `| ${a.row} | ${a.label} | ${a.labeledPatients} | ${a.seeds.join(', ')} | ${formatMeanStd(a.metrics.RV.dice)} | ${formatMeanStd(a.metrics.Myo.dice)} | ${formatMeanStd(a.metrics.LV.dice)} | **${formatMeanStd(a.metrics.mean.dice)}** | ${formatMeanStd(a.metrics.mean.jaccard)} | ${formatMeanStd(a.metrics.mean.hd95, 2)} | ${formatMeanStd(a.metrics.mean.asd, 2)} | ${formatMeanStd(a.bestValidationDice)} | ${recal} | ${formatMinutes(a.wallSeconds)} |`,
      );
    }
    const machines = [...new Set(rows.flatMap((a) => a.machines))];
    if (machines.length) lines.push('', `Machine: ${machines.join('; ')}.`);
    lines.push('');
  }
  lines.push(
    '## Figures to compare with (docs/method.md)',
    '',
    'The public SSL4MIS code on 2 CPU cores at the reference budget, best mean validation Dice (iteration):',
    '',
    '| run | best validation Dice |',
    '| --- | --- |',
    ...REFERENCE_FIGURES.benchmark.map((r) => `| ${r.run} | ${r.dice.toFixed(3)} (${r.iteration}) |`),
    '',
    'Only rows of the `reference` budget are comparable with these figures.',
    '',
  );
  return lines.join('\n');
}

/** Reads every results/<budget>/<run>.json under `resultsDir`. */
export function readAllResults(resultsDir) {
  if (!existsSync(resultsDir)) return [];
  const out = [];
  for (const b of readdirSync(resultsDir, { withFileTypes: true })) {
    if (!b.isDirectory()) continue;
    for (const f of readdirSync(path.join(resultsDir, b.name))) {
      if (!f.endsWith('.json')) continue;
      out.push(JSON.parse(readFileSync(path.join(resultsDir, b.name, f), 'utf8')));
    }
  }
  return out;
}

/**
 * The ACDC folder used when no `--data-dir` is given: `$AGCL_DATA_DIR/acdc` when AGCL_DATA_DIR (the
 * shared data folder, as for the packages' real-data tests) is set, else `../shared/data/acdc` beside
 * the repository.
 */
export function defaultAcdcDir(repoRoot, env = process.env) {
  return env.AGCL_DATA_DIR ? path.join(env.AGCL_DATA_DIR, 'acdc') : path.resolve(repoRoot, '../shared/data/acdc');
}
