// pnpm --filter @agcl/example-sampler-only start [-- --out out --seed 1 --mode entropy|uniform]
import { runSamplerExample } from './run-sampler-example';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

await runSamplerExample({
  outDir: arg('out') ?? 'out',
  seed: arg('seed') ? Number(arg('seed')) : undefined,
  mode: (arg('mode') as 'entropy' | 'uniform' | undefined) ?? 'entropy',
});
