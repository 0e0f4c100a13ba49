// One Semi-AGCL training step on TensorFlow.js (wasm), timed by part; prints one JSON line (RESULT ...).
// Usage: node --conditions=@agcl/source --import tsx bench/semi-step.ts [--labeled 4] [--unlabeled 4]
//   [--threads 1] [--steps 3] [--warmup 1] [--profile] [--backend wasm|cpu|webgpu|tensorflow]
// The step composes the packages as written: teacher forward (batch statistics and dropout, the trainer's
// default --teacher-forward train; embeddings) on the noised
// batch; confidence maps (labels for the labeled images, teacher softmax for the unlabeled); average patch
// entropy and patch sampling (@agcl/sampler); student forward with embeddings inside the tape; losses
// 0.5 (CE + Dice) on the labeled part, softmax MSE consistency on the unlabeled part, patch contrastive
// and affinity-graph losses (@agcl/affinity-loss); trainStep with @agcl/mean-teacher's SGD; EMA update.
import * as tf from '@tensorflow/tfjs-core';
import { printKernelProfile, profileKernels, type KernelProfile } from './kernel-profile';
import { initBackend } from '@agcl/backend';
import { UNet } from '@agcl/unet';
import { averagePatchEntropy, poolPatchEmbeddings, samplePatches } from '@agcl/sampler';
import { affinityGraphLoss, patchContrastiveLoss } from '@agcl/affinity-loss';
import { EmaTeacher, createOptimizer, crossEntropyLoss, softDiceLoss, softmaxMse, trainStep } from '@agcl/mean-teacher';

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
const grid = { patchSize: 16, stride: 16 };

const backendName = arg('backend', 'wasm') as 'wasm' | 'cpu' | 'webgpu' | 'tensorflow';
const report = await initBackend({ backend: backendName, threads });
const student = new UNet({ inChannels: 1, numClasses: K, seed: 1337 });
const teacher = student.clone();
const ema = new EmaTeacher({ student, teacher, emaDecay: 0.99 });
const { optimizer } = createOptimizer({ name: 'sgd', learningRate: 0.01, momentum: 0.9, weightDecay: 1e-4 });
const x = tf.randomUniform([nl + nu, S, S, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
const yl = tf.randomUniform([nl, S, S], 0, K, 'int32', 2) as tf.Tensor3D;
const ylOneHot = tf.cast(tf.oneHot(yl, K), 'float32') as tf.Tensor4D;

type Parts = Record<string, number>;
const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

async function semiStep(step: number): Promise<{ parts: Parts; cpuParts: Parts; loss: number; patches: number }> {
  const parts: Parts = {};
  const cpuParts: Parts = {};
  let t = performance.now();
  let c = cpuNow();
  const mark = (name: string) => {
    const t1 = performance.now();
    const c1 = cpuNow();
    parts[name] = (t1 - t) / 1000;
    cpuParts[name] = c1 - c;
    t = t1;
    c = c1;
  };
  const keep: tf.Tensor[] = [];
  // 1. teacher forward on the noised batch, outside the tape
  const tIn = tf.tidy(() => tf.add(x, tf.clipByValue(tf.randomNormal(x.shape, 0, 0.1, 'float32', step), -0.2, 0.2))) as tf.Tensor4D;
  const tOut = teacher.forward(tIn, { training: true, bnMomentum: 0, seed: step, embeddings: true });
  keep.push(tIn, tOut.logits, tOut.embeddings!);
  const teacherLogitsU = tf.slice(tOut.logits, [nl, 0, 0, 0], [nu, -1, -1, -1]);
  keep.push(teacherLogitsU);
  await teacherLogitsU.data();
  mark('teacherForward');
  // 2.-3. confidence maps, APE, sampling, teacher patch embeddings
  const confidence = tf.tidy(() => tf.concat([ylOneHot, tf.softmax(teacherLogitsU)], 0)) as tf.Tensor4D;
  const ape = averagePatchEntropy(confidence, { ...grid, intensity: x, beta: 0.5, bins: 16 });
  keep.push(confidence, ape.ape, ape.meanConfidence);
  const [apeValues, muValues] = await Promise.all([ape.ape.data(), ape.meanConfidence.data()]);
  const sample = samplePatches(apeValues as Float32Array, muValues as Float32Array, ape.ape.shape as [number, number, number, number], {
    samplesPerClass: 16,
    maxPatches: 256,
    seed: step,
  });
  const zTeacher = poolPatchEmbeddings(tOut.embeddings!, sample, grid);
  const q = tf.tensor2d(sample.confidence, [sample.count, K]);
  keep.push(zTeacher, q);
  await zTeacher.data();
  mark('sampler');
  // 4.-5. student forward + losses inside the tape, gradients, SGD update
  const result = await trainStep({
    variables: student.trainableVariables(),
    optimizer,
    step,
    weights: { consistency: 0.1, contrastive: 0.1, affinity: 0.1 },
    rampup: 1,
    losses: () => {
      const out = student.forward(x, { training: true, embeddings: true });
      const logitsL = tf.slice(out.logits, [0, 0, 0, 0], [nl, -1, -1, -1]);
      const logitsU = tf.slice(out.logits, [nl, 0, 0, 0], [nu, -1, -1, -1]);
      const supervised = tf.mul(0.5, tf.add(crossEntropyLoss(logitsL, ylOneHot), softDiceLoss(logitsL, ylOneHot))) as tf.Scalar;
      const zStudent = poolPatchEmbeddings(out.embeddings!, sample, grid);
      return {
        supervised,
        consistency: softmaxMse(logitsU, teacherLogitsU),
        contrastive: patchContrastiveLoss(zStudent, zTeacher, sample.groups, { temperature: 0.1 }),
        affinity: affinityGraphLoss(zStudent, zTeacher, q, { temperature: 0.2, threshold: 0.8 }),
      };
    },
  });
  mark('studentStep');
  ema.update(step);
  await tf.slice(teacher.trainableVariables()[0], [0, 0, 0, 0], [1, 1, 1, 1]).data();
  mark('ema');
  tf.dispose(keep);
  return { parts, cpuParts, loss: result.loss, patches: sample.count };
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
