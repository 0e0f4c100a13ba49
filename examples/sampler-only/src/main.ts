// pnpm --filter @agcl/example-sampler-only start [-- --out out --seed 1 --mode entropy|uniform]
import { runMain } from './cli-args';
import { FLAGS } from './flags';
import { runSamplerExample } from './run-sampler-example';

process.exitCode = await runMain('sampler-only', 'usage: pnpm --filter @agcl/example-sampler-only start -- [options]', FLAGS, async (v) => {
  await runSamplerExample({
    outDir: (v.out as string | undefined) ?? 'out',
    seed: v.seed as number | undefined,
    mode: (v.mode as 'entropy' | 'uniform' | undefined) ?? 'entropy',
  });
});
