import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { initBackend, formatBackendReport } from '@agcl/backend';
import { parseConfigInput, resolveConfig, type TrainConfig, migrateLegacyConfig } from './config';
import { loadCheckpoint } from './checkpoint';
import { evaluateVolumes, evaluationCsv, formatEvaluationTable, type EvaluationResult } from './evaluation';
import { readJson, runPaths, writeJsonAtomic } from './run-folder';
import { classesOf, loadEvalCases, loadTrainingData } from './training-data';
import { recalibrateOnLabeled } from './recalibrate';
import { UsageError } from './usage-error';

/** Options of {@link evaluateRun}. */
export interface EvaluateRunOptions {
  /** Run folder written by `train`. */
  run: string;
  /** Which checkpoint. Default 'best'. */
  checkpoint?: 'best' | 'last';
  /**
   * Which cases. Default 'val': the run's validation cases. 'test': ACDC's `test.list` (or the folder's
   * `test/images` + `test/masks`); another name: that list (`<name>.list`) or split folder (see `loadEvalCases`).
   */
  split?: string;
  /** A list file of case names, `data/<name>.h5` of the (ACDC-layout) data folder; instead of `split`. */
  list?: string;
  /** Another data folder of the run's dataset kind, instead of the run's own `dataDir`. */
  dataDir?: string;
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

/** Reads and validates a run folder's config.json; `dataDir` replaces the run's data folder (checked to exist). */
export function readRunConfig(run: string, overrides: { dataDir?: string } = {}): TrainConfig {
  const file = runPaths(run).config;
  if (!existsSync(file)) throw new UsageError(`--run ${run}: not a run folder (missing config.json)`);
  const saved = parseConfigInput(migrateLegacyConfig(readJson(file)).config, file);
  if (overrides.dataDir !== undefined) {
    if ((saved.dataset ?? 'synthetic') === 'synthetic') {
      throw new UsageError(`--data-dir ${overrides.dataDir}: the run trained on synthetic phantoms, which have no data folder (--data-dir is for runs on acdc, folder, crag or glas)`);
    }
    saved.dataDir = overrides.dataDir;
  }
  return resolveConfig(saved);
}

/** The name the output files get for a split, list and data folder: `test`, `list-mine`, `acdc2-test`. */
function casesTag(split: string, list: string | undefined, dataDir: string | undefined): string {
  const stem = (f: string) => path.basename(path.resolve(f)).replace(/\.list$/, '');
  return [dataDir ? stem(dataDir) : null, list ? `list-${stem(list)}` : split].filter(Boolean).join('-');
}

/**
 * Evaluates a run's checkpoint with every metric, per case and mean per class (cardiac: Dice, Jaccard,
 * HD95, ASD per 3D volume; histology: plus object-level F1, Dice, Hausdorff), on its validation cases,
 * on a test split or list file of its data folder, or on another data folder (cases the model never
 * saw). Prints a table and writes `eval/<checkpoint>-[<data folder>-]<split or list-NAME>.csv` and `.json`.
 */
export async function evaluateRun(options: EvaluateRunOptions): Promise<EvaluationResult & { csv: string; json: string }> {
  const stream = options.stream ?? process.stdout;
  const say = (s: string) => {
    if (!options.quiet) stream.write(`${s}\n`);
  };
  const config = readRunConfig(options.run, { dataDir: options.dataDir });
  const which = options.checkpoint ?? 'best';
  if (options.split !== undefined && options.list !== undefined) throw new UsageError('--split and --list exclude each other: give one');
  const split = options.split ?? 'val';
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(split)) throw new UsageError(`--split: expected a split name such as val or test; got '${split}'`);
  const dir = path.join(runPaths(options.run).checkpoints, which);
  if (!existsSync(path.join(dir, 'state.json'))) throw new UsageError(`--run ${options.run}: no '${which}' checkpoint (missing ${dir})`);
  if (!options.skipBackendInit) say(formatBackendReport(await initBackend({ backend: options.backend ?? config.backend })));
  const cases = await loadEvalCases(config, { split, list: options.list });
  // the statistics are re-estimated on the run's own labeled training images
  const labeled = options.recalibrateBn ? (await loadTrainingData(options.dataDir ? readRunConfig(options.run) : config)).labeled : [];
  const { numClasses, kind, classNames } = classesOf(config);
  const ckpt = await loadCheckpoint(dir, { teacher: false });
  for (const t of Object.values(ckpt.optimizerState)) t.dispose();
  const suffix = options.recalibrateBn ? '-recalibrated' : '';
  try {
    if (options.recalibrateBn) {
      const t0 = Date.now();
      const n = recalibrateOnLabeled(ckpt.student, labeled, config.batch);
      say(`batch-norm statistics re-estimated without dropout on ${n} labeled training images (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const result = await evaluateVolumes(ckpt.student, cases.volumes, { size: config.size, numClasses, kind, classNames });
    const outDir = runPaths(options.run).evalDir;
    mkdirSync(outDir, { recursive: true });
    const base = `${which}-${casesTag(split, options.list, options.dataDir)}${suffix}`;
    const csv = path.join(outDir, `${base}.csv`);
    const json = path.join(outDir, `${base}.json`);
    writeFileSync(csv, evaluationCsv(result));
    writeJsonAtomic(json, {
      run: options.run,
      checkpoint: which,
      step: ckpt.state.step,
      split: options.list ? null : split,
      list: options.list ?? null,
      dataDir: config.dataDir,
      recalibratedBn: !!options.recalibrateBn,
      ...result,
    });
    say(`${which} checkpoint (step ${ckpt.state.step}) on ${cases.description} (mean ± std over cases):`);
    say(formatEvaluationTable(result));
    say(`wrote ${csv} and ${json}`);
    return { ...result, csv, json };
  } finally {
    ckpt.student.dispose();
  }
}
