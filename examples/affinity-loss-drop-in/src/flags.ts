import { Command, InvalidArgumentError, Option } from 'commander';

/** commander's argParser for a number >= `min`, a whole one where `integer` (a bad value is refused naming the flag). */
const atLeast = (min: number, integer: boolean) => (raw: string): number => {
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) throw new InvalidArgumentError(`Expected ${integer ? 'an integer' : 'a number'} >= ${min}.`);
  return n;
};

/**
 * The command line of `src/main.ts`. A bad flag prints `affinity-loss-drop-in: <message>` and the
 * --help hint and throws a CommanderError (exitCode 1; 0 after --help) instead of exiting.
 */
export function program(): Command {
  return new Command('pnpm --filter @agcl/example-affinity-loss-drop-in start --')
    .description('The affinity-graph-guided loss added to a small TensorFlow.js model in a custom training loop.')
    .option('--steps <n>', 'training steps', atLeast(1, true), 150)
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(['wasm', 'cpu', 'auto']).default('wasm'))
    .option('--seed <n>', 'seed of the data and the weights', atLeast(0, true), 0)
    .option('--affinity-weight <x>', 'weight of the affinity-graph loss (0: cross-entropy only)', atLeast(0, false), 0.5)
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`affinity-loss-drop-in: ${s.replace(/^error: /, '').replace('\n(', ' (')}`) })
    .showHelpAfterError('(run with --help for the options)');
}

/** The flags' values from `argv` (a lone `--`, which pnpm passes on, is dropped), with commander's camelCase keys. */
export function parseFlags(argv: readonly string[], cli = program()): { steps: number; backend: 'wasm' | 'cpu' | 'auto'; seed: number; affinityWeight: number } {
  return cli.parse(argv.filter((a) => a !== '--'), { from: 'user' }).opts();
}
