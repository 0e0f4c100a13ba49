import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNet } from './unet';

// The wasm backend with the training kernels @agcl/backend registers, and the engine's leak check on
// (IS_TEST): a training forward under tf.variableGrads must pass the check and agree with the cpu backend,
// loss and every gradient.
let wasmReady = false;
let why = '';

describe('UNet on the wasm backend', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' }); // registers the cpu backend, used as the reference below
    try {
      const report = await initBackend({ backend: 'wasm' });
      wasmReady = report.name === 'wasm';
      why = report.reason;
    } catch (err) {
      why = (err as Error).message;
    }
    tf.env().set('IS_TEST', true);
  });
  afterAll(() => {
    tf.env().set('IS_TEST', false);
  });

  it('trains under tf.variableGrads with the leak check on, with the same gradients as the cpu backend', async () => {
    // @agcl/backend depends on tfjs-backend-wasm, so the backend is always installed: a failure to start is a failure
    expect(wasmReady, `the wasm backend did not start: ${why}`).toBe(true);
    for (const upsampling of ['bilinear', 'transpose'] as const) {
      const net = new UNet({ channels: [4, 8, 16], numClasses: 3, upsampling, dropout: [0, 0, 0], projection: { dim: 4, hidden: 4 } });
      const x = tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 9) as tf.Tensor4D;
      const vars = net.trainableVariables();
      const run = async () => {
        const { value, grads } = tf.variableGrads(() => {
          const out = net.forward(x, { training: true, embeddings: true });
          return tf.add(tf.mean(tf.square(out.logits)), tf.mean(tf.square(out.embeddings!))) as tf.Scalar;
        }, vars);
        const result = {
          loss: (await value.data())[0],
          grads: await Promise.all(vars.map(async (v) => Array.from(await grads[v.name].data()))),
        };
        tf.dispose([value, ...Object.values(grads)]);
        return result;
      };
      const before = net.getWeights();
      const onWasm = await run();
      net.setWeights(before); // restore the running statistics for an identical second pass
      await tf.setBackend('cpu');
      const onCpu = await run();
      await tf.setBackend('wasm');
      expect(Math.abs(onWasm.loss - onCpu.loss)).toBeLessThanOrEqual(1e-4 * Math.abs(onCpu.loss));
      // Every gradient (the wasm MaxPoolGrad that @agcl/backend registers routes all-negative windows,
      // common after leaky ReLU, to their maximum as the cpu backend does).
      expect(onWasm.grads.length).toBe(vars.length);
      onCpu.grads.forEach((g, i) => {
        const scale = Math.max(...g.map(Math.abs));
        g.forEach((v, j) => expect(Math.abs(onWasm.grads[i][j] - v)).toBeLessThanOrEqual(1e-3 * scale + 1e-6));
      });
      tf.dispose([x, ...Object.values(before)]);
      net.dispose();
    }
  });
});
