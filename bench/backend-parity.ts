// Does a backend train the same network as the cpu backend? Computes, on the chosen backend and then on
// cpu in the same process, the U-Net's logits, its supervised loss 0.5 (CE + soft Dice) and the gradient of
// every variable, and the patch contrastive and affinity-graph losses with their gradients on fixed
// embeddings. Prints each quantity's worst error relative to the largest cpu value; one JSON line.
// Usage: node --conditions=@agcl/source --import tsx bench/backend-parity.ts --backend webgpu [--tolerance 1e-3]
// Exit code 1 when any relative error exceeds the tolerance.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { UNet } from '@agcl/unet';
import { affinityGraphLoss, patchContrastiveLoss } from '@agcl/affinity-loss';
import { crossEntropyLoss, softDiceLoss } from '@agcl/mean-teacher';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const backendName = arg('backend', 'wasm') as 'wasm' | 'cpu' | 'webgpu' | 'tensorflow';
const tolerance = Number(arg('tolerance', '1e-3'));
const [N, S, K, P, D] = [2, 32, 4, 24, 32];

/** Every compared quantity as plain float64 arrays, computed on the active backend. */
async function compute(): Promise<Map<string, Float64Array>> {
  const out = new Map<string, Float64Array>();
  const put = async (name: string, t: tf.Tensor) => out.set(name, Float64Array.from(await t.data()));
  const net = new UNet({ inChannels: 1, numClasses: K, projection: false, seed: 7 });
  const x = tf.randomUniform([N, S, S, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  const labels = tf.randomUniform([N, S, S], 0, K, 'int32', 2) as tf.Tensor3D;
  const oneHot = tf.cast(tf.oneHot(labels, K), 'float32') as tf.Tensor4D;
  const vars = net.trainableVariables();
  const { value, grads } = tf.variableGrads(() => {
    const { logits } = net.forward(x, { training: true, seed: 3 });
    return tf.mul(0.5, tf.add(crossEntropyLoss(logits, oneHot), softDiceLoss(logits, oneHot))) as tf.Scalar;
  }, vars);
  await put('unet.loss', value);
  // Variable names carry a per-process counter, so gradients are keyed by position and the name's last parts.
  for (const [i, v] of vars.entries()) await put(`unet.grad.${String(i).padStart(2, '0')}.${v.name.split('/').slice(-2).join('/')}`, grads[v.name]);
  const { logits } = net.forward(x, { training: false });
  await put('unet.inferenceLogits', logits);
  // Patch losses on fixed embeddings: P patches of dimension D in 4 classes.
  const zs = tf.variable(tf.randomNormal([P, D], 0, 1, 'float32', 4)) as tf.Variable<tf.Rank.R2>;
  const zt = tf.randomNormal([P, D], 0, 1, 'float32', 5) as tf.Tensor2D;
  const qRaw = tf.randomUniform([P, K], 0, 1, 'float32', 6);
  const q = tf.div(qRaw, tf.sum(qRaw, 1, true)) as tf.Tensor2D;
  const all = Array.from({ length: P }, (_, i) => i);
  const groups = Array.from({ length: K }, (_, c) => ({
    positives: all.filter((i) => i % K === c),
    negatives: all.filter((i) => i % K !== c),
  }));
  const contrast = tf.variableGrads(() => patchContrastiveLoss(zs, zt, groups, { temperature: 0.1 }), [zs]);
  await put('contrastive.loss', contrast.value);
  await put('contrastive.grad', contrast.grads[zs.name]);
  const affinity = tf.variableGrads(() => affinityGraphLoss(zs, zt, q, { temperature: 0.2, threshold: 0.8 }), [zs]);
  await put('affinity.loss', affinity.value);
  await put('affinity.grad', affinity.grads[zs.name]);
  tf.dispose([x, labels, oneHot, value, logits, zs, zt, qRaw, q, contrast.value, affinity.value]);
  tf.dispose([...Object.values(grads), ...Object.values(contrast.grads), ...Object.values(affinity.grads)]);
  net.dispose();
  return out;
}

const report = await initBackend({ backend: backendName });
const t0 = performance.now();
const ours = await compute();
const seconds = (performance.now() - t0) / 1000;
await initBackend({ backend: 'cpu' });
const reference = await compute();
// Each error is relative to the quantity's largest cpu value, floored at 1e-3 of the largest U-Net gradient:
// the gradients of the convolution biases in front of a batch norm are zero in exact arithmetic, so both
// backends give rounding noise there, and relative to itself that noise is meaningless.
const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const gradScale = Math.max(...[...reference.entries()].filter(([k]) => k.startsWith('unet.grad.')).map(([, v]) => maxAbs(v)));
const rows = [...reference.entries()].map(([name, ref]) => {
  const got = ours.get(name)!;
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i] - ref[i]));
  const scale = Math.max(maxAbs(ref), name.startsWith('unet.grad.') ? 1e-3 * gradScale : 1e-12);
  return { name, size: ref.length, maxAbs: maxAbs(ref), absoluteError: err, relativeError: err / scale };
});
const worst = rows.reduce((a, b) => (b.relativeError > a.relativeError ? b : a));
for (const r of rows) {
  process.stderr.write(`${r.name.padEnd(36)} ${String(r.size).padStart(8)}  max ${r.maxAbs.toExponential(2)}  abs ${r.absoluteError.toExponential(2)}  rel ${r.relativeError.toExponential(2)}\n`);
}
const result = { backend: report.name, reason: report.reason, tolerance, seconds, worst, rows, pass: worst.relativeError <= tolerance };
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exitCode = result.pass ? 0 : 1;
