// pnpm --filter @agcl/example-affinity-loss-drop-in start [-- --steps 150 --backend wasm --seed 0 --affinity-weight 0.5]
import { CommanderError } from 'commander';
import { parseFlags } from './flags';
import { runDropIn } from './run-drop-in';

try {
  const { steps, backend, seed, affinityWeight } = parseFlags(process.argv.slice(2));
  const t0 = Date.now();
  await runDropIn({ steps, backend, seed, lambdaAffinity: affinityWeight });
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (err) {
  // commander has printed the help (exit 0) or a bad flag's message and the --help hint (exit 2)
  process.exitCode = err instanceof CommanderError ? err.exitCode && 2 : 1;
  if (!(err instanceof CommanderError)) {
    console.error(`affinity-loss-drop-in: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.AGCL_DEBUG && err instanceof Error) console.error(err.stack);
  }
}
