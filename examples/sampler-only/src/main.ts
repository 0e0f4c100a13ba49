// pnpm --filter @agcl/example-sampler-only start [-- --out out --seed 1 --mode entropy|uniform]
import { CommanderError } from 'commander';
import { parseFlags } from './flags';
import { runSamplerExample } from './run-sampler-example';

try {
  const { out, seed, mode } = parseFlags(process.argv.slice(2));
  await runSamplerExample({ outDir: out, seed, mode });
} catch (err) {
  // commander has printed the help (exit 0) or a bad flag's message and the --help hint (exit 2)
  process.exitCode = err instanceof CommanderError ? err.exitCode && 2 : 1;
  if (!(err instanceof CommanderError)) {
    console.error(`sampler-only: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.AGCL_DEBUG && err instanceof Error) console.error(err.stack);
  }
}
