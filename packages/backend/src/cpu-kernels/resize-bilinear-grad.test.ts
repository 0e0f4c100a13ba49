import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../init-backend';
import { relativeError, seeded } from '../test-utils/parity';

/**
 * Float64 reference of the gradient of `sum(resizeBilinear(x, [oh, ow], alignCorners) * dy)` with
 * respect to x (half_pixel_centers off, TensorFlow's formula): output pixel (r, c) samples the input at
 * (r * sy, c * sx) with sy = (h - 1) / (oh - 1) when aligning corners (h / oh otherwise), and spreads
 * dy over the four neighbours with the bilinear weights.
 */
function referenceGrad(shape: number[], out: [number, number], dy: Float32Array, alignCorners: boolean): Float64Array {
  const [n, h, w, ch] = shape;
  const [oh, ow] = out;
  const sy = alignCorners && oh > 1 ? (h - 1) / (oh - 1) : h / oh;
  const sx = alignCorners && ow > 1 ? (w - 1) / (ow - 1) : w / ow;
  const dx = new Float64Array(n * h * w * ch);
  const at = (b: number, y: number, x: number, k: number) => ((b * h + y) * w + x) * ch + k;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const fy = r * sy;
      const y0 = Math.floor(fy);
      const y1 = Math.min(y0 + 1, h - 1);
      const ly = fy - y0;
      for (let c = 0; c < ow; c++) {
        const fx = c * sx;
        const x0 = Math.floor(fx);
        const x1 = Math.min(x0 + 1, w - 1);
        const lx = fx - x0;
        for (let k = 0; k < ch; k++) {
          const g = dy[((b * oh + r) * ow + c) * ch + k];
          dx[at(b, y0, x0, k)] += g * (1 - ly) * (1 - lx);
          dx[at(b, y0, x1, k)] += g * (1 - ly) * lx;
          dx[at(b, y1, x0, k)] += g * ly * (1 - lx);
          dx[at(b, y1, x1, k)] += g * ly * lx;
        }
      }
    }
  }
  return dx;
}

const cases = [
  { name: 'x2 aligned corners, non-square (U-Net up-sampling)', x: [2, 3, 5, 2], out: [6, 10] as [number, number], alignCorners: true },
  { name: 'x2 aligned corners, tall', x: [1, 6, 2, 3], out: [12, 4] as [number, number], alignCorners: true },
  { name: 'odd factors, not aligned, non-square', x: [2, 4, 7, 1], out: [9, 5] as [number, number], alignCorners: false },
  { name: 'square (worked before the fix too)', x: [1, 4, 4, 2], out: [8, 8] as [number, number], alignCorners: true },
];

async function gradOn(backend: 'cpu' | 'wasm', c: (typeof cases)[number]) {
  await initBackend({ backend });
  const x = tf.tensor4d(seeded(tf.util.sizeFromShape(c.x), 3), c.x as [number, number, number, number]);
  const dy = tf.tensor4d(seeded(c.x[0] * c.out[0] * c.out[1] * c.x[3], 9), [c.x[0], ...c.out, c.x[3]]);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeBilinear(t as tf.Tensor4D, c.out, c.alignCorners), dy)))(x);
  const result = { shape: dx.shape, values: new Float32Array(await dx.data()), dy: new Float32Array(await dy.data()) };
  tf.dispose([x, dy, dx]);
  return result;
}

describe('ResizeBilinearGrad on non-square inputs', () => {
  it.each(cases)('cpu (corrected kernel) agrees with a float64 reference: $name', async (c) => {
    const r = await gradOn('cpu', c);
    expect(r.shape).toEqual(c.x);
    expect(relativeError(r.values, referenceGrad(c.x, c.out, r.dy, c.alignCorners))).toBeLessThan(1e-6);
  });

  it.each(cases)('wasm (its own kernel) agrees with the same reference: $name', async (c) => {
    const r = await gradOn('wasm', c);
    expect(r.shape).toEqual(c.x);
    expect(relativeError(r.values, referenceGrad(c.x, c.out, r.dy, c.alignCorners))).toBeLessThan(1e-6);
  });

  it('cpu gradient equals finite differences of the cpu forward (non-square, aligned corners)', async () => {
    await initBackend({ backend: 'cpu' });
    const shape: [number, number, number, number] = [1, 2, 3, 1];
    const xs = seeded(6, 5);
    const dyv = seeded(4 * 6, 6);
    const f = (values: Float32Array): number =>
      tf.tidy(() => {
        const y = tf.image.resizeBilinear(tf.tensor4d(values, shape), [4, 6], true);
        return tf.sum(tf.mul(y, tf.tensor4d(dyv, [1, 4, 6, 1]))).dataSync()[0];
      });
    const g = tf.tidy(() =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeBilinear(t as tf.Tensor4D, [4, 6], true), tf.tensor4d(dyv, [1, 4, 6, 1]))))(tf.tensor4d(xs, shape)).dataSync(),
    );
    // The forward map is linear, so a unit step gives the exact derivative up to float32 rounding.
    const fd = Array.from(xs, (_, i) => {
      const plus = xs.slice();
      plus[i] += 1;
      return f(plus) - f(xs);
    });
    expect(relativeError(g, fd)).toBeLessThan(1e-5);
  });
});
