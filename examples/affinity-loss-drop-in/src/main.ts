// pnpm --filter @agcl/example-affinity-loss-drop-in start [-- --steps 150 --backend wasm --seed 0 --affinity-weight 0.5]
import { runMain } from './cli-args';
import { FLAGS } from './flags';
import { runDropIn } from './run-drop-in';

process.exitCode = await runMain('affinity-loss-drop-in', 'usage: pnpm --filter @agcl/example-affinity-loss-drop-in start -- [options]', FLAGS, async (v) => {
  const t0 = Date.now();
  await runDropIn({
    steps: v.steps as number | undefined,
    backend: v.backend as 'cpu' | 'wasm' | 'auto' | undefined,
    seed: v.seed as number | undefined,
    lambdaAffinity: v['affinity-weight'] as number | undefined,
  });
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
