import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import { relativeError, seeded } from './test-utils/parity';

// Its own test file: the thread count is fixed at wasm's first initialisation in a process, and
// vitest runs each file in a separate process (pool 'forks').
describe('wasm with threads under Node', () => {
  it('starts 2 XNNPACK threads, reports them, and computes what the cpu backend computes', async () => {
    const x = seeded(2 * 12 * 12 * 4, 1);
    const f = seeded(3 * 3 * 4 * 6, 2);
    const run = () =>
      tf.tidy(() => {
        const xt = tf.tensor4d(x, [2, 12, 12, 4]);
        const ft = tf.tensor4d(f, [3, 3, 4, 6]);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))));
        return g([xt, ft]);
      });
    await initBackend({ backend: 'cpu' });
    const ref = await Promise.all(run().map((t) => t.data()));
    const report = await initBackend({ backend: 'wasm', threads: 2 });
    expect(report.name).toBe('wasm');
    expect(report.threads).toBe(2);
    expect(report.reason).not.toMatch(/failed/);
    const got = await Promise.all(run().map((t) => t.data()));
    for (let i = 0; i < 2; i++) expect(relativeError(got[i], ref[i])).toBeLessThan(1e-5);
    // Asking again cannot change the count; the report says so.
    const again = await initBackend({ backend: 'wasm', threads: 3 });
    expect(again.threads).toBe(2);
    expect(again.reason).toMatch(/fixed/);
  });
});
