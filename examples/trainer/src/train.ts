import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, formatBackendReport, type BackendReport } from '@agcl/backend';
import { UNet } from '@agcl/unet';
import { createOptimizer, NonFiniteLossError, polyLearningRate, type OptimizerHandle } from '@agcl/mean-teacher';
import { SemiAgcl, fit, type FitStepRecord, type PatchDiagnostics, type SemiAgclSetup, type StepBatch } from '@agcl/semi-agcl';
import {
  DEFAULT_CONFIG,
  migrateLegacyConfig,
  parseConfigInput,
  resolveConfig,
  resolvedLearningRate,
  usesPatches,
  usesTeacher,
  type TrainConfig,
  type TrainConfigInput,
} from './config';
import { loadCheckpoint, recoverCheckpoint, saveCheckpoint, readCheckpointState, type CheckpointState } from './checkpoint';
import { evaluateVolumes, formatEvaluationTable, type EvaluationResult } from './evaluation';
import { drawBatch } from './make-batch';
import { createProgressReporter, formatDiagnostics, formatDuration, type ProgressReporter } from './progress';
import { RUN_ENTRIES, appendJsonl, defaultRunFolder, describeFsError, existingRunFiles, readJson, runPaths, truncateJsonl, writeJsonAtomic, type RunSwitches } from './run-folder';
import { loadTrainingData, type TrainingData } from './training-data';
import { recalibrateOnLabeled } from './recalibrate';
import { semiAgclOptionsOf } from './semi-options';
import { UsageError } from './usage-error';
import { writeReport } from './report';

/** Options of {@link train}. */
export interface TrainOptions {
  /** Options (validated with the config schema); missing ones take the defaults. */
  config?: TrainConfigInput;
  /** Continue the run in this folder from its last checkpoint (its config.json is used; `config` may only change steps, valEvery, logEvery, backend, threads). */
  resume?: string;
  /** Replace the run already in `config.out` (its files are removed once the new run's config and data are validated). Default false: such a folder is refused. */
  overwrite?: boolean;
  /** Print nothing (tests). Default false. */
  quiet?: boolean;
  /** Where messages and progress go. Default process.stdout. */
  stream?: NodeJS.WriteStream;
  /** Stop (as after Ctrl-C: finish the step, save last) once this many steps have run in this call. Test hook. */
  stopAfterSteps?: number;
  /** Stop (as after Ctrl-C) when this signal aborts. */
  signal?: AbortSignal;
  /** Install a SIGINT handler (Ctrl-C finishes the step, saves last, exits cleanly). Default false; the CLI sets it. */
  handleSigint?: boolean;
  /** Write report.html / report.md at the end. Default true for a new run; a resumed run keeps its own (`run.json`). */
  report?: boolean;
  /** Skip backend initialisation (the caller already did it). Default false. */
  skipBackendInit?: boolean;
  /** A patch sampler or extra loss terms of the caller's, passed to the `SemiAgcl` step (tests, experiments). */
  stepHooks?: Pick<SemiAgclSetup, 'sampler' | 'extraTerms'>;
}

/** How a training call ended and where its outputs are. */
export interface TrainResult {
  runDir: string;
  config: TrainConfig;
  /** Completed steps (the step count of the last checkpoint on a clean stop). */
  step: number;
  status: 'completed' | 'interrupted' | 'non-finite';
  /** Last validation (null when none ran in this call). */
  lastValidation: EvaluationResult | null;
  best: { dice: number; step: number } | null;
  /** For status 'non-finite': the error. */
  error?: NonFiniteLossError;
  /** Wall-clock seconds of this call. */
  seconds: number;
  backend: BackendReport | null;
}

/** One line of metrics.jsonl. */
export interface StepRecord {
  step: number;
  loss: number;
  terms: Record<string, number>;
  lr: number;
  rampup: number;
  patches: number;
  seconds: number;
  /** Patch diagnostics of the step (methods with patches): see `PatchDiagnostics` of `@agcl/semi-agcl`. */
  diagnostics?: PatchDiagnostics;
}

/** One line of val.jsonl. */
export interface ValRecord {
  step: number;
  meanDice: number;
  dice: Record<string, number>;
  seconds: number;
  /** With `recalibrateBn`: the labeled images the batch-norm statistics were re-estimated on. */
  recalibratedOn?: number;
}

