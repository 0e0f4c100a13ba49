import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend';
import { conv2dBackpropFilterWasm, type FilterGradStrategy } from './conv2d-backprop-filter';
import { makeConv2dBackpropInputWasm, type InputGradStrategy } from './conv2d-backprop-input';
import { onCpuAndWasm, relativeError, seeded } from '../test-utils/parity';

const TOL = 1e-5;
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

const convCases: ConvCase[] = [
  { name: '3x3 s1 same, 1 channel', x: [1, 5, 5, 1], f: [3, 3, 1, 2], strides: 1, pad: 'same' },
  { name: '3x3 s2 same, odd size, batch 2', x: [2, 7, 6, 3], f: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: '3x3 s2 valid', x: [2, 8, 8, 2], f: [3, 3, 2, 3], strides: 2, pad: 'valid' },
  { name: '3x3 s1 explicit asymmetric padding, batch 3', x: [3, 9, 7, 2], f: [3, 3, 2, 3], strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { name: '5x5 s1 same', x: [2, 6, 6, 4], f: [5, 5, 4, 3], strides: 1, pad: 'same' },
  { name: '2x3 filter, strides [1,2], valid', x: [2, 7, 9, 3], f: [2, 3, 3, 2], strides: [1, 2], pad: 'valid' },
  { name: '3x3 s3 valid, trailing rows unused', x: [2, 8, 7, 3], f: [3, 3, 3, 2], strides: 3, pad: 'valid' },
  { name: '2x2 s2 valid (pooling-like)', x: [2, 8, 6, 3], f: [2, 2, 3, 5], strides: 2, pad: 'valid' },
  { name: '3x3 s1 same, large map (conv strategy)', x: [2, 40, 36, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: '3x3 s2 same, large map', x: [1, 66, 70, 2], f: [3, 3, 2, 3], strides: 2, pad: 'same' },
  { name: '1x1 s1 same (pointwise: matmul strategy), odd size', x: [2, 9, 7, 5], f: [1, 1, 5, 3], strides: 1, pad: 'same' },
  { name: '1x1 s2 valid (not pointwise)', x: [2, 9, 8, 4], f: [1, 1, 4, 3], strides: 2, pad: 'valid' },
  { name: '1x1 s1 explicit padding (not pointwise)', x: [1, 5, 6, 3], f: [1, 1, 3, 2], strides: 1, pad: [[0, 0], [1, 0], [0, 1], [0, 0]] },
];

function convTensors(c: ConvCase, seed: number) {
  const x = tf.tensor4d(seeded(tf.util.sizeFromShape(c.x), seed), c.x);
  const f = tf.tensor4d(seeded(tf.util.sizeFromShape(c.f), seed + 1), c.f);
  return { x, f };
}

describe('wasm training kernels: parity with the cpu backend', () => {
  it.each(convCases)('conv2d forward and both gradients: $name', async (c) => {
    const { cpu, wasm, shapes } = await onCpuAndWasm(() => {
      const { x, f } = convTensors(c, 11);
      const y = tf.conv2d(x, f, c.strides, c.pad);
      const dy = tf.tensor(seeded(y.size, 5), y.shape);
      // Loss sum(y * dy): its gradients are exactly Conv2DBackpropInput(dy) and Conv2DBackpropFilter(x, dy).
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), dy)));
      const [dx, df] = g([x, f]);
      return [y, dx, df];
    });
    expect(shapes[1]).toEqual(c.x);
    expect(shapes[2]).toEqual(c.f);
    for (let i = 0; i < 3; i++) expect(relativeError(wasm[i], cpu[i])).toBeLessThan(TOL);
  });

  it.each([
    { name: '3x3 dilation 2 same', x: [2, 9, 8, 3], f: [3, 3, 3, 2], dil: 2, pad: 'same' as const },
    { name: '3x3 dilation [2,3] valid', x: [1, 11, 12, 2], f: [3, 3, 2, 4], dil: [2, 3] as [number, number], pad: 'valid' as const },
  ])('dilated conv2d forward: $name', async (c) => {
    const { cpu, wasm } = await onCpuAndWasm(() => {
      const x = tf.tensor4d(seeded(tf.util.sizeFromShape(c.x), 3), c.x as [number, number, number, number]);
      const f = tf.tensor4d(seeded(tf.util.sizeFromShape(c.f), 4), c.f as [number, number, number, number]);
      return tf.conv2d(x, f, 1, c.pad, 'NHWC', c.dil);
    });
    expect(relativeError(wasm[0], cpu[0])).toBeLessThan(TOL);
  });

  it.each([
    { name: '2x2 s2 valid (U-Net up-sampling, matmul path)', dy: [2, 4, 5, 6], out: [2, 8, 10, 3], k: 2, s: 2, pad: 'valid' as const },
    { name: '3x3 s2 same (dilated dy path)', dy: [2, 4, 4, 5], out: [2, 8, 8, 3], k: 3, s: 2, pad: 'same' as const },
    { name: '3x3 s2 same, odd output size', dy: [1, 4, 3, 2], out: [1, 7, 5, 3], k: 3, s: 2, pad: 'same' as const },
    { name: '3x3 s1 valid', dy: [3, 5, 5, 4], out: [3, 7, 7, 2], k: 3, s: 1, pad: 'valid' as const },
  ])('conv2dTranspose forward and gradients: $name', async (c) => {
    const fshape: [number, number, number, number] = [c.k, c.k, c.out[3], c.dy[3]];
    const { cpu, wasm, shapes } = await onCpuAndWasm(() => {
      const x = tf.tensor4d(seeded(tf.util.sizeFromShape(c.dy), 21), c.dy as [number, number, number, number]);
      const f = tf.tensor4d(seeded(tf.util.sizeFromShape(fshape), 22), fshape);
      const outShape = c.out as [number, number, number, number];
      const y = tf.conv2dTranspose(x, f, outShape, c.s, c.pad);
      const w = tf.tensor(seeded(y.size, 23), y.shape);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, outShape, c.s, c.pad), w)));
      const [dx, df] = g([x, f]);
      return [y, dx, df];
    });
    expect(shapes[0]).toEqual(c.out);
    for (let i = 0; i < 3; i++) expect(relativeError(wasm[i], cpu[i])).toBeLessThan(TOL);
  });

  it.each([convCases[1], convCases.find((k) => k.name.startsWith('1x1 s1 same'))!])('every filter-gradient and input-gradient strategy agrees with the cpu backend: $name', async (c) => {
    const ref = await onCpuAndWasm(() => {
      const { x, f } = convTensors(c, 31);
      const y = tf.conv2d(x, f, c.strides, c.pad);
      const dy = tf.tensor4d(seeded(y.size, 32), y.shape);
      return [
        tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, b as tf.Tensor4D, c.strides, c.pad), dy)))(f),
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, f, c.strides, c.pad), dy)))(x),
      ];
    });
    await initBackend({ backend: 'wasm' });
    const backend = tf.backend() as BackendWasm;
    const { x, f } = convTensors(c, 31);
    const y = tf.conv2d(x, f, c.strides, c.pad);
    const dy = tf.tensor4d(seeded(y.size, 32), y.shape);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' as const, filterShape: c.f, inputShape: c.x };
    const strategies: FilterGradStrategy[] = ['auto', 'im2col', 'im2col-transposed', 'im2col-slices', 'conv'];
    const pointwise = c.f[0] === 1 && c.f[1] === 1 && c.strides === 1 && c.pad === 'same';
    if (pointwise) strategies.push('matmul');
    else expect(() => conv2dBackpropFilterWasm({ backend, inputs: { x, dy }, attrs }, 'matmul')).toThrow(/'matmul' needs a 1x1, stride-1, unpadded/);
    for (const s of strategies) {
      const info = conv2dBackpropFilterWasm({ backend, inputs: { x, dy }, attrs }, s);
      const t = tf.engine().makeTensorFromTensorInfo(info);
      expect(relativeError(await t.data(), ref.cpu[0]), s).toBeLessThan(TOL);
      t.dispose();
    }
    const inputGrad = makeConv2dBackpropInputWasm(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')!.kernelFunc);
    const inputStrategies: InputGradStrategy[] = ['auto', 'conv', 'original'];
    for (const s of inputStrategies) {
      const info = inputGrad({ backend, inputs: { dy, filter: f }, attrs }, s);
      const t = tf.engine().makeTensorFromTensorInfo(info);
      expect(relativeError(await t.data(), ref.cpu[1]), s).toBeLessThan(TOL);
      t.dispose();
    }
    tf.dispose([x, f, y, dy]);
  });

  it('unsortedSegmentSum and the gradient of gather', async () => {
    const { cpu, wasm, shapes } = await onCpuAndWasm(() => {
      const x = tf.tensor2d(seeded(6 * 5, 41), [6, 5]);
      const ids = tf.tensor1d([2, 0, 2, -1, 4, 1], 'int32'); // -1 and 4 (>= numSegments) are dropped
      const s = tf.unsortedSegmentSum(x, ids, 4);
      const xi = tf.tensor3d(seeded(4 * 3 * 2, 42).map((v) => Math.round(v * 10)), [4, 3, 2], 'int32');
      const si = tf.unsortedSegmentSum(xi, tf.tensor1d([1, 1, 0, 1], 'int32'), 2);
      const table = tf.tensor2d(seeded(7 * 3, 43), [7, 3]);
      const idx = tf.tensor2d([[1, 3, 3], [6, 0, 1]], [2, 3], 'int32');
      const w = tf.tensor3d(seeded(2 * 3 * 3, 44), [2, 3, 3]);
      const dTable = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), w)))(table);
      return [s, tf.cast(si, 'float32'), dTable];
    });
    expect(shapes).toEqual([[4, 5], [2, 3, 2], [7, 3]]);
    for (let i = 0; i < 3; i++) expect(relativeError(wasm[i], cpu[i])).toBeLessThan(TOL);
    // Hand-checked: segment 3 receives nothing, so its row is zero.
    expect(Array.from(wasm[0].slice(15, 20))).toEqual([0, 0, 0, 0, 0]);
  });

  it('tile (whole-tensor repeats and the fallback) and the batch-norm gradient that uses it', async () => {
    const { cpu, wasm, shapes } = await onCpuAndWasm(() => {
      const c = tf.tensor4d(seeded(5, 61), [1, 1, 1, 5]);
      const t1 = tf.tile(c, [2, 3, 4, 1]); // whole repeat
      const t2 = tf.tile(tf.tensor2d(seeded(6, 62), [2, 3]), [2, 3]); // general pattern: wasm's own kernel
      const t3 = tf.cast(tf.tile(tf.tensor3d([1, -2, 3], [1, 1, 3], 'int32'), [3, 1, 2]), 'float32'); // int32, general
      const t4 = tf.tile(tf.tensor2d(seeded(3, 63), [1, 3]), [7, 1]); // whole repeat, odd count
      const x = tf.tensor4d(seeded(2 * 5 * 4 * 3, 64), [2, 5, 4, 3]);
      const mean = tf.tensor1d([0.1, -0.2, 0.3]);
      const variance = tf.tensor1d([1.5, 0.7, 2.0]);
      const dy = tf.tensor4d(seeded(2 * 5 * 4 * 3, 65), [2, 5, 4, 3]);
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.batchNorm(a as tf.Tensor4D, mean, variance, tf.tensor1d([0.2, 0, -0.1]), tf.tensor1d([1.3, 0.8, 1]), 1e-3), dy)))(x);
      return [t1, t2, t3, t4, dx];
    });
    expect(shapes.slice(0, 4)).toEqual([[2, 3, 4, 5], [4, 9], [3, 1, 6], [7, 3]]);
    for (let i = 0; i < 5; i++) expect(relativeError(wasm[i], cpu[i])).toBeLessThan(TOL);
    // By hand: the whole-repeat output cycles through the 5 channel values.
    expect(wasm[0][7]).toBe(wasm[0][2]);
  });

  it('batched matMul with every transpose combination, batch broadcasting, and depthToSpace', async () => {
    const { cpu, wasm } = await onCpuAndWasm(() => {
      const outs: tf.Tensor[] = [];
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = tf.tensor3d(seeded(2 * 5 * 7, 71), ta ? [2, 7, 5] : [2, 5, 7]);
        const b = tf.tensor3d(seeded(1 * 7 * 3, 72), tb ? [1, 3, 7] : [1, 7, 3]);
        outs.push(tf.matMul(a, b, ta, tb));
        outs.push(tf.matMul(tf.reshape(a, [-1, a.shape[2]]) as tf.Tensor2D, tf.transpose(tf.reshape(a, [-1, a.shape[2]])) as tf.Tensor2D, false, false));
      }
      const x = tf.tensor4d(seeded(2 * 3 * 2 * 12, 73), [2, 3, 2, 12]);
      outs.push(tf.depthToSpace(x, 2), tf.depthToSpace(x, 2, 'NHWC'));
      return outs;
    });
    for (let i = 0; i < cpu.length; i++) expect(relativeError(wasm[i], cpu[i]), `output ${i}`).toBeLessThan(TOL);
  });

  it('identity (tf.clone) shares data by reference count: disposing either side keeps the other', async () => {
    await initBackend({ backend: 'wasm' });
    const dataBefore = tf.engine().backend.numDataIds();
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1, 2, 3]);
    const v = tf.variable(b);
    b.dispose();
    const next = tf.tensor1d([4, 5, 6]);
    v.assign(next);
    next.dispose();
    expect(Array.from(await v.data())).toEqual([4, 5, 6]);
    v.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(dataBefore);
  });

  it('the kernels leave no tensors or data behind', async () => {
    await initBackend({ backend: 'wasm' });
    const x = tf.tensor4d(seeded(2 * 8 * 8 * 3, 51), [2, 8, 8, 3]);
    const f = tf.tensor4d(seeded(3 * 3 * 3 * 4, 52), [3, 3, 3, 4]);
    const ft = tf.tensor4d(seeded(2 * 2 * 3 * 4, 53), [2, 2, 3, 4]);
    const step = () => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
        const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
        const u = tf.conv2dTranspose(y, c as tf.Tensor4D, [2, 8, 8, 3], 2, 'valid');
        return tf.sum(tf.square(u));
      });
      tf.dispose(g([x, f, ft]));
    };
    step();
    const before = tf.memory().numTensors;
    const dataBefore = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(dataBefore);
    tf.dispose([x, f, ft]);
  });
});
