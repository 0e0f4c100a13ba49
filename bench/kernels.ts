// Before/after timings of the wasm training kernels on the U-Net's layer shapes (batch 4, 128x128 input).
// Usage: node --conditions=@agcl/source --import tsx bench/kernels.ts [filter|input|all]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import * as wasmPkg from '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterWasm, type FilterGradStrategy } from '../packages/backend/src/wasm-kernels/conv2d-backprop-filter';
import { makeConv2dBackpropInputWasm, type InputGradStrategy } from '../packages/backend/src/wasm-kernels/conv2d-backprop-input';
import { writeFileSync } from 'node:fs';

const which = process.argv[2] ?? 'all';
void wasmPkg;
const originalInput = tf.getKernel(tf.Conv2DBackpropInput, 'wasm')!.kernelFunc; // wasm's scalar loop
await initBackend({ backend: 'wasm' });
const backend = tf.backend() as never;
const layers: Array<[number, number, number]> = [
  [128, 1, 16], [128, 16, 16], [64, 16, 32], [64, 32, 32], [32, 32, 64], [32, 64, 64],
  [16, 64, 128], [16, 128, 128], [8, 128, 256], [8, 256, 256], [128, 32, 16],
];
function time(f: () => tf.TensorInfo, reps = 3): number {
  tf.engine().disposeTensor(tf.engine().makeTensorFromTensorInfo(f())); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = f();
    ts.push(performance.now() - t0);
    tf.engine().makeTensorFromTensorInfo(out).dispose();
  }
  return ts.sort((a, b) => a - b)[Math.floor(reps / 2)];
}
const results: Record<string, unknown>[] = [];
if (which === 'filter' || which === 'all') {
  const strategies: FilterGradStrategy[] = ['auto', 'im2col', 'im2col-transposed', 'im2col-slices', 'conv'];
  const totals: Record<string, number> = {};
  for (const [s, ci, co] of layers) {
    const x = tf.randomNormal([4, s, s, ci], 0, 1, 'float32', 1);
    const dy = tf.randomNormal([4, s, s, co], 0, 1, 'float32', 2);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, ci, co] };
    const row: Record<string, unknown> = { kernel: 'Conv2DBackpropFilter', shape: `${s}x${s} ${ci}->${co}` };
    for (const st of strategies) {
      const ms = time(() => conv2dBackpropFilterWasm({ backend, inputs: { x, dy }, attrs } as never, st));
      row[st] = +ms.toFixed(2);
      totals[st] = (totals[st] ?? 0) + ms;
    }
    results.push(row);
    tf.dispose([x, dy]);
  }
  console.table(results.filter((r) => r.kernel === 'Conv2DBackpropFilter'));
  console.log('Conv2DBackpropFilter totals (ms):', totals);
  results.push({ kernel: 'Conv2DBackpropFilter', shape: 'total', ...totals });
}
if (which === 'input' || which === 'all') {
  const inputGrad = makeConv2dBackpropInputWasm(originalInput);
  const strategies: InputGradStrategy[] = ['auto', 'original'];
  const totals: Record<string, number> = {};
  const cases: Array<[number, number, number, number, number]> = [
    ...layers.map(([s, ci, co]) => [s, ci, co, 3, 1] as [number, number, number, number, number]),
    [128, 16, 32, 2, 2], [64, 32, 64, 2, 2], [32, 64, 128, 2, 2], [16, 128, 256, 2, 2], // transposed-conv up-sampling
  ];
  const rows: Record<string, unknown>[] = [];
  for (const [s, ci, co, k, st] of cases) {
    const o = s / st;
    const dy = tf.randomNormal([4, o, o, co], 0, 1, 'float32', 2);
    const f = tf.randomNormal([k, k, ci, co], 0, 1, 'float32', 3);
    const attrs = { strides: st, pad: st === 1 ? 'same' : 'valid', dataFormat: 'NHWC', inputShape: [4, s, s, ci] };
    const row: Record<string, unknown> = { kernel: 'Conv2DBackpropInput', shape: `${s}x${s} ${ci}<-${co} k${k} s${st}` };
    for (const st2 of strategies) {
      const ms = time(() => inputGrad({ backend, inputs: { dy, filter: f }, attrs } as never, st2), st2 === 'original' ? 1 : 3);
      row[st2] = +ms.toFixed(2);
      totals[st2] = (totals[st2] ?? 0) + ms;
    }
    rows.push(row);
    tf.dispose([dy, f]);
  }
  console.table(rows);
  console.log('Conv2DBackpropInput totals (ms):', totals);
  results.push(...rows, { kernel: 'Conv2DBackpropInput', shape: 'total', ...totals });
}
const out = process.argv[3];
if (out) writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