/** With `recalibrateBn`, the most labeled images the statistics are re-estimated on before a validation. */
const RECALIBRATION_IMAGES = 256;

const RESUME_CHANGEABLE = new Set(['steps', 'valEvery', 'logEvery', 'backend', 'threads', 'out', 'valCases']);

function defaultDropout(levels: number): number[] {
  const base = [0.05, 0.1, 0.2, 0.3, 0.5];
  return Array.from({ length: levels }, (_, i) => base[Math.min(i, base.length - 1)] ?? 0.5);
}

/** The U-Net a configuration describes. */
export function buildStudent(config: TrainConfig, channels: number, numClasses: number): UNet {
  return new UNet({
    inChannels: channels,
    numClasses,
    channels: config.channels,
    dropout: defaultDropout(config.channels.length),
    projection: usesPatches(config.method) ? { dim: config.embeddingDim, hidden: config.embeddingDim } : false,
    init: config.init ?? 'pytorch',
    seed: config.seed,
  });
}

type Say = (line: string) => void;

/** The configuration of a new run, or of the run being resumed with its checkpoint state. */
interface RunSetup {
  config: TrainConfig;
  runDir: string;
  /** The state of `checkpoints/last` to continue from; null for a new run, or a resumed one that had saved none yet. */
  resumeState: CheckpointState | null;
  resumed: boolean;
  /** Write the report at the end (`--no-report`, kept in run.json). */
  report: boolean;
}

/**
 * Checks `--out` of a new run before anything is read or written: not a file, not inside a file, and
 * not a folder that already holds a run (config.json, metrics.jsonl or checkpoints/) unless `overwrite`.
 */
function checkOutFolder(out: string, overwrite: boolean): void {
  const isFolder = (p: string): boolean | null => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return null; // missing, or below a file (ENOTDIR)
    }
  };
  const here = isFolder(out);
  if (here === false) throw new UsageError(`--out ${out}: is a file, not a folder`);
  if (here === null) {
    let up = path.dirname(path.resolve(out));
    while (isFolder(up) === null && path.dirname(up) !== up) up = path.dirname(up);
    if (isFolder(up) === false) throw new UsageError(`--out ${out}: ${up} is a file, not a folder`);
    return;
  }
  const held = existingRunFiles(out);
  if (held.length && !overwrite) {
    throw new UsageError(`--out ${out}: the folder already holds a run (${held.join(', ')}); pass --resume ${out} to continue it or --overwrite to replace it`);
  }
}

