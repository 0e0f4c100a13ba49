import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { toBatchTensors } from './to-batch-tensors';
import type { Slice2D } from './types';

const slice = (id: string, h: number, w: number, c: number, offset: number): Slice2D => ({
  id,
  caseId: id,
  image: Float32Array.from({ length: h * w * c }, (_, i) => offset + i),
  label: Uint8Array.from({ length: h * w }, (_, i) => (i + offset) % 4),
  height: h,
  width: w,
  channels: c,
});

describe('toBatchTensors', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    await initBackend({ backend: 'cpu' });
  });

  it('packs slices into x [N,H,W,C] float32 and y [N,H,W] int32', async () => {
    const a = slice('a', 2, 3, 2, 0);
    const b = slice('b', 2, 3, 2, 100);
    const before = tf.memory().numTensors;
    const { x, y } = toBatchTensors(tf, [a, b]);
    expect(tf.memory().numTensors - before).toBe(2);
    expect([x.shape, x.dtype, y.shape, y.dtype]).toEqual([[2, 2, 3, 2], 'float32', [2, 2, 3], 'int32']);
    const xv = await x.data();
    expect(Array.from(xv.subarray(12))).toEqual(Array.from(b.image));
    expect(Array.from(await y.data())).toEqual([...a.label, ...b.label]);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects mixed sizes and a missing tf module', () => {
    expect(() => toBatchTensors(tf, [slice('a', 2, 2, 1, 0), slice('b', 2, 3, 1, 0)])).toThrow(/slice 'b' is 2x3x1, expected 2x2x1/);
    expect(() => toBatchTensors(undefined as never, [slice('a', 2, 2, 1, 0)])).toThrow(/argument 'tf'/);
    expect(() => toBatchTensors(tf, [])).toThrow(/non-empty/);
  });
});

describe('toBatchTensors typing', () => {
  it('infers tf.Tensor4D / tf.Tensor3D from the tf module', () => {
    const { x, y } = toBatchTensors(tf, [slice('a', 1, 1, 1, 0)]);
    const rank4: tf.Tensor4D = x;
    const rank3: tf.Tensor3D = y;
    expect([rank4.rank, rank3.rank]).toEqual([4, 3]);
    tf.dispose([x, y]);
  });
});
