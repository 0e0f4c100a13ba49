// Benchmark of the supervised U-Net training step on TensorFlow.js (wasm) against PyTorch, in one run,
// plus the Semi-AGCL step (bench/semi-step.ts) and its ratio to the supervised step.
// Usage: node bench/run.mjs [--quick] [--no-levers] [--no-torch] [--no-semi] [--rounds N]
// The configurations run in alternating rounds (tfjs, pytorch, tfjs, pytorch, ...) so that a drifting
// machine load affects both alike; wall and CPU seconds are pooled over the rounds.
// Writes bench/results/train-step-<date>.json and bench/results/train-step-latest.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const roundsArg = argv.indexOf('--rounds');
const rounds = roundsArg >= 0 ? Number(argv[roundsArg + 1]) : quick ? 1 : 3;
const steps = quick ? 3 : 4; // timed steps per round, after the warm-up
const warmup = quick ? 1 : 2;
const leverSteps = 3;
const python = '/usr/bin/python3';

const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

function collect(label, cmd, args) {
  process.stderr.write(`running ${label} ...\n`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 20 * 60_000 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) {
    const err = `${label} failed (exit ${r.status}): ${(r.stderr ?? '').split('\n').filter((l) => l.length < 400).slice(-5).join(' | ')}`;
    process.stderr.write(`${err}\n`);
    return { label, error: err };
  }
  const res = { label, ...JSON.parse(line.slice(7)), wallSeconds: (Date.now() - t0) / 1000, loadAverage: os.loadavg()[0] };
  process.stderr.write(`  ${label}: step ${res.stepSeconds.median.toFixed(3)} s (cpu ${res.stepCpuSeconds.median.toFixed(3)} s)${res.inferenceSeconds ? `, inference ${res.inferenceSeconds.median.toFixed(3)} s` : ''}\n`);
  return res;
}
const tfjs = (label, extra, n = steps, w = warmup) =>
  collect(label, process.execPath, ['--conditions=@agcl/source', '--import', 'tsx', join(here, 'train-step.ts'), '--steps', String(n), '--warmup', String(w), ...extra]);
const torch = (label, threads) =>
  collect(label, python, [join(here, 'torch_unet.py'), '--threads', String(threads), '--steps', String(steps), '--warmup', String(warmup)]);
const semi = (label, labeled, unlabeled, n, w) =>
  collect(label, process.execPath, ['--conditions=@agcl/source', '--import', 'tsx', join(here, 'semi-step.ts'), '--labeled', String(labeled), '--unlabeled', String(unlabeled), '--steps', String(n), '--warmup', String(w)]);
const hasTorch = () => existsSync(python) && spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

/** Pools the rounds of one configuration: medians over every timed step of every round. */
function pool(label, parts) {
  const ok = parts.filter((p) => !p.error);
  if (!ok.length) return { label, error: parts.map((p) => p.error).join('; ') };
  const cat = (k) => ok.flatMap((p) => p[k].all);
  const out = { ...ok[0], label, rounds: ok.length };
  for (const k of ['stepSeconds', 'stepCpuSeconds', 'inferenceSeconds', 'inferenceCpuSeconds']) out[k] = { median: median(cat(k)), all: cat(k) };
  out.peakRssMiB = Math.max(...ok.map((p) => p.peakRssMiB));
  if (ok[0].peakWasmHeapMiB != null) out.peakWasmHeapMiB = Math.max(...ok.map((p) => p.peakWasmHeapMiB));
  return out;
}

const load0 = os.loadavg();
const torchOk = !argv.includes('--no-torch') && hasTorch();
const configs = [
  ['tfjs wasm, 1 thread', () => tfjs('tfjs wasm, 1 thread', ['--threads', '1'])],
  ...(torchOk ? [['pytorch, 1 thread', () => torch('pytorch, 1 thread', 1)]] : []),
  ['tfjs wasm, 2 threads', () => tfjs('tfjs wasm, 2 threads', ['--threads', '2'])],
  ...(torchOk ? [['pytorch, 2 threads', () => torch('pytorch, 2 threads', 2)]] : []),
];
const parts = new Map(configs.map(([l]) => [l, []]));
for (let r = 0; r < rounds; r++) for (const [label, run] of configs) parts.get(label).push(run());
const runs = configs.map(([label]) => pool(label, parts.get(label)));

const levers = [];
if (!argv.includes('--no-levers')) {
  // Each patched kernel put back to wasm's own (1 thread), and each filter-gradient strategy, between two
  // runs with everything patched (the load drifts: compare each lever with the baselines next to it).
  levers.push(tfjs('lever baseline (all patched), before', ['--threads', '1'], leverSteps, 1));
  levers.push(tfjs('without the fused batch norm + leaky ReLU (and inference folding)', ['--threads', '1', '--no-fused'], leverSteps, 1));
  for (const k of ['Conv2DBackpropInput', 'Tile', 'Identity', 'BatchMatMul', 'DepthToSpace']) {
    levers.push(tfjs(`without patched ${k}`, ['--threads', '1', '--disable', k], leverSteps, 1));
  }
  for (const s of ['conv', 'im2col-transposed', 'im2col-slices', 'im2col']) {
    levers.push(tfjs(`Conv2DBackpropFilter strategy ${s}`, ['--threads', '1', '--filter-grad', s], leverSteps, 1));
  }
  levers.push(tfjs('lever baseline (all patched), after', ['--threads', '1'], leverSteps, 1));
}
// Semi-AGCL step: labeled + unlabeled 4 + 4 (timed, ratio to the supervised step at batch 4), and 8 + 8
// (peak memory).
const semiRuns = [];
if (!argv.includes('--no-semi')) {
  semiRuns.push(semi('semi-agcl step, 4 + 4, 1 thread', 4, 4, quick ? 2 : 3, 1));
  semiRuns.push(semi('semi-agcl step, 8 + 8, 1 thread', 8, 8, 1, 1));
}
const load1 = os.loadavg();

