import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { UNet } from './unet';
import type { UNetConfig } from './unet-config';

// Outputs of the SSL4MIS U-Net in PyTorch (float64), written by scripts/torch-unet-reference.py.
interface TorchCase {
  config: UNetConfig;
  weights: Record<string, { shape: number[]; values: number[] }>;
  input: { shape: number[]; values: number[] };
  evalLogits: number[];
  trainLogits: number[];
  runningAfterTrain: Record<string, number[]>;
}
const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/torch-unet-reference.json', import.meta.url)), 'utf8'),
) as { cases: TorchCase[] };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('UNet against the PyTorch SSL4MIS U-Net', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  for (const c of fixture.cases) {
    it(`matches PyTorch in inference and training mode (upsampling '${c.config.upsampling}')`, () => {
      const net = new UNet(c.config);
      const weights: tf.NamedTensorMap = {};
      for (const [name, w] of Object.entries(c.weights)) weights[name] = tf.tensor(w.values, w.shape, 'float32');
      net.setWeights(weights);
      tf.dispose(Object.values(weights));
      const x = tf.tensor4d(c.input.values, c.input.shape as [number, number, number, number]);

      const evalOut = net.forward(x);
      expect(evalOut.logits.shape).toEqual([2, 8, 8, 3]);
      expect(maxAbsDiff(evalOut.logits.dataSync(), c.evalLogits)).toBeLessThan(1e-4);

      const trainOut = net.forward(x, { training: true });
      expect(maxAbsDiff(trainOut.logits.dataSync(), c.trainLogits)).toBeLessThan(1e-4);

      const after = net.getWeights();
      for (const [name, values] of Object.entries(c.runningAfterTrain)) {
        expect(maxAbsDiff(after[name].dataSync(), values)).toBeLessThan(1e-5);
      }
      tf.dispose([x, evalOut.logits, trainOut.logits, ...Object.values(after)]);
      net.dispose();
    });
  }
});
