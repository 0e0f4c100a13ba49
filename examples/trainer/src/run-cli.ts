import { Command, CommanderError, Option } from 'commander';
import { AUGMENT_SCHEMES, BACKENDS, DATASETS, INIT_SCHEMES, LABELED_ORDERS, METHODS, OPTIMIZERS, SAMPLER_DRAWS, TEACHER_FORWARDS, DEFAULT_CONFIG, parseFlagValues, readConfigFile } from './config';
import { evaluateRun } from './evaluate-run';
import { predict } from './predict';
import { train, type TrainOptions } from './train';
import { UsageError } from './usage-error';

/** Streams the command line writes to (tests pass their own). */
export interface CliIo {
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /** A sampler or extra loss terms for `train`'s step (programmatic callers and tests; no flag sets them). */
  stepHooks?: TrainOptions['stepHooks'];
}

const TRAIN_FLAGS: Array<[string, string]> = [
  ['--dataset <kind>', `data: ${DATASETS.join('|')} (default ${DEFAULT_CONFIG.dataset})`],
  ['--data-dir <folder>', 'folder of the real data (acdc: SSL4MIS HDF5 layout; folder/crag/glas: images/ + masks/)'],
  ['--labeled-patients <n>', 'labeled training patients (default 4 synthetic, 7 ACDC)'],
  ['--labeled-fraction <f>', 'alternative: fraction of training patients labeled, in (0, 1]'],
  ['--labeled-order <order>', `${LABELED_ORDERS.join('|')}: the first patients as the data lists them or by name (default list for ACDC, as SSL4MIS; sorted otherwise)`],
  ['--method <name>', `${METHODS.join('|')} (default ${DEFAULT_CONFIG.method})`],
  ['--steps <n>', `optimisation steps (default ${DEFAULT_CONFIG.steps})`],
  ['--batch <n>', `labeled images per step; unlabeled the same (default ${DEFAULT_CONFIG.batch})`],
  ['--size <px>', `training image size, a multiple of 2^depth (default ${DEFAULT_CONFIG.size})`],
  ['--channels <list>', `U-Net widths, comma separated (default ${DEFAULT_CONFIG.channels.join(',')})`],
  ['--embedding-dim <d>', `projection-head size (default ${DEFAULT_CONFIG.embeddingDim})`],
  ['--backend <name>', `${BACKENDS.join('|')} (default ${DEFAULT_CONFIG.backend})`],
  ['--threads <n>', 'wasm threads (default: the backend default)'],
  ['--seed <n>', `seed of every random stream (default ${DEFAULT_CONFIG.seed})`],
  ['--out <folder>', 'run folder (default runs/<timestamp>-<method>)'],
  ['--val-every <n>', `validate every n steps (default ${DEFAULT_CONFIG.valEvery})`],
  ['--val-cases <n>', 'use only the first n validation cases (default all)'],
  ['--lr <x>', 'base learning rate (default 0.01 sgd, 0.003 adam), poly decay'],
  ['--optimizer <name>', `${OPTIMIZERS.join('|')} (default ${DEFAULT_CONFIG.optimizer})`],
  ['--weight-decay <x>', `L2 weight decay (default ${DEFAULT_CONFIG.weightDecay})`],
  ['--lambda-cons <x>', `consistency weight (default ${DEFAULT_CONFIG.lambdaCons})`],
  ['--lambda-con <x>', `patch contrastive weight (default ${DEFAULT_CONFIG.lambdaCon})`],
  ['--lambda-ag <x>', `affinity-graph weight (default ${DEFAULT_CONFIG.lambdaAg})`],
  ['--rampup-steps <n>', `sigmoid ramp-up length (default ${DEFAULT_CONFIG.rampupSteps})`],
  ['--ema-decay <x>', `maximum EMA decay (default ${DEFAULT_CONFIG.emaDecay})`],
  ['--temperature <x>', `contrastive temperature (default ${DEFAULT_CONFIG.temperature})`],
  ['--graph-temperature <x>', `affinity-graph temperature (default ${DEFAULT_CONFIG.graphTemperature})`],
  ['--threshold <x>', `target-graph edge threshold (default ${DEFAULT_CONFIG.threshold})`],
  ['--delta <x>', `class-collision guard for negatives (default ${DEFAULT_CONFIG.delta})`],
  ['--beta <x>', `intensity weight of the patch entropy (default ${DEFAULT_CONFIG.beta})`],
  ['--patch-size <px>', 'patch size = stride (default size/8: 16 at 128)'],
  ['--samples-per-class <n>', `patches drawn per class (default ${DEFAULT_CONFIG.samplesPerClass})`],
  ['--init <scheme>', `${INIT_SCHEMES.join('|')}: initialisation of the U-Net's convolutions (default ${DEFAULT_CONFIG.init}, as SSL4MIS)`],
  ['--sampler-draw <name>', `${SAMPLER_DRAWS.join('|')}: a class's patch draws from the whole pool, or half from its pseudo-class (default ${DEFAULT_CONFIG.samplerDraw})`],
  ['--augment-scheme <name>', `${AUGMENT_SCHEMES.join('|')}: rot90, flips and a bilinear rotation drawn independently, or SSL4MIS's RandomGenerator (default ${DEFAULT_CONFIG.augmentScheme})`],
  ['--teacher-forward <mode>', `${TEACHER_FORWARDS.join('|')}: the teacher's forward: batch statistics and dropout (SSL4MIS), batch statistics only, or running statistics (default ${DEFAULT_CONFIG.teacherForward})`],
  ['--recalibrate-bn', 're-estimate the batch-norm statistics without dropout on the labeled images before every validation (default off)'],
  ['--max-patches <n>', `cap on sampled patches (default ${DEFAULT_CONFIG.maxPatches})`],
  ['--noise-std <x>', `teacher input noise std (default ${DEFAULT_CONFIG.noiseStd})`],
  ['--noise-clip <x>', `teacher input noise clip (default ${DEFAULT_CONFIG.noiseClip})`],
  ['--log-every <n>', `progress line every n steps when not a terminal (default ${DEFAULT_CONFIG.logEvery})`],
  ['--synthetic-cases <n>', `synthetic training patients (default ${DEFAULT_CONFIG.syntheticCases})`],
  ['--synthetic-slices-per-case <n>', `synthetic slices per patient (default ${DEFAULT_CONFIG.syntheticSlicesPerCase})`],
  ['--synthetic-val-cases <n>', `synthetic validation volumes (default ${DEFAULT_CONFIG.syntheticValCases})`],
];