const byLabel = (l) => runs.find((r) => r.label === l && !r.error);
const ratios = {};
for (const t of ['1 thread', '2 threads']) {
  const ours = byLabel(`tfjs wasm, ${t}`);
  const ref = byLabel(`pytorch, ${t}`);
  if (ours && ref) {
    ratios[t] = {
      stepWall: ours.stepSeconds.median / ref.stepSeconds.median,
      stepCpu: ours.stepCpuSeconds.median / ref.stepCpuSeconds.median,
      inferenceWall: ours.inferenceSeconds.median / ref.inferenceSeconds.median,
      inferenceCpu: ours.inferenceCpuSeconds.median / ref.inferenceCpuSeconds.median,
    };
  }
}
const sup = byLabel('tfjs wasm, 1 thread');
const semi44 = semiRuns.find((r) => r.label.includes('4 + 4') && !r.error);
const semiOverSupervised = sup && semi44
  ? { stepWall: semi44.stepSeconds.median / sup.stepSeconds.median, stepCpu: semi44.stepCpuSeconds.median / sup.stepCpuSeconds.median }
  : null;
const stepGflop = runs.find((r) => r.stepGflop)?.stepGflop ?? null;
const result = {
  date: new Date().toISOString(),
  command: `node bench/run.mjs${argv.map((a) => ` ${a}`).join('')}`,
  machine: {
    cpu: os.cpus()[0]?.model,
    logicalCores: os.cpus().length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    loadAverageBefore: load0,
    loadAverageAfter: load1,
    note: 'shared machine: other jobs ran at the same time, so wall times include contention; CPU seconds of 1-thread runs are much less affected',
  },
  task: 'supervised step: U-Net 16-32-64-128-256 (bilinear), batch 4 x 128x128x1, 4 classes, 0.5*(CE + soft Dice), SGD momentum 0.9, weight decay 1e-4',
  stepGflop,
  rounds,
  stepsPerRound: steps,
  warmup,
  runs,
  ratiosOursOverPytorch: ratios,
  levers,
  semi: semiRuns,
  semiOverSupervised,
};
mkdirSync(join(here, 'results'), { recursive: true });
const stamp = result.date.replace(/[:.]/g, '-');
writeFileSync(join(here, 'results', `train-step-${stamp}.json`), JSON.stringify(result, null, 2));
writeFileSync(join(here, 'results', 'train-step-latest.json'), JSON.stringify(result, null, 2));

const f3 = (v) => +v.toFixed(3);
console.table([...runs, ...levers, ...semiRuns].map((r) =>
  r.error
    ? { run: r.label, error: r.error.slice(0, 120) }
    : {
        run: r.label,
        'step s': f3(r.stepSeconds.median),
        'step cpu s': f3(r.stepCpuSeconds.median),
        'GFLOP/s (wall)': stepGflop ? +(stepGflop / r.stepSeconds.median).toFixed(1) : '',
        'inference s': r.inferenceSeconds ? f3(r.inferenceSeconds.median) : '',
        'peak heap MiB': r.peakWasmHeapMiB ? Math.round(r.peakWasmHeapMiB) : '',
        'peak RSS MiB': Math.round(r.peakRssMiB),
        load: r.loadAverage?.toFixed(1),
      },
));
console.log('ours / pytorch (medians):', JSON.stringify(ratios, (k, v) => (typeof v === 'number' ? +v.toFixed(2) : v)));
if (semiOverSupervised) console.log('semi-agcl (4 + 4) / supervised (4):', JSON.stringify(semiOverSupervised, (k, v) => (typeof v === 'number' ? +v.toFixed(2) : v)));
for (const r of semiRuns.filter((q) => !q.error)) {
  console.log(`${r.label}: parts cpu s ${JSON.stringify(r.partsCpuSeconds, (k, v) => (typeof v === 'number' ? +v.toFixed(3) : v))}, optimizer update ${r.optimizerUpdateSeconds.cpu.toFixed(3)} s, ${r.patches} patches, peak heap ${Math.round(r.peakWasmHeapMiB)} MiB, RSS ${Math.round(r.peakRssMiB)} MiB`);
}
console.log(`load average before ${load0.map((v) => v.toFixed(2)).join(' ')}, after ${load1.map((v) => v.toFixed(2)).join(' ')}`);
if ([...runs, ...levers, ...semiRuns].some((r) => r.error)) process.exitCode = 1;
