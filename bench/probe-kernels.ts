// Inventory of the kernels a training step needs: runs forward + backward of a small net with every layer
// kind the U-Net and the losses use on the chosen backend, and lists each kernel with its calls and time.
// A kernel the backend lacks fails here with "Kernel 'X' not registered for backend".
// Usage: node --conditions=@agcl/source --import tsx bench/probe-kernels.ts [wasm|cpu]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';

const backend = (process.argv[2] ?? 'wasm') as 'wasm' | 'cpu';
const report = await initBackend({ backend });
console.log(report.name, report.patchedKernels.join(','));

const rnd = (shape: number[], s = 0.1) => tf.variable(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 1), s));
const w1 = rnd([3, 3, 1, 8]);
const w2 = rnd([3, 3, 8, 8]);
const w3 = rnd([3, 3, 8, 16]);
const wt = rnd([2, 2, 8, 16]);
const w4 = rnd([3, 3, 16, 4]);
const emb = rnd([10, 4]);
const fc = rnd([4, 4]);
const x = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 2);
const labels = tf.oneHot(tf.randomUniform([2, 16, 16], 0, 4, 'int32', 3), 4);

function bn(h: tf.Tensor4D): tf.Tensor4D {
  const { mean, variance } = tf.moments(h, [0, 1, 2]);
  return tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))) as tf.Tensor4D;
}
const loss = () => {
  let h = tf.leakyRelu(bn(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same')), 0.01) as tf.Tensor4D;
  h = tf.dropout(h, 0.2, undefined, 7) as tf.Tensor4D;
  const s = tf.conv2d(h, w2 as tf.Tensor4D, 2, 'same'); // stride 2
  const p = tf.maxPool(h, 2, 2, 'valid');
  const d = tf.leakyRelu(bn(tf.conv2d(tf.add(p, s) as tf.Tensor4D, w3 as tf.Tensor4D, 1, 'same')), 0.01) as tf.Tensor4D;
  const up1 = tf.conv2dTranspose(d, wt as tf.Tensor4D, [2, 16, 16, 8], 2, 'valid');
  const up2 = tf.image.resizeBilinear(tf.slice(d, [0, 0, 0, 0], [-1, -1, -1, 8]), [16, 16], true);
  const cat = tf.concat([up1, up2], 3) as tf.Tensor4D;
  const logits = tf.conv2d(cat, w4 as tf.Tensor4D, 1, 'same');
  const ce = tf.losses.softmaxCrossEntropy(tf.reshape(labels, [-1, 4]), tf.reshape(logits, [-1, 4]));
  const g = tf.gather(emb, tf.tensor1d([1, 3, 3, 7], 'int32'));
  const seg = tf.unsortedSegmentSum(g, tf.tensor1d([0, 1, 0, 2], 'int32'), 3);
  const ls = tf.logSoftmax(tf.matMul(seg, fc));
  return tf.add(ce, tf.mul(-0.01, tf.mean(ls))) as tf.Scalar;
};
const byKernel = new Map<string, { n: number; ms: number }>();
for (const cfg of tf.getKernelsForBackend(backend)) {
  const orig = cfg.kernelFunc;
  tf.unregisterKernel(cfg.kernelName, backend);
  tf.registerKernel({
    ...cfg,
    setupFunc: undefined,
    kernelFunc: (args) => {
      const t0 = performance.now();
      const out = orig(args);
      const e = byKernel.get(cfg.kernelName) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += performance.now() - t0;
      byKernel.set(cfg.kernelName, e);
      return out;
    },
  });
}
for (let i = 0; i < 2; i++) {
  byKernel.clear();
  const { value, grads } = tf.variableGrads(loss);
  console.log('loss', (await value.data())[0], Object.keys(grads).length);
  tf.dispose([value, ...Object.values(grads)]);
}
console.log([...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([k, v]) => `${k} x${v.n} ${v.ms.toFixed(2)}ms`).join('\n'));
