// pnpm --filter @agcl/example-affinity-loss-drop-in start [-- --steps 40 --backend cpu]
import { runDropIn } from './run-drop-in';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const t0 = Date.now();
const { accuracy } = await runDropIn({
  steps: arg('steps') ? Number(arg('steps')) : undefined,
  backend: (arg('backend') as 'cpu' | 'wasm' | 'auto' | undefined) ?? 'cpu',
  seed: arg('seed') ? Number(arg('seed')) : undefined,
});
console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s (accuracy ${(100 * accuracy).toFixed(1)}%)`);
