// One benchmark configuration of the supervised U-Net training step on TensorFlow.js; prints one JSON line.
// Usage: node --conditions=@agcl/source --import tsx bench/train-step.ts --threads 1 --steps 5 --warmup 2
//   [--filter-grad auto|im2col|im2col-transposed|conv] [--disable Kernel1,Kernel2] [--backend wasm|cpu|webgpu|tensorflow]
//   [--profile] [--no-fused] [--flags '{"WEBGPU_CPU_FORWARD":false}']  (tfjs environment flags, set after the backend starts)
// --disable puts back wasm's own kernel for the named patched kernels (to measure what each one gains).
import * as tf from '@tensorflow/tfjs-core';
import * as wasmPkg from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '@agcl/backend';
import { UNet } from '@agcl/unet';
import { conv2dBackpropFilterWasm, type FilterGradStrategy } from '../packages/backend/src/wasm-kernels/conv2d-backprop-filter';
import { unetForwardMacs } from './unet-flops';
import { printKernelProfile, profileKernels, type KernelProfile } from './kernel-profile';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const threads = Number(arg('threads', '1'));
const steps = Number(arg('steps', '5'));
const warmup = Number(arg('warmup', '2'));
const filterGrad = arg('filter-grad', 'auto') as FilterGradStrategy;
const disabled = arg('disable', '').split(',').filter(Boolean);
// --no-fused: the U-Net's composed batch norm + activation ops instead of its fused kernel (A/B).
if (process.argv.includes('--no-fused')) tf.env().set('AGCL_FUSED_BATCH_NORM', false);
const backendName = arg('backend', 'wasm') as 'wasm' | 'cpu' | 'webgpu' | 'tensorflow';
const [N, S, K] = [4, 128, 4];

void wasmPkg; // loaded first so that wasm's own kernels can be kept for --disable
const wasmOriginals = new Map(disabled.map((k) => [k, tf.getKernel(k, 'wasm')]));
const report = await initBackend({ backend: backendName, threads });
for (const [flag, value] of Object.entries(JSON.parse(arg('flags', '{}')) as Record<string, number | boolean>)) tf.env().set(flag, value);
if (backendName === 'wasm' && filterGrad !== 'auto') {
  tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ((a: never) => conv2dBackpropFilterWasm(a, filterGrad)) as unknown as tf.KernelFunc,
  });
}
for (const [name, original] of wasmOriginals) {
  if (original == null) throw new Error(`--disable ${name}: the wasm backend has no kernel of its own by that name.`);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel(original);
}

const net = new UNet({ inChannels: 1, numClasses: K, projection: false, seed: 1337 });
const variables = net.trainableVariables();
const x = tf.randomUniform([N, S, S, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
const labels = tf.randomUniform([N, S, S], 0, K, 'int32', 2) as tf.Tensor3D;
const oneHot = tf.oneHot(tf.reshape(labels, [-1]), K);
const optimizer = tf.train.momentum(0.01, 0.9);
const weightDecay = 1e-4;

/** 0.5 * (cross-entropy + soft Dice), as SSL4MIS's supervised loss (Dice over all K classes, squared sums). */
function supervisedLoss(logits: tf.Tensor4D): tf.Scalar {
  const flat = tf.reshape(logits, [-1, K]);
  const logp = tf.logSoftmax(flat);
  const ce = tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logp), 1)));
  const p = tf.exp(logp);
  const inter = tf.sum(tf.mul(p, oneHot), 0);
  const z = tf.sum(tf.square(p), 0);
  const y = tf.sum(oneHot, 0);
  const dice = tf.mean(tf.sub(1, tf.div(tf.add(tf.mul(2, inter), 1e-5), tf.add(tf.add(z, y), 1e-5))));
  return tf.mul(0.5, tf.add(ce, dice)) as tf.Scalar;
}

async function trainStep(): Promise<number> {
  const { value, grads } = tf.variableGrads(() => supervisedLoss(net.forward(x, { training: true }).logits), variables);
  const decayed = tf.tidy(() => {
    const out: tf.NamedTensorMap = {};
    for (const v of variables) out[v.name] = tf.add(grads[v.name], tf.mul(weightDecay, v));
    return out;
  });
  optimizer.applyGradients(decayed as Parameters<typeof optimizer.applyGradients>[0]);
  const loss = (await value.data())[0];
  tf.dispose([value, grads, decayed]);
  return loss;
}
async function inference(): Promise<void> {
  const { logits } = net.forward(x, { training: false });
  await logits.data();
  logits.dispose();
}
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
/** Wall seconds and process CPU seconds (all threads) of each of n calls after w warm-up calls. */
async function timeIt(f: () => Promise<unknown>, n: number, w: number): Promise<{ wall: number[]; cpu: number[] }> {
  for (let i = 0; i < w; i++) await f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    wall.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { wall, cpu };
}

// --profile: time every kernel call (top-level and nested), wrapped after one warm-up step so that the
// kernels registered on first use (the U-Net's fused batch norm) are included; totals printed at the end.
const profiling = process.argv.includes('--profile');
let profile: KernelProfile = new Map();
if (profiling) {
  await trainStep();
  profile = profileKernels(backendName);
}
const losses: number[] = [];
const stepTimes = await timeIt(async () => losses.push(await trainStep()), steps, warmup);
const inferTimes = await timeIt(inference, steps, 1);
const macs = unetForwardMacs({ size: S, inChannels: 1, numClasses: K, channels: net.config.channels, upsampling: net.config.upsampling });
const stepFlop = 3 * 2 * macs * N;
const heap = backendName === 'wasm' ? (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength : null;
const gpuBytes = (tf.memory() as { numBytesInGPUAllocated?: number }).numBytesInGPUAllocated;
const result = {
  framework: 'tfjs',
  backend: report.name,
  threads: report.threads,
  reason: report.reason,
  flags: JSON.parse(arg('flags', '{}')),
  filterGrad,
  patchedKernels: report.patchedKernels.filter((k) => !disabled.includes(k)),
  disabled,
  batch: [N, S, S, 1],
  classes: K,
  parameters: net.parameterCount(),
  stepSeconds: { median: median(stepTimes.wall), all: stepTimes.wall },
  stepCpuSeconds: { median: median(stepTimes.cpu), all: stepTimes.cpu },
  inferenceSeconds: { median: median(inferTimes.wall), all: inferTimes.wall },
  inferenceCpuSeconds: { median: median(inferTimes.cpu), all: inferTimes.cpu },
  stepGflop: stepFlop / 1e9,
  gflopPerSecond: stepFlop / 1e9 / median(stepTimes.wall),
  peakWasmHeapMiB: heap == null ? null : heap / 2 ** 20,
  gpuAllocatedMiB: gpuBytes == null ? null : gpuBytes / 2 ** 20,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
  losses,
  leakedTensors: tf.memory().numTensors,
};
if (profile.size) printKernelProfile(profile, steps + warmup);
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
