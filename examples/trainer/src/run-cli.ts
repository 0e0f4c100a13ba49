import { Command, CommanderError, Option } from 'commander';
import { version as trainerVersion } from '../package.json';
import { BACKENDS, parseFlagValues, readConfigFile } from './config';
import { defaultTextOf, flagOf, optionsByGroup } from './options';
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

/** `agcl train`'s flags and help lines, from the option table (`TRAIN_OPTIONS`). */
function trainFlags(): Array<[string, string]> {
  return optionsByGroup().flatMap(([key, o]): Array<[string, string]> => {
    const help = `${o.help} (default ${defaultTextOf(o)})`;
    if (o.arg) return [[`${flagOf(key)} ${o.arg}`, help]];
    return [[flagOf(key), help], [`--no-${flagOf(key).slice(2)}`, `the opposite of ${flagOf(key)}`]]; // a switch: both ways
  });
}

function buildProgram(io: Required<Omit<CliIo, 'stepHooks'>> & Pick<CliIo, 'stepHooks'>, setExit: (code: number) => void): Command {
  const program = new Command('agcl')
    .description('Semi-AGCL segmentation on TensorFlow.js: train, evaluate and predict. With no command: train Semi-AGCL on synthetic cardiac phantoms.')
    .version(trainerVersion, '-V, --version', "print the trainer's version (@agcl/trainer's package.json)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(run pnpm exec agcl <command> --help for the options)');

  const trainCmd = program.command('train', { isDefault: true }).description('train a method (default: semi-agcl on synthetic data)');
  for (const [flags, help] of trainFlags()) trainCmd.option(flags, help);
  trainCmd
    .option('--config <file>', 'JSON file of options (same names in camelCase); flags override it')
    .option('--resume <run>', 'continue a run folder from its last checkpoint')
    .option('--overwrite', 'replace the run already in --out (its files are removed once the new config and data are checked)')
    .option('--no-report', 'do not write report.html / report.md (kept for --resume)')
    .action(async (opts: Record<string, unknown>) => {
      const { config: file, resume, report, overwrite, ...flags } = opts;
      const fromFile = typeof file === 'string' ? readConfigFile(file) : {};
      const fromFlags = parseFlagValues(flags);
      const result = await train({
        config: { ...fromFile, ...fromFlags },
        resume: typeof resume === 'string' ? resume : undefined,
        overwrite: overwrite === true,
        // undefined: a new run writes the report, a resumed one does what it did (run.json)
        report: report === false ? false : undefined,
        handleSigint: true,
        stream: io.stdout,
        ...(io.stepHooks ? { stepHooks: io.stepHooks } : {}),
      });
      setExit(result.status === 'non-finite' ? 3 : 0);
    });

  program
    .command('eval')
    .description('evaluate a run checkpoint on its validation cases, a test split or list, or another data folder (per case and mean per class)')
    .requiredOption('--run <folder>', 'run folder')
    .addOption(new Option('--checkpoint <which>', 'checkpoint').choices(['best', 'last']).default('best'))
    .option('--split <name>', "cases: val (the run's validation cases, default), test (ACDC test.list, or test/images + test/masks), or another list or split of the data folder")
    .option('--list <file>', 'a list file of case names (ACDC layout: data/<name>.h5 of the data folder), instead of --split')
    .option('--data-dir <folder>', "another data folder of the run's dataset kind, instead of the run's own")
    .addOption(new Option('--backend <name>', 'backend (default: the run\'s)').choices([...BACKENDS]))
    .option('--recalibrate-bn', 're-estimate the batch-norm statistics without dropout on the labeled training images first')
    .action(async (opts: { run: string; checkpoint: 'best' | 'last'; split?: string; list?: string; dataDir?: string; backend?: (typeof BACKENDS)[number]; recalibrateBn?: boolean }) => {
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
    // every line of a message starts with 'agcl: ' (a config file can have several bad options)
    const fail = (message: string) => streams.stderr.write(message.split('\n').map((line) => `agcl: ${line}\n`).join(''));
    if (err instanceof CommanderError) {
      // help and version exit 0; commander has already printed its message
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      fail(err.message);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof Error && err.name === 'DatasetError') {
      fail(message);
      return 2;
    }
    fail(message);
    if (process.env.AGCL_DEBUG && err instanceof Error && err.stack) streams.stderr.write(`${err.stack}\n`);
    else streams.stderr.write('(set AGCL_DEBUG=1 for the stack trace)\n');
    return 1;
  }
}
