import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';

describe('initBackend', () => {
  it('activates cpu and registers gradients', async () => {
    const report = await initBackend({ backend: 'cpu' });
    expect(report.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    // d/dx x^2 at 3 is 6: fails with "gradient function not found" if gradients are not registered.
    const g = tf.grad((x: tf.Tensor) => tf.square(x))(tf.scalar(3));
    expect(await g.data()).toEqual(new Float32Array([6]));
  });

  it('rejects unknown backend names', async () => {
    await expect(initBackend({ backend: 'cuda' as never })).rejects.toThrow(/'backend' must be one of/);
  });

  it('fails for tensorflow without tfjs-node, saying how to install it', async () => {
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toThrow(/Install @tensorflow\/tfjs-node-gpu/);
  });
});
