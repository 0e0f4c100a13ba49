import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, formatBackendReport, type BackendReport } from '@agcl/backend';
import { UNet } from '@agcl/unet';
import { createOptimizer, EmaTeacher, NonFiniteLossError, polyLearningRate } from '@agcl/mean-teacher';
import {
  DEFAULT_CONFIG,
  parseConfigInput,
  resolveConfig,
  resolvedLearningRate,
  usesPatches,
  usesTeacher,
  type TrainConfig,
  type TrainConfigInput,
} from './config';
import { loadCheckpoint, saveCheckpoint, readCheckpointState, type CheckpointState } from './checkpoint';
import { evaluateVolumes, formatEvaluationTable, type EvaluationResult } from './evaluation';
import { drawBatch } from './make-batch';
import { runMethodStep } from './method-step';
import { createProgressReporter, formatDuration, type ProgressReporter } from './progress';
import { appendJsonl, defaultRunFolder, readJson, runPaths, truncateJsonl, writeJsonAtomic } from './run-folder';
import { loadTrainingData, type TrainingData } from './training-data';
import { recalibrateOnLabeled } from './recalibrate';
import { UsageError } from './usage-error';
import { writeReport } from './report';

/** Options of {@link train}. */
export interface TrainOptions {
  /** Options (validated with the config schema); missing ones take the defaults. */
  config?: TrainConfigInput;
  /** Continue the run in this folder from its last checkpoint (its config.json is used; `config` may only change steps, valEvery, logEvery, backend, threads). */
  resume?: string;
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
  /** Write report.html / report.md at the end. Default true. */
  report?: boolean;
  /** Skip backend initialisation (the caller already did it). Default false. */
  skipBackendInit?: boolean;
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

/**
 * Trains a method on a dataset, writing a run folder:
 * `config.json`, `metrics.jsonl` (per step), `val.jsonl` (per validation), `checkpoints/last`,
 * `checkpoints/best`, `summary.json`, `report.html`, `report.md`, `figures/`.
 *
 * Every `valEvery` steps (and at the last) the student is validated (mean Dice over the validation
 * cases), `last` is saved and `best` replaced when the mean Dice improved. Stop requests (Ctrl-C,
 * `signal`, `stopAfterSteps`) finish the current step and save `last`. A non-finite loss stops
 * training without writing a checkpoint (the last good one stays intact).
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
  const say = (line: string) => {
    if (!options.quiet) stream.write(`${line}\n`);
  };

  // ---- configuration
  const given = options.config ? parseConfigInput(options.config, 'config') : {};
  let config: TrainConfig;
  let runDir: string;
  let resumeState: CheckpointState | null = null;
  if (options.resume) {
    runDir = options.resume;
    const paths = runPaths(runDir);
    if (!existsSync(paths.config)) throw new UsageError(`--resume ${runDir}: not a run folder (missing config.json)`);
    if (!existsSync(path.join(paths.last, 'state.json'))) throw new UsageError(`--resume ${runDir}: no checkpoint (missing checkpoints/last)`);
    const saved = parseConfigInput(readJson(paths.config), paths.config);
    // Runs started before --teacher-forward existed ran their teacher in inference mode: keep that.
    if (saved.teacherForward === undefined) {
      saved.teacherForward = 'eval';
      if (usesTeacher(saved.method ?? DEFAULT_CONFIG.method)) say(`${paths.config} has no teacherForward: resuming with 'eval', the mode the run started with`);
    }
    const changed = Object.keys(given).filter((k) => !RESUME_CHANGEABLE.has(k) && JSON.stringify((given as Record<string, unknown>)[k]) !== JSON.stringify((saved as Record<string, unknown>)[k]));
    if (changed.length) {
      throw new UsageError(`--resume: option${changed.length > 1 ? 's' : ''} ${changed.join(', ')} cannot change when resuming (only ${[...RESUME_CHANGEABLE].join(', ')})`);
    }
    config = resolveConfig(saved, given, { out: runDir });
    resumeState = readCheckpointState(paths.last);
    if (resumeState.step >= config.steps) {
      throw new UsageError(`--resume ${runDir}: the checkpoint is at step ${resumeState.step} of ${config.steps}; pass --steps N > ${resumeState.step} to train on`);
    }
  } else {
    config = resolveConfig(given);
    runDir = config.out ?? defaultRunFolder(config.method);
    config.out = runDir;
  }
  const paths = runPaths(runDir);
  mkdirSync(paths.dir, { recursive: true });

  // ---- backend and data
  let backend: BackendReport | null = null;
  if (!options.skipBackendInit) {
    backend = await initBackend({ backend: config.backend, ...(config.threads ? { threads: config.threads } : {}) } as Parameters<typeof initBackend>[0]);
    say(formatBackendReport(backend));
  }
  const dataStart = Date.now();
  const data = await loadTrainingData(config);
  say(`${data.description} (loaded in ${((Date.now() - dataStart) / 1000).toFixed(1)} s)`);
  writeJsonAtomic(paths.config, config);

  // ---- models, optimiser, teacher
  let student: UNet;
  let teacher: UNet | null;
  const opt = createOptimizer({ name: config.optimizer, learningRate: resolvedLearningRate(config), weightDecay: config.weightDecay });
  let startStep = 0;
  let best: { dice: number; step: number } | null = null;
  if (resumeState) {
    const ckpt = await loadCheckpoint(paths.last);
    student = ckpt.student;
    teacher = ckpt.teacher;
    if (Object.keys(ckpt.optimizerState).length) opt.setState(ckpt.optimizerState, student.trainableVariables());
    for (const t of Object.values(ckpt.optimizerState)) t.dispose();
    startStep = ckpt.state.step;
    best = ckpt.state.best;
    truncateJsonl(paths.metrics, startStep + 1);
    truncateJsonl(paths.val, startStep + 1);
    say(`resuming ${runDir} at step ${startStep} of ${config.steps}`);
  } else {
    student = buildStudent(config, data.channels, data.numClasses);
    teacher = usesTeacher(config.method) ? student.clone() : null;
  }
  const ema = teacher ? new EmaTeacher({ student, teacher, emaDecay: config.emaDecay, averageBuffers: true }) : null;
  say(
    `method ${config.method}: U-Net ${config.channels.join('-')} (${student.parameterCount().toLocaleString('en-US')} parameters), ` +
      `${config.steps} steps, batch ${config.batch}${data.unlabeled.length ? ` + ${config.batch} unlabeled` : ''}, ${config.optimizer} lr ${resolvedLearningRate(config)}`,
  );
  say(`run folder: ${runDir}`);

  // ---- stop requests
  let stopRequested: string | null = null;
  const onSigint = () => {
    if (stopRequested) {
      stream.write('\nsecond Ctrl-C: exiting without saving\n');
      process.exit(130);
    }
    stopRequested = 'Ctrl-C';
    stream.write('\nCtrl-C: finishing the current step, then saving checkpoints/last (Ctrl-C again to quit at once)\n');
  };
  if (options.handleSigint) process.on('SIGINT', onSigint);
  const onAbort = () => {
    stopRequested = stopRequested ?? 'abort signal';
  };
  options.signal?.addEventListener('abort', onAbort);

  const progress: ProgressReporter = createProgressReporter({ stream, logEvery: config.logEvery, quiet: options.quiet });
  let step = startStep;
  let status: TrainResult['status'] = 'completed';
  let lastValidation: EvaluationResult | null = null;
  let error: NonFiniteLossError | undefined;

  const checkpointState = (kind: 'last' | 'best', completed: number): CheckpointState => ({
    step: completed,
    config,
    best,
    rng: { seed: config.seed, nextStep: completed, scheme: 'derived-from-step' },
    savedAt: new Date().toISOString(),
    kind,
  });
  const saveLast = async (completed: number) => {
    const optimizerState = opt.getState(student.trainableVariables());
    try {
      await saveCheckpoint(paths.last, { student, teacher, optimizerState, state: checkpointState('last', completed) });
    } finally {
      for (const t of Object.values(optimizerState)) t.dispose();
    }
  };
  const validate = async (completed: number) => {
    const t0 = Date.now();
    let recalibrated = 0;
    if (config.recalibrateBn) recalibrated = recalibrateOnLabeled(student, data.labeled, config.batch, RECALIBRATION_IMAGES);
    const result = await evaluateVolumes(student, data.val, {
      size: config.size,
      numClasses: data.numClasses,
      kind: data.kind,
      classNames: data.classNames,
      metricNames: ['dice'],
      objectMetrics: false,
    });
    const dice = Object.fromEntries(data.classNames.map((c) => [c, result.summary[c].dice]));
    const meanDice = result.summary.mean.dice;
    const record: ValRecord = { step: completed, meanDice, dice, seconds: (Date.now() - t0) / 1000, ...(config.recalibrateBn ? { recalibratedOn: recalibrated } : {}) };
    appendJsonl(paths.val, record);
    const improved = !best || meanDice > best.dice;
    if (improved) best = { dice: meanDice, step: completed };
    progress.log(
      `validation @ step ${completed}${config.recalibrateBn ? ` (statistics re-estimated on ${recalibrated} images)` : ''}: mean Dice ${meanDice.toFixed(4)} (${data.classNames.map((c) => `${c} ${dice[c].toFixed(3)}`).join(', ')})` +
        `${improved ? ' - best so far' : ''} [${record.seconds.toFixed(1)} s]`,
    );
    if (improved) {
      await saveCheckpoint(paths.best, { student, teacher, optimizerState: null, state: checkpointState('best', completed) });
    }
    lastValidation = result;
  };

  progress.start(config.steps, startStep);
  let stepsThisCall = 0;
  try {
    for (; step < config.steps; step++) {
      // Let the event loop run: the backends' data() promises resolve as microtasks, so without this
      // a SIGINT (Ctrl-C) or an abort would only be seen after the whole run.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (stopRequested) break;
      const t0 = Date.now();
      const lr = polyLearningRate(resolvedLearningRate(config), step, config.steps);
      opt.setLearningRate(lr);
      const labeled = drawBatch(data.labeled, { batch: config.batch, step, seed: config.seed, stream: 'labeled', augment: config.augment, scheme: config.augmentScheme });
      const unlabeled =
        usesTeacher(config.method) && data.unlabeled.length
          ? drawBatch(data.unlabeled, { batch: config.batch, step, seed: config.seed, stream: 'unlabeled', augment: config.augment, scheme: config.augmentScheme })
          : null;
      let result;
      try {
        result = await runMethodStep(
          config,
          { student, teacher, optimizer: opt.optimizer },
          { xl: labeled.x, yl: labeled.y, xu: unlabeled?.x ?? null },
          step,
          data.numClasses,
        );
      } finally {
        labeled.x.dispose();
        labeled.y.dispose();
        unlabeled?.x.dispose();
        unlabeled?.y.dispose();
      }
      ema?.update(step);
      const seconds = (Date.now() - t0) / 1000;
      const record: StepRecord = { step: step + 1, loss: result.loss, terms: result.terms, lr, rampup: result.rampup, patches: result.patches, seconds };
      appendJsonl(paths.metrics, record);
      progress.update(step, result.loss, result.terms, seconds);
      stepsThisCall++;
      const completed = step + 1;
      if (completed % config.valEvery === 0 || completed === config.steps) {
        await validate(completed);
        await saveLast(completed);
      }
      if (options.stopAfterSteps !== undefined && stepsThisCall >= options.stopAfterSteps) stopRequested = stopRequested ?? 'stopAfterSteps';
    }
    if (step < config.steps) {
      status = 'interrupted';
      await saveLast(step);
    }
  } catch (err) {
    if (err instanceof NonFiniteLossError) {
      status = 'non-finite';
      error = err;
    } else {
      throw err;
    }
  } finally {
    progress.stop();
    if (options.handleSigint) process.off('SIGINT', onSigint);
    options.signal?.removeEventListener('abort', onAbort);
  }

  if (status === 'non-finite' && error) {
    const lastGood = existsSync(path.join(paths.last, 'state.json')) ? readCheckpointState(paths.last).step : null;
    say(
      `training stopped: non-finite loss at step ${error.step + 1} (term${error.terms.length > 1 ? 's' : ''} ${error.terms
        .map((t) => `${t} = ${error!.values[t]}`)
        .join(', ')}); the update was not applied. ` +
        (lastGood !== null ? `Last good checkpoint: ${paths.last} (step ${lastGood}), left intact.` : 'No checkpoint had been written yet.'),
    );
  } else if (status === 'interrupted') {
    say(`stopped (${stopRequested}) after step ${step} of ${config.steps}; saved ${paths.last}. Resume with: agcl train --resume ${runDir}`);
  }

  const seconds = (Date.now() - began) / 1000;
  writeJsonAtomic(paths.summary, {
    status,
    step,
    steps: config.steps,
    best,
    lastValidation: lastValidation ? (lastValidation as EvaluationResult).summary : null,
    seconds,
    backend: backend ? formatBackendReport(backend) : null,
    error: error ? { step: error.step, terms: error.terms, values: error.values } : null,
  });

  if (status === 'completed') {
    if (lastValidation) {
      say(`\nvalidation Dice at step ${step} (${data.val.length} ${data.kind === 'cardiac' ? 'volumes' : 'images'}, student):`);
      say(formatEvaluationTable(lastValidation));
      say(`best mean Dice ${best ? `${(best as { dice: number }).dice.toFixed(4)} at step ${(best as { step: number }).step}` : '-'}; baseline: predicting background everywhere gives Dice 0 for every class`);
    }
    if (options.report !== false) {
      const r0 = Date.now();
      await writeReport(runDir, { model: student, data, config });
      say(`report: ${paths.reportHtml} (${((Date.now() - r0) / 1000).toFixed(1)} s)`);
    }
  }
  student.dispose();
  teacher?.dispose();
  opt.dispose();
  say(`total time ${formatDuration((Date.now() - began) / 1000)}`);
  return { runDir, config, step, status, lastValidation, best, error, seconds: (Date.now() - began) / 1000, backend };
}

export type { TrainingData };
