// pnpm --filter @agcl/example-own-model start [-- --steps 80 --size 48 --seed 1 --backend wasm|cpu --method semi-agcl]
import { parseArgs } from 'node:util';
import { METHOD_NAMES, type MethodName } from '@agcl/semi-agcl';
import { trainOwnModel } from './train-own-model';

const USAGE = `usage: pnpm --filter @agcl/example-own-model start [-- options]
  --steps N       training steps (default 80)
  --size N        image side in pixels, a multiple of 8 in 16..128 (default 48)
  --seed N        seed of data, weights and step (default 1)
  --backend NAME  wasm (default) or cpu (cpu's conv gradients are ~100x slower)
  --method NAME   ${METHOD_NAMES.join(', ')} (default semi-agcl)
  --log-every N   print a loss line every N steps (default 10)
  --help`;

function fail(message: string): never {
  console.error(`error: ${message}\n${USAGE}`);
  process.exit(2);
}

function integer(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${flag} must be an integer in [${min}, ${max}]; got '${value}'`);
  return n;
}

// `pnpm start -- --steps 40` hands the script a literal '--' first; `pnpm start --steps 40` does not.
const args = process.argv.slice(2);
if (args[0] === '--') args.shift();
let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    args,
    options: {
      steps: { type: 'string' },
      size: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      method: { type: 'string' },
      'log-every': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  fail((err as Error).message); // unknown flag, missing value, stray argument
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const str = (k: string) => values[k] as string | undefined;
const size = integer('size', str('size'), 48, 16, 128);
if (size % 8 !== 0) fail(`--size must be a multiple of 8 (patches of size/8 pixels, a 2x pool); got ${size}`);
const backend = str('backend') ?? 'wasm';
if (backend !== 'wasm' && backend !== 'cpu') fail(`--backend must be 'wasm' or 'cpu'; got '${backend}'`);
const method = str('method') ?? 'semi-agcl';
if (!(METHOD_NAMES as readonly string[]).includes(method)) fail(`--method must be one of ${METHOD_NAMES.join(', ')}; got '${method}'`);

const t0 = Date.now();
try {
  await trainOwnModel({
    steps: integer('steps', str('steps'), 80, 1, 100_000),
    size,
    seed: integer('seed', str('seed'), 1, 1, 2 ** 31 - 1),
    logEvery: integer('log-every', str('log-every'), 10, 1, 100_000),
    backend,
    semiAgcl: { method: method as MethodName },
  });
} catch (err) {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