function buildProgram(io: Required<Omit<CliIo, 'stepHooks'>> & Pick<CliIo, 'stepHooks'>, setExit: (code: number) => void): Command {
  const program = new Command('agcl')
    .description('Semi-AGCL segmentation on TensorFlow.js: train, evaluate and predict. With no command: train Semi-AGCL on synthetic cardiac phantoms.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(run agcl <command> --help for the options)');

  const trainCmd = program.command('train', { isDefault: true }).description('train a method (default: semi-agcl on synthetic data)');
  for (const [flags, help] of TRAIN_FLAGS) trainCmd.option(flags, help);
  trainCmd
    .option('--augment', 'random rot90/flip augmentation (default on)')
    .option('--no-augment', 'no augmentation')
    .option('--config <file>', 'JSON file of options (same names in camelCase); flags override it')
    .option('--resume <run>', 'continue a run folder from its last checkpoint')
    .option('--no-report', 'do not write report.html / report.md')
    .action(async (opts: Record<string, unknown>) => {
      const { config: file, resume, report, ...flags } = opts;
      const fromFile = typeof file === 'string' ? readConfigFile(file) : {};
      const fromFlags = parseFlagValues(flags);
      const result = await train({
        config: { ...fromFile, ...fromFlags },
        resume: typeof resume === 'string' ? resume : undefined,
        report: report !== false,
        handleSigint: true,
        stream: io.stdout,
        ...(io.stepHooks ? { stepHooks: io.stepHooks } : {}),
      });
      setExit(result.status === 'non-finite' ? 3 : 0);
    });

  program
    .command('eval')
    .description('evaluate a run checkpoint on the validation cases (per case and mean per class)')
    .requiredOption('--run <folder>', 'run folder')
    .addOption(new Option('--checkpoint <which>', 'checkpoint').choices(['best', 'last']).default('best'))
    .addOption(new Option('--split <split>', 'split').choices(['val']).default('val'))
    .addOption(new Option('--backend <name>', 'backend (default: the run\'s)').choices([...BACKENDS]))
    .option('--recalibrate-bn', 're-estimate the batch-norm statistics without dropout on the labeled training images first')
    .action(async (opts: { run: string; checkpoint: 'best' | 'last'; split: 'val'; backend?: (typeof BACKENDS)[number]; recalibrateBn?: boolean }) => {
      await evaluateRun({ ...opts, stream: io.stdout });
    });

  program
    .command('predict')
    .description('segment images (PNG/JPEG/TIFF) or volumes (h5, nii) with a run checkpoint')
    .requiredOption('--run <folder>', 'run folder')
    .requiredOption('--input <paths...>', 'files or folders')
    .requiredOption('--out <folder>', 'output folder')
    .addOption(new Option('--checkpoint <which>', 'checkpoint').choices(['best', 'last']).default('best'))
    .action(async (opts: { run: string; input: string[]; out: string; checkpoint: 'best' | 'last' }) => {
      await predict({ ...opts, stream: io.stdout });
    });
  return program;
}

/**
 * Runs the `agcl` command line on `argv` (without the node and script entries) and returns the
 * exit code: 0 success, 2 bad flags / config / paths (message only, no stack trace), 3 training
 * stopped on a non-finite loss, 1 any other error.
 *
 * @example
 * ```ts
 * const code = await main(['train', '--steps', '50']);
 * ```
 */
export async function main(argv: string[], io: CliIo = {}): Promise<number> {
  const streams = { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr, stepHooks: io.stepHooks };
  let code = 0;
  const program = buildProgram(streams, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; commander has already printed its message
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      streams.stderr.write(`agcl: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof Error && err.name === 'DatasetError') {
      streams.stderr.write(`agcl: ${message}\n`);
      return 2;
    }
    streams.stderr.write(`agcl: ${message}\n`);
    if (process.env.AGCL_DEBUG && err instanceof Error && err.stack) streams.stderr.write(`${err.stack}\n`);
    else streams.stderr.write('(set AGCL_DEBUG=1 for the stack trace)\n');
    return 1;
  }
}
