import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { initBackend, formatBackendReport } from '@agcl/backend';
import { parseConfigInput, resolveConfig, type TrainConfig, migrateLegacyConfig } from './config';
import { loadCheckpoint } from './checkpoint';
import { evaluateVolumes, evaluationCsv, formatEvaluationTable, type EvaluationResult } from './evaluation';
import { readJson, runPaths, writeJsonAtomic } from './run-folder';
import { loadTrainingData } from './training-data';
import { recalibrateOnLabeled } from './recalibrate';
import { UsageError } from './usage-error';

/** Options of {@link evaluateRun}. */
export interface EvaluateRunOptions {
  /** Run folder written by `train`. */
  run: string;
  /** Which checkpoint. Default 'best'. */
  checkpoint?: 'best' | 'last';
  /** Which split. Default 'val' (the only split the trainer holds out; ACDC test volumes are not in ../shared/data). */
  split?: 'val';
  /** Backend (default: the run's). */
  backend?: TrainConfig['backend'];
  /** Skip backend initialisation (the caller did it). */
  skipBackendInit?: boolean;
  /**
   * Re-estimate the batch-norm running statistics first, without dropout, on the run's labeled training
   * images (`UNet.recalibrateBatchNorm`, batches of the run's batch size, unaugmented); the checkpoint on
   * disk is unchanged. Results go to `eval/<checkpoint>-<split>-recalibrated.*`. Default false.
   */
  recalibrateBn?: boolean;
  /** Print nothing. */
  quiet?: boolean;
  /** Output stream. Default process.stdout. */
  stream?: NodeJS.WriteStream;
}

/** Reads and validates a run folder's config.json. */
export function readRunConfig(run: string): TrainConfig {
  const file = runPaths(run).config;
  if (!existsSync(file)) throw new UsageError(`--run ${run}: not a run folder (missing config.json)`);
  return resolveConfig(parseConfigInput(migrateLegacyConfig(readJson(file)).config, file));
}

/**
 * Evaluates a run's checkpoint on its validation cases with every metric: per case and mean per
 * class (cardiac: Dice, Jaccard, HD95, ASD per 3D volume; histology: plus object-level F1, Dice,
 * Hausdorff). Prints a table and writes `eval/<checkpoint>-<split>.csv` and `.json`.
 */
export async function evaluateRun(options: EvaluateRunOptions): Promise<EvaluationResult & { csv: string; json: string }> {
  const stream = options.stream ?? process.stdout;
  const say = (s: string) => {
    if (!options.quiet) stream.write(`${s}\n`);
  };
  const config = readRunConfig(options.run);
  const which = options.checkpoint ?? 'best';
  const split = options.split ?? 'val';
  if (split !== 'val') throw new UsageError(`--split must be 'val'; got '${String(split)}'`);
  const dir = path.join(runPaths(options.run).checkpoints, which);
  if (!existsSync(path.join(dir, 'state.json'))) throw new UsageError(`--run ${options.run}: no '${which}' checkpoint (missing ${dir})`);
  if (!options.skipBackendInit) say(formatBackendReport(await initBackend({ backend: options.backend ?? config.backend })));
  const data = await loadTrainingData(config, { valOnly: !options.recalibrateBn });
  const ckpt = await loadCheckpoint(dir, { teacher: false });
  for (const t of Object.values(ckpt.optimizerState)) t.dispose();
  const suffix = options.recalibrateBn ? '-recalibrated' : '';
  try {
    if (options.recalibrateBn) {
      const t0 = Date.now();
      const n = recalibrateOnLabeled(ckpt.student, data.labeled, config.batch);
      say(`batch-norm statistics re-estimated without dropout on ${n} labeled training images (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const result = await evaluateVolumes(ckpt.student, data.val, {
      size: config.size,
      numClasses: data.numClasses,
      kind: data.kind,
      classNames: data.classNames,
    });
    const outDir = runPaths(options.run).evalDir;
    mkdirSync(outDir, { recursive: true });
    const csv = path.join(outDir, `${which}-${split}${suffix}.csv`);
    const json = path.join(outDir, `${which}-${split}${suffix}.json`);
    writeFileSync(csv, evaluationCsv(result));
    writeJsonAtomic(json, { run: options.run, checkpoint: which, step: ckpt.state.step, split, recalibratedBn: !!options.recalibrateBn, ...result });
    say(`${which} checkpoint (step ${ckpt.state.step}) on ${data.val.length} ${split} cases (mean ± std over cases):`);
    say(formatEvaluationTable(result));
    say(`wrote ${csv} and ${json}`);
    return { ...result, csv, json };
  } finally {
    ckpt.student.dispose();
  }
}
