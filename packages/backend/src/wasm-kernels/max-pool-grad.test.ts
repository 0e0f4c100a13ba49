import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend';
import { onCpuAndWasm, relativeError, seeded } from '../test-utils/parity';

type Pad = 'same' | 'valid' | number;
interface PoolCase {
  name: string;
  x: [number, number, number, number];
  size: number | [number, number];
  strides: number | [number, number];
  pad: Pad;
  negative?: boolean; // all values negative (as after leaky ReLU on a negative region)
}

const cases: PoolCase[] = [
  { name: '2x2 s2 valid, all negative', x: [2, 6, 8, 3], size: 2, strides: 2, pad: 'valid', negative: true },
  { name: '2x2 s2 valid, mixed signs', x: [2, 8, 8, 4], size: 2, strides: 2, pad: 'valid' },
  { name: '2x2 s2 valid, odd size (last row and column unused), all negative', x: [1, 7, 9, 2], size: 2, strides: 2, pad: 'valid', negative: true },
  { name: '3x3 s2 same (overlapping windows, padding), all negative', x: [2, 7, 6, 3], size: 3, strides: 2, pad: 'same', negative: true },
  { name: '3x3 s1 same, mixed signs', x: [1, 5, 6, 2], size: 3, strides: 1, pad: 'same' },
  { name: '2x3 window, strides [1,2], valid, all negative', x: [3, 6, 9, 2], size: [2, 3], strides: [1, 2], pad: 'valid', negative: true },
  { name: '3x3 s2 explicit pad 1, all negative', x: [1, 8, 7, 3], size: 3, strides: 2, pad: 1, negative: true },
];

/**
 * Float64 reference: every output gradient goes to the first maximum (row-major window order) of the
 * window clipped to the input, as TensorFlow's MaxPoolGrad.
 */
function referenceMaxPoolGrad(x: Float32Array, shape: number[], dy: Float32Array, c: PoolCase): { dx: Float64Array; outShape: number[] } {
  const [n, h, w, ch] = shape;
  const [fh, fw] = typeof c.size === 'number' ? [c.size, c.size] : c.size;
  const [sh, sw] = typeof c.strides === 'number' ? [c.strides, c.strides] : c.strides;
  let oh: number;
  let ow: number;
  let top: number;
  let left: number;
  if (c.pad === 'valid') {
    oh = Math.ceil((h - fh + 1) / sh);
    ow = Math.ceil((w - fw + 1) / sw);
    top = 0;
    left = 0;
  } else if (c.pad === 'same') {
    oh = Math.ceil(h / sh);
    ow = Math.ceil(w / sw);
    top = Math.floor(Math.max(0, (oh - 1) * sh + fh - h) / 2);
    left = Math.floor(Math.max(0, (ow - 1) * sw + fw - w) / 2);
  } else {
    oh = Math.floor((h + 2 * c.pad - fh) / sh) + 1;
    ow = Math.floor((w + 2 * c.pad - fw) / sw) + 1;
    top = c.pad;
    left = c.pad;
  }
  const dx = new Float64Array(x.length);
  const at = (b: number, y: number, xx: number, k: number) => ((b * h + y) * w + xx) * ch + k;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let k = 0; k < ch; k++) {
          let best = -Infinity;
          let arg = -1;
          for (let dy0 = 0; dy0 < fh; dy0++) {
            for (let dx0 = 0; dx0 < fw; dx0++) {
              const y = oy * sh - top + dy0;
              const xx = ox * sw - left + dx0;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              if (x[at(b, y, xx, k)] > best) {
                best = x[at(b, y, xx, k)];
                arg = at(b, y, xx, k);
              }
            }
          }
          dx[arg] += dy[((b * oh + oy) * ow + ox) * ch + k];
        }
      }
    }
  }
  return { dx, outShape: [n, oh, ow, ch] };
}

describe('wasm MaxPoolGrad (replaces tfjs-backend-wasm 4.22 kernel)', () => {
  it('routes an all-negative 2x2 window to its maximum (the shipped kernel sends it to the first element)', async () => {
    await initBackend({ backend: 'wasm' });
    const probe = tf.tensor4d([-4, -3, -2, -1], [1, 2, 2, 1]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(probe);
    expect(Array.from(await g.data())).toEqual([0, 0, 0, 1]);
    tf.dispose([probe, g]);
  });

  it.each(cases)('agrees with a float64 reference and the cpu backend: $name', async (c) => {
    const size = tf.util.sizeFromShape(c.x);
    const xs = seeded(size, 21).map((v) => (c.negative ? -Math.abs(v) - 0.01 : v));
    let dyValues: Float32Array | null = null;
    const { cpu, wasm, shapes } = await onCpuAndWasm(() => {
      const x = tf.tensor4d(xs, c.x);
      const y = tf.maxPool(x, c.size, c.strides, c.pad);
      const dy = tf.tensor(seeded(y.size, 8), y.shape);
      dyValues = dy.dataSync() as Float32Array;
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, c.size, c.strides, c.pad), dy)))(x);
      return [y, dx];
    });
    const ref = referenceMaxPoolGrad(xs, c.x, dyValues!, c);
    expect(shapes[0]).toEqual(ref.outShape);
    expect(shapes[1]).toEqual(c.x);
    expect(relativeError(wasm[1], ref.dx)).toBeLessThan(1e-6);
    expect(relativeError(cpu[1], ref.dx)).toBeLessThan(1e-6);
    expect(relativeError(wasm[0], cpu[0])).toBe(0);
  });

  it('ties go to the first maximum in the window, as on the cpu backend', async () => {
    const xs = new Float32Array([-1, -1, -3, -2, -5, -5, -1, -4]); // window 1: a tie at -1; window 2: max -1 at (1,2)
    const { cpu, wasm } = await onCpuAndWasm(() => {
      const x = tf.tensor4d(xs, [1, 2, 4, 1]);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(x);
    });
    expect(Array.from(wasm[0])).toEqual([1, 0, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(cpu[0])).toEqual(Array.from(wasm[0]));
  });

  it('leaves no tensors or wasm data behind', async () => {
    await initBackend({ backend: 'wasm' });
    const x = tf.tensor4d(seeded(2 * 8 * 8 * 3, 4), [2, 8, 8, 3]);
    const step = () => tf.dispose(tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(x));
    step();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) step();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    x.dispose();
  });
});