/** Validates the options; for `--resume`, reads the run folder's config and checkpoint state. */
function openRun(options: TrainOptions, say: Say): RunSetup {
  const given = options.config ? parseConfigInput(options.config, 'config') : {};
  if (options.resume && options.overwrite) throw new UsageError('--resume and --overwrite exclude each other: --resume continues the run, --overwrite replaces it');
  if (!options.resume) {
    const config = resolveConfig(given);
    config.out = config.out ?? defaultRunFolder(config.method);
    checkOutFolder(config.out, options.overwrite === true);
    return { config, runDir: config.out, resumeState: null, resumed: false, report: options.report ?? true };
  }
  const runDir = options.resume;
  const paths = runPaths(runDir);
  if (!existsSync(paths.config)) throw new UsageError(`--resume ${runDir}: not a run folder (missing config.json)`);
  const { config: stored, renamed } = migrateLegacyConfig(readJson(paths.config) as Record<string, unknown>);
  if (renamed.length) say(`${paths.config}: renamed option${renamed.length > 1 ? 's' : ''} ${renamed.join(', ')}`);
  const saved = parseConfigInput(stored, paths.config);
  // Runs started before --teacher-forward existed ran their teacher in inference mode: keep that.
  if (saved.teacherForward === undefined) {
    saved.teacherForward = 'eval';
    if (usesTeacher(saved.method ?? DEFAULT_CONFIG.method)) say(`${paths.config} has no teacherForward: resuming with 'eval', the mode the run started with`);
  }
  const changed = Object.keys(given).filter((k) => !RESUME_CHANGEABLE.has(k) && JSON.stringify((given as Record<string, unknown>)[k]) !== JSON.stringify((saved as Record<string, unknown>)[k]));
  if (changed.length) {
    throw new UsageError(`--resume: option${changed.length > 1 ? 's' : ''} ${changed.join(', ')} cannot change when resuming (only ${[...RESUME_CHANGEABLE].join(', ')})`);
  }
  const config = resolveConfig(saved, given, { out: runDir });
  // a process killed while writing a checkpoint leaves it beside its folder: put it back
  for (const dir of [paths.best, paths.last]) {
    const { recovered } = recoverCheckpoint(dir);
    if (recovered) say(`${dir}: completed the checkpoint write that was interrupted (from ${path.basename(recovered)})`);
  }
  const resumeState = existsSync(path.join(paths.last, 'state.json')) ? readCheckpointState(paths.last) : null;
  if (!resumeState) say(`--resume ${runDir}: no checkpoint had been saved yet (missing checkpoints/last); starting again from step 0`);
  if (resumeState && resumeState.step >= config.steps) {
    throw new UsageError(`--resume ${runDir}: the checkpoint is at step ${resumeState.step} of ${config.steps}; pass --steps N > ${resumeState.step} to train on`);
  }
  const before = resumeState?.config.steps;
  if (resumeState && before !== undefined && before !== config.steps) {
    // the poly schedule is (1 - t/T)^0.9 with T = --steps: a new T moves the learning rate of every later step
    const base = resolvedLearningRate(config);
    const lr = (steps: number) => Number(polyLearningRate(base, resumeState.step, steps).toPrecision(3));
    say(
      `note: --steps ${config.steps} (the run had ${before}): the poly learning-rate schedule now decays to step ${config.steps}, ` +
        `so at step ${resumeState.step} the learning rate jumps from ${lr(before)} to ${lr(config.steps)}`,
    );
  }
  const switches = existsSync(paths.run) ? readJson<Partial<RunSwitches>>(paths.run) : {};
  return { config, runDir, resumeState, resumed: true, report: options.report ?? switches.report ?? true };
}

/**
 * Makes the run folder once the configuration and the data are known to be good (with `overwrite`,
 * first removing the earlier run's files). Returns whether this call created the folder.
 */
function createRunFolder(setup: RunSetup, overwrite: boolean, say: Say): boolean {
  const dir = setup.runDir;
  const created = !existsSync(dir);
  if (!setup.resumed && overwrite && existingRunFiles(dir).length) {
    for (const entry of RUN_ENTRIES) rmSync(path.join(dir, entry), { recursive: true, force: true });
    say(`--overwrite: removed the earlier run in ${dir}`);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(`--out ${dir}: cannot create the folder (${describeFsError(err)})`);
  }
  return created;
}

/** The student, teacher and optimiser of a run: new, or restored from `checkpoints/last`. */
interface RunModels {
  student: UNet;
  teacher: UNet | null;
  opt: OptimizerHandle;
  startStep: number;
  best: { dice: number; step: number } | null;
}

async function createModels(setup: RunSetup, data: TrainingData, say: Say): Promise<RunModels> {
  const { config, runDir, resumeState } = setup;
  const opt = createOptimizer({ name: config.optimizer, learningRate: resolvedLearningRate(config), weightDecay: config.weightDecay });
  if (!resumeState) {
    if (setup.resumed) {
      // resumed before any checkpoint: the steps logged so far are run again
      truncateJsonl(runPaths(runDir).metrics, 1);
      truncateJsonl(runPaths(runDir).val, 1);
    }
    const student = buildStudent(config, data.channels, data.numClasses);
    return { student, teacher: usesTeacher(config.method) ? student.clone() : null, opt, startStep: 0, best: null };
  }
  const paths = runPaths(runDir);
  const ckpt = await loadCheckpoint(paths.last);
  if (Object.keys(ckpt.optimizerState).length) opt.setState(ckpt.optimizerState, ckpt.student.trainableVariables());
  for (const t of Object.values(ckpt.optimizerState)) t.dispose();
  const startStep = ckpt.state.step;
  truncateJsonl(paths.metrics, startStep + 1);
  truncateJsonl(paths.val, startStep + 1);
  say(`resuming ${runDir} at step ${startStep} of ${config.steps}`);
  return { student: ckpt.student, teacher: ckpt.teacher, opt, startStep, best: ckpt.state.best };
}

