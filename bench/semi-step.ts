// One Semi-AGCL training step on TensorFlow.js (wasm), timed by part; prints one JSON line (RESULT ...).
// Usage: node --conditions=@agcl/source --import tsx bench/semi-step.ts [--labeled 4] [--unlabeled 4]
//   [--threads 1] [--steps 3] [--warmup 1] [--profile] [--backend wasm|cpu|webgpu|tensorflow]
// The step is the package's own (`SemiAgcl` of @agcl/semi-agcl, default options: teacher forward with
// batch statistics and dropout, entropy-driven sampling, the four loss terms), here with SGD (momentum
// 0.9, weight decay 1e-4), a fixed learning rate of 0.01 and no ramp-up (w = 1), on random images and
// labels at 128x128 (16x16 patches). Parts are timed at the step's phase ends (`onPhase`): teacher
// forward, sampler (entropy, sampling, teacher patch embeddings), student step (losses, gradients,
// update), EMA. On wasm and cpu every kernel runs synchronously, so the phase ends are exact.
import * as tf from '@tensorflow/tfjs-core';
import { printKernelProfile, profileKernels, type KernelProfile } from './kernel-profile';
import { initBackend } from '@agcl/backend';
import { UNet } from '@agcl/unet';
import { createOptimizer } from '@agcl/mean-teacher';
import { SemiAgcl, type StepPhase } from '@agcl/semi-agcl';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const nl = Number(arg('labeled', '4'));
const nu = Number(arg('unlabeled', '4'));
const steps = Number(arg('steps', '3'));
const warmup = Number(arg('warmup', '1'));
const threads = Number(arg('threads', '1'));
const [S, K] = [128, 4];

const backendName = arg('backend', 'wasm') as 'wasm' | 'cpu' | 'webgpu' | 'tensorflow';
const report = await initBackend({ backend: backendName, threads });
const student = new UNet({ inChannels: 1, numClasses: K, seed: 1337 });
const teacher = student.clone();
const { optimizer } = createOptimizer({ name: 'sgd', learningRate: 0.01, momentum: 0.9, weightDecay: 1e-4 });
const xl = tf.randomUniform([nl, S, S, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
const xu = tf.randomUniform([nu, S, S, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
const yl = tf.randomUniform([nl, S, S], 0, K, 'int32', 2) as tf.Tensor3D;

type Parts = Record<string, number>;
const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
const PART_OF: Record<StepPhase, string> = { teacher: 'teacherForward', sampler: 'sampler', student: 'studentStep', ema: 'ema' };
let mark: (phase: StepPhase) => void = () => undefined;
const semi = new SemiAgcl({
  student,
  teacher,
  optimizer,
  numClasses: K,
  options: { rampupSteps: 0, patchSize: 16 },
  onPhase: (phase) => mark(phase),
});

async function semiStep(step: number): Promise<{ parts: Parts; cpuParts: Parts; loss: number; patches: number }> {
  const parts: Parts = {};
  const cpuParts: Parts = {};
  let t = performance.now();
  let c = cpuNow();
  mark = (phase) => {
    const t1 = performance.now();
    const c1 = cpuNow();
    parts[PART_OF[phase]] = (t1 - t) / 1000;
    cpuParts[PART_OF[phase]] = c1 - c;
    t = t1;
    c = c1;
  };
  const result = await semi.step({ xl, yl, xu }, step);
  return { parts, cpuParts, loss: result.loss, patches: result.patches };
}

/** The optimiser update alone: SGD (momentum, weight decay) on the U-Net's variables with fixed gradients. */
async function optimizerUpdateSeconds(n: number): Promise<{ wall: number; cpu: number }> {
  const vars = student.trainableVariables();
  const grads: tf.NamedTensorMap = {};
  for (const v of vars) grads[v.name] = tf.mul(tf.onesLike(v), 1e-6);
  const { optimizer: opt } = createOptimizer({ name: 'sgd', learningRate: 1e-9, momentum: 0.9, weightDecay: 1e-4 });
  opt.applyGradients(grads);
  const c0 = cpuNow();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) opt.applyGradients(grads);
  await vars[0].data(); // finish
  const out = { wall: (performance.now() - t0) / 1000 / n, cpu: (cpuNow() - c0) / n };
  tf.dispose(Object.values(grads));
  opt.dispose();
  return out;
}

const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
for (let i = 0; i < warmup; i++) await semiStep(i);
// --profile: time every kernel call (top-level and nested) of the timed steps; totals on stderr.
const profile: KernelProfile = process.argv.includes('--profile') ? profileKernels(backendName) : new Map();
const wall: number[] = [];
const cpu: number[] = [];
const partRuns: Parts[] = [];
const cpuPartRuns: Parts[] = [];
const losses: number[] = [];
let patches = 0;
for (let i = 0; i < steps; i++) {
  const c0 = cpuNow();
  const t0 = performance.now();
  const r = await semiStep(warmup + i);
  wall.push((performance.now() - t0) / 1000);
  cpu.push(cpuNow() - c0);
  partRuns.push(r.parts);
  cpuPartRuns.push(r.cpuParts);
  losses.push(r.loss);
  patches = r.patches;
}
const partMedians = (runs: Parts[]) => Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((p) => p[k]))]));
const opt = await optimizerUpdateSeconds(5);
const heap = backendName === 'wasm' ? (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength : null;
const gpuBytes = (tf.memory() as { numBytesInGPUAllocated?: number }).numBytesInGPUAllocated;
const result = {
  framework: 'tfjs',
  kind: 'semi-agcl',
  backend: report.name,
  reason: report.reason,
  threads: report.threads,
  batch: { labeled: nl, unlabeled: nu, size: S, classes: K },
  patches,
  stepSeconds: { median: median(wall), all: wall },
  stepCpuSeconds: { median: median(cpu), all: cpu },
  partsSeconds: partMedians(partRuns),
  partsCpuSeconds: partMedians(cpuPartRuns),
  optimizerUpdateSeconds: opt,
  peakWasmHeapMiB: heap == null ? null : heap / 2 ** 20,
  gpuAllocatedMiB: gpuBytes == null ? null : gpuBytes / 2 ** 20,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
  losses,
  leakedTensors: tf.memory().numTensors,
};
printKernelProfile(profile, steps);
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
