import { Command, InvalidArgumentError, Option } from 'commander';

/** `--seed`: an integer >= 1 (commander's argParser; a bad value is refused naming the flag). */
function seedOf(raw: string): number {
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('Expected an integer >= 1.');
  return n;
}

/**
 * The command line of `src/main.ts`. A bad flag prints `sampler-only: <message>` and the --help
 * hint and throws a CommanderError (exitCode 1; 0 after --help) instead of exiting.
 */
export function program(): Command {
  return new Command('pnpm --filter @agcl/example-sampler-only start --')
    .description('Entropy maps and sampled patches of two phantom images, written as PNG pictures.')
    .option('--out <folder>', 'folder for the pictures and summary.json', (raw: string) => {
      if (raw.trim() === '') throw new InvalidArgumentError('Expected a folder, not an empty string.');
      return raw;
    }, 'out')
    .option('--seed <n>', 'seed of the phantoms, the simulated teacher and the sampler', seedOf, 1)
    .addOption(new Option('--mode <mode>', 'how patches are weighted when drawn').choices(['entropy', 'uniform']).default('entropy'))
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`sampler-only: ${s.replace(/^error: /, '').replace('\n(', ' (')}`) })
    .showHelpAfterError('(run with --help for the options)');
}

/** The flags' values from `argv` (a lone `--`, which pnpm passes on, is dropped). */
export function parseFlags(argv: readonly string[], cli = program()): { out: string; seed: number; mode: 'entropy' | 'uniform' } {
  return cli.parse(argv.filter((a) => a !== '--'), { from: 'user' }).opts();
}