/** Ctrl-C (with `handleSigint`), the abort signal and `stopAfterSteps`, as one stop reason. */
function stopRequests(options: TrainOptions, stream: NodeJS.WriteStream) {
  let reason: string | null = null;
  const onSigint = () => {
    if (reason) {
      stream.write('\nsecond Ctrl-C: exiting without saving\n');
      process.exit(130);
    }
    reason = 'Ctrl-C';
    stream.write('\nCtrl-C: finishing the current step, then saving checkpoints/last (Ctrl-C again to quit at once)\n');
  };
  const onAbort = () => {
    reason = reason ?? 'abort signal';
  };
  if (options.handleSigint) process.on('SIGINT', onSigint);
  options.signal?.addEventListener('abort', onAbort);
  return {
    reason: () => reason,
    request: (why: string) => {
      reason = reason ?? why;
    },
    dispose: () => {
      if (options.handleSigint) process.off('SIGINT', onSigint);
      options.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** The labeled and unlabeled batches of a step (seeded by the step, so resumed runs repeat). */
function batchOf(config: TrainConfig, data: TrainingData, step: number): StepBatch {
  const draw = (slices: TrainingData['labeled'], stream: 'labeled' | 'unlabeled') =>
    drawBatch(slices, { batch: config.batch, step, seed: config.seed, stream, augment: config.augment, scheme: config.augmentScheme });
  const labeled = draw(data.labeled, 'labeled');
  const unlabeled = usesTeacher(config.method) && data.unlabeled.length ? draw(data.unlabeled, 'unlabeled') : null;
  unlabeled?.y.dispose();
  return { xl: labeled.x, yl: labeled.y, xu: unlabeled?.x ?? null };
}

/** State shared by the hooks of one training call. */
interface RunContext {
  config: TrainConfig;
  data: TrainingData;
  models: RunModels;
  paths: ReturnType<typeof runPaths>;
  progress: ProgressReporter;
  lastValidation: EvaluationResult | null;
}

function checkpointState(ctx: RunContext, kind: 'last' | 'best', completed: number): CheckpointState {
  const { config } = ctx;
  return { step: completed, config, best: ctx.models.best, rng: { seed: config.seed, nextStep: completed, scheme: 'derived-from-step' }, savedAt: new Date().toISOString(), kind };
}

async function saveLast(ctx: RunContext, completed: number): Promise<void> {
  const { student, teacher, opt } = ctx.models;
  const optimizerState = opt.getState(student.trainableVariables());
  try {
    await saveCheckpoint(ctx.paths.last, { student, teacher, optimizerState, state: checkpointState(ctx, 'last', completed) });
  } finally {
    for (const t of Object.values(optimizerState)) t.dispose();
  }
}

/** Validates the student (mean Dice), logs it, and saves `best` when it improved. */
async function validate(ctx: RunContext, completed: number): Promise<void> {
  const { config, data, models } = ctx;
  const t0 = Date.now();
  const recalibrated = config.recalibrateBn ? recalibrateOnLabeled(models.student, data.labeled, config.batch, RECALIBRATION_IMAGES) : 0;
  const result = await evaluateVolumes(models.student, data.val, { size: config.size, numClasses: data.numClasses, kind: data.kind, classNames: data.classNames, metricNames: ['dice'], objectMetrics: false });
  const dice = Object.fromEntries(data.classNames.map((c) => [c, result.summary[c].dice]));
  const meanDice = result.summary.mean.dice;
  const record: ValRecord = { step: completed, meanDice, dice, seconds: (Date.now() - t0) / 1000, ...(config.recalibrateBn ? { recalibratedOn: recalibrated } : {}) };
  appendJsonl(ctx.paths.val, record);
  const improved = !models.best || meanDice > models.best.dice;
  if (improved) models.best = { dice: meanDice, step: completed };
  ctx.progress.log(
    `validation @ step ${completed}${config.recalibrateBn ? ` (statistics re-estimated on ${recalibrated} images)` : ''}: mean Dice ${meanDice.toFixed(4)} (${data.classNames.map((c) => `${c} ${dice[c].toFixed(3)}`).join(', ')})` +
      `${improved ? ' - best so far' : ''} [${record.seconds.toFixed(1)} s]`,
  );
  if (improved) await saveCheckpoint(ctx.paths.best, { student: models.student, teacher: models.teacher, optimizerState: null, state: checkpointState(ctx, 'best', completed) });
  ctx.lastValidation = result;
}

function onStep(ctx: RunContext, r: FitStepRecord): void {
  const record: StepRecord = { step: r.step, loss: r.loss, terms: r.terms, lr: r.learningRate as number, rampup: r.rampup, patches: r.patches, seconds: r.seconds, ...(r.diagnostics ? { diagnostics: r.diagnostics } : {}) };
  appendJsonl(ctx.paths.metrics, record);
  ctx.progress.update(r.step - 1, r.loss, r.terms, r.seconds, formatDiagnostics(r.diagnostics, r.terms.affinity));
}

/** What the run prints and writes when the loop has ended. */
async function finish(ctx: RunContext, outcome: { status: TrainResult['status']; step: number; reason: string | null; error?: NonFiniteLossError }, say: Say, report: boolean, began: number, backend: BackendReport | null): Promise<void> {
  const { config, paths, models, data } = ctx;
  const { status, step, error } = outcome;
  if (status === 'non-finite' && error) {
    const lastGood = existsSync(path.join(paths.last, 'state.json')) ? readCheckpointState(paths.last).step : null;
    say(
      `training stopped: non-finite loss at step ${error.step + 1} (term${error.terms.length > 1 ? 's' : ''} ${error.terms.map((t) => `${t} = ${error.values[t]}`).join(', ')}); the update was not applied. ` +
        (lastGood !== null ? `Last good checkpoint: ${paths.last} (step ${lastGood}), left intact.` : 'No checkpoint had been written yet.'),
    );
  } else if (status === 'interrupted') {
    say(`stopped (${outcome.reason}) after step ${step} of ${config.steps}; saved ${paths.last}. Resume with: pnpm exec agcl train --resume ${paths.dir}`);
  }
  writeJsonAtomic(paths.summary, {
    status,
    step,
    steps: config.steps,
    best: models.best,
    lastValidation: ctx.lastValidation ? ctx.lastValidation.summary : null,
    seconds: (Date.now() - began) / 1000,
    backend: backend ? formatBackendReport(backend) : null,
    error: error ? { step: error.step, terms: error.terms, values: error.values } : null,
  });
  if (status !== 'completed') return;
  if (ctx.lastValidation) {
    say(`\nvalidation Dice at step ${step} (${data.val.length} ${data.kind === 'cardiac' ? 'volumes' : 'images'}, student):`);
    say(formatEvaluationTable(ctx.lastValidation));
    say(`best mean Dice ${models.best ? `${models.best.dice.toFixed(4)} at step ${models.best.step}` : '-'}; baseline: predicting background everywhere gives Dice 0 for every class`);
  }
  if (report) {
    const r0 = Date.now();
    await writeReport(paths.dir, { model: models.student, data, config });
    say(`report: ${paths.reportHtml} (${((Date.now() - r0) / 1000).toFixed(1)} s)`);
  }
}

/**
 * Makes the run folder (only now, with the config and data checked), writes config.json and run.json,
 * and builds the models and the step; an error here removes the folder again if this call made it.
 */
async function startRun(setup: RunSetup, data: TrainingData, options: TrainOptions, base: number, say: Say): Promise<{ models: RunModels; semi: SemiAgcl }> {
  const { config } = setup;
  const paths = runPaths(setup.runDir);
  const created = createRunFolder(setup, options.overwrite === true, say);
  let models: RunModels | null = null;
  try {
    writeJsonAtomic(paths.config, config);
    writeJsonAtomic(paths.run, { report: setup.report } satisfies RunSwitches);
    models = await createModels(setup, data, say);
    const semi = new SemiAgcl({
      student: models.student,
      teacher: models.teacher,
      optimizer: models.opt,
      numClasses: data.numClasses,
      options: semiAgclOptionsOf(config),
      learningRate: (step) => polyLearningRate(base, step, config.steps),
      ...options.stepHooks,
    });
    return { models, semi };
  } catch (err) {
    models?.student.dispose();
    models?.teacher?.dispose();
    models?.opt.dispose();
    if (created) rmSync(paths.dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Trains a method on a dataset, writing a run folder:
 * `config.json`, `metrics.jsonl` (per step), `val.jsonl` (per validation), `checkpoints/last`,
 * `checkpoints/best`, `summary.json`, `report.html`, `report.md`, `figures/`.
 *
 * The step is `SemiAgcl` of `@agcl/semi-agcl`, run by its `fit` loop. Every `valEvery` steps (and at
 * the last) the student is validated (mean Dice over the validation cases), `last` is saved and `best`
 * replaced when the mean Dice improved. Stop requests (Ctrl-C, `signal`, `stopAfterSteps`) finish the
 * current step and save `last`. A non-finite loss stops training without writing a checkpoint (the last
 * good one stays intact).
 *
 * A new run's `out` must not hold a run already (refused with a {@link UsageError} unless `overwrite`);
 * the folder is made once the options and data have been read, and removed again when the run cannot
 * start. `resume` also continues a run killed before its first checkpoint (from step 0) or in the middle
 * of a checkpoint write (`recoverCheckpoint`).
 *
 * @example
 * ```ts
 * const result = await train({ config: { method: 'mean-teacher', steps: 200 } });
 * console.log(result.runDir, result.best);
 * ```
 */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const began = Date.now();
  const stream = options.stream ?? process.stdout;
  const say: Say = (line) => {
    if (!options.quiet) stream.write(`${line}\n`);
  };
  const setup = openRun(options, say);
  const { config, runDir } = setup;
  const paths = runPaths(runDir);

  let backend: BackendReport | null = null;
  if (!options.skipBackendInit) {
    backend = await initBackend({ backend: config.backend, ...(config.threads ? { threads: config.threads } : {}) } as Parameters<typeof initBackend>[0]);
    say(formatBackendReport(backend));
  }
  const dataStart = Date.now();
  const data = await loadTrainingData(config);
  say(`${data.description} (loaded in ${((Date.now() - dataStart) / 1000).toFixed(1)} s)`);
  if (config.recalibrateBn && data.labeled.length < 2) {
    // batch-norm statistics need at least 2 images; config.json records what the run does
    config.recalibrateBn = false;
    say(`--recalibrate-bn: only ${data.labeled.length} labeled image, too few to re-estimate batch-norm statistics; checkpoints keep the statistics training left`);
  }
  const base = resolvedLearningRate(config);
  const { models, semi } = await startRun(setup, data, options, base, say);
  const { student, teacher, opt } = models;
  say(
    `method ${config.method}: U-Net ${config.channels.join('-')} (${student.parameterCount().toLocaleString('en-US')} parameters), ` +
      `${config.steps} steps, batch ${config.batch}${data.unlabeled.length ? ` + ${config.batch} unlabeled` : ''}, ${config.optimizer} lr ${base}`,
  );
  say(`run folder: ${runDir}`);

  const stop = stopRequests(options, stream);
  const progress = createProgressReporter({ stream, logEvery: config.logEvery, quiet: options.quiet });
  const ctx: RunContext = { config, data, models, paths, progress, lastValidation: null };
  progress.start(config.steps, models.startStep);
  let stepsThisCall = 0;
  let result;
  try {
    result = await fit({
      semi,
      steps: config.steps,
      startStep: models.startStep,
      validateEvery: config.valEvery,
      batch: (step) => batchOf(config, data, step),
      onStep: (r) => {
        onStep(ctx, r);
        if (options.stopAfterSteps !== undefined && ++stepsThisCall >= options.stopAfterSteps) stop.request('stopAfterSteps');
      },
      onValidate: (completed) => validate(ctx, completed),
      onCheckpoint: (completed) => saveLast(ctx, completed),
      shouldStop: stop.reason,
    });
  } finally {
    progress.stop();
    stop.dispose();
  }
  const status: TrainResult['status'] = result.status === 'stopped' ? 'interrupted' : result.status;
  const error = result.error ?? undefined;
  await finish(ctx, { status, step: result.step, reason: result.reason, error }, say, setup.report, began, backend);
  student.dispose();
  teacher?.dispose();
  opt.dispose();
  say(`total time ${formatDuration((Date.now() - began) / 1000)}`);
  return { runDir, config, step: result.step, status, lastValidation: ctx.lastValidation, best: models.best, error, seconds: (Date.now() - began) / 1000, backend };
}

export type { TrainingData };
