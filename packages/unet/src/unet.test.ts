import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { UNet } from './unet';
import type { UNetConfig } from './unet-config';

function input(shape: [number, number, number, number], seed = 7): tf.Tensor4D {
  return tf.randomUniform(shape, -1, 1, 'float32', seed) as tf.Tensor4D;
}
async function values(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
/** Mean softmax cross-entropy of logits [N,H,W,K] against one-hot targets. */
function crossEntropy(logits: tf.Tensor4D, oneHot: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

const TINY: UNetConfig = { channels: [4, 8, 16], numClasses: 3, projection: { dim: 8, hidden: 6 } };

describe('UNet', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  describe('shapes', () => {
    const table: Array<[string, UNetConfig, [number, number, number, number]]> = [
      ['depth 1, bilinear', { channels: [4, 8], numClasses: 2 }, [2, 4, 6, 1]],
      ['depth 2, RGB, transpose', { channels: [4, 8, 16], inChannels: 3, upsampling: 'transpose' }, [1, 8, 12, 3]],
      ['depth 3, instance norm', { channels: [2, 4, 8, 16], normalization: 'instance', numClasses: 5 }, [2, 16, 32, 1]],
      ['depth 4, no norm', { channels: [2, 2, 4, 4, 8], normalization: 'none' }, [1, 16, 16, 1]],
    ];
    for (const [what, config, shape] of table) {
      it(`${what}: logits, features and embeddings for input [${shape}]`, () => {
        const net = new UNet(config);
        const x = input(shape);
        for (const training of [false, true]) {
          const out = net.forward(x, { training, features: true, embeddings: true });
          const [n, h, w] = shape;
          expect(out.logits.shape).toEqual([n, h, w, net.config.numClasses]);
          expect(out.logits.dtype).toBe('float32');
          expect(out.features?.shape).toEqual([n, h, w, net.config.channels[0]]);
          expect(out.embeddings?.shape).toEqual([n, h, w, 64]);
          tf.dispose([out.logits, out.features!, out.embeddings!]);
        }
        const plain = net.forward(x);
        expect(Object.keys(plain)).toEqual(['logits']);
        tf.dispose([x, plain.logits]);
        net.dispose();
      });
    }
  });

  describe('parameters', () => {
    it('has the SSL4MIS counts: 1,813,764 trainable and 2,944 running values (+ projection 5,376 / 128)', () => {
      const net = new UNet();
      expect(net.depth).toBe(4);
      expect(net.inputMultiple).toBe(16);
      expect(net.parameterCount({ includeProjection: false })).toBe(1_813_764);
      expect(net.bufferCount({ includeProjection: false })).toBe(2_944);
      expect(net.parameterCount()).toBe(1_813_764 + 5_376);
      expect(net.bufferCount()).toBe(2_944 + 128);
      net.dispose();
    });

    it('has 1,944,324 trainable values with transposed-convolution up-sampling', () => {
      const net = new UNet({ upsampling: 'transpose', projection: false });
      expect(net.parameterCount()).toBe(1_944_324);
      net.dispose();
    });

    it('initialises by default as PyTorch: kernels and biases uniform in +-1/sqrt(fan-in), seeded', async () => {
      const a = new UNet({ ...TINY, channels: [8, 16, 32] });
      const b = new UNet({ ...TINY, channels: [8, 16, 32] });
      expect(a.config.init).toBe('pytorch');
      const wa = a.getWeights();
      const wb = b.getWeights();
      expect(Array.from(await values(wa['dec1/conv1/kernel']))).toEqual(Array.from(await values(wb['dec1/conv1/kernel'])));
      // dec1/conv1: 3x3 kernel on 2*16 channels -> fan-in 288, bound 1/sqrt(288); U(-b, b) has std b/sqrt(3).
      const k = await values(wa['dec1/conv1/kernel']);
      const bound = 1 / Math.sqrt(288);
      const mean = k.reduce((s, v) => s + v, 0) / k.length;
      const std = Math.sqrt(k.reduce((s, v) => s + (v - mean) ** 2, 0) / k.length);
      expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(0.95 * bound);
      expect(Math.abs(std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.05);
      // Biases share the kernel's fan-in bound (enc1/conv2: 3x3 on 16 channels -> 144), and are not zero.
      const bias = await values(wa['enc1/conv2/bias']);
      expect(Math.max(...bias.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(144));
      expect(bias.some((v) => v !== 0)).toBe(true);
      // 1x1 up-sampling conv up0: 16 -> 8 channels, fan-in 16.
      expect(Math.max(...(await values(wa['up0/kernel'])).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(16));
      expect(Array.from(await values(wa['enc1/norm1/gamma'])).every((v) => v === 1)).toBe(true);
      tf.dispose([...Object.values(wa), ...Object.values(wb)]);
      a.dispose();
      b.dispose();
    });

    it("initialises with init: 'he' as seeded He-normal kernels, zero biases, unit gamma, zero beta", async () => {
      const a = new UNet({ ...TINY, channels: [8, 16, 32], init: 'he' });
      const b = new UNet({ ...TINY, channels: [8, 16, 32], init: 'he' });
      const c = new UNet({ ...TINY, channels: [8, 16, 32], init: 'he', seed: 1 });
      const wa = a.getWeights();
      const wb = b.getWeights();
      const wc = c.getWeights();
      expect(Array.from(await values(wa['dec1/conv1/kernel']))).toEqual(Array.from(await values(wb['dec1/conv1/kernel'])));
      expect(maxAbsDiff(await values(wa['dec1/conv1/kernel']), await values(wc['dec1/conv1/kernel']))).toBeGreaterThan(0.01);
      // dec1/conv1: 3x3 kernel on 2*16 channels -> fan-in 288, std sqrt(2/288); 4608 samples.
      const k = await values(wa['dec1/conv1/kernel']);
      const mean = k.reduce((s, v) => s + v, 0) / k.length;
      const std = Math.sqrt(k.reduce((s, v) => s + (v - mean) ** 2, 0) / k.length);
      expect(k.length).toBe(4608);
      expect(Math.abs(std / Math.sqrt(2 / 288) - 1)).toBeLessThan(0.05);
      expect(Math.abs(mean)).toBeLessThan(0.01);
      expect(Array.from(await values(wa['enc1/conv2/bias'])).every((v) => v === 0)).toBe(true);
      expect(Array.from(await values(wa['enc1/norm1/gamma'])).every((v) => v === 1)).toBe(true);
      expect(Array.from(await values(wa['enc1/norm1/beta'])).every((v) => v === 0)).toBe(true);
      expect(Array.from(await values(wa['enc1/norm1/movingVariance'])).every((v) => v === 1)).toBe(true);
      tf.dispose([...Object.values(wa), ...Object.values(wb), ...Object.values(wc)]);
      [a, b, c].forEach((n) => n.dispose());
    });

    it('lists trainable and running variables in a stable order with unique engine names', () => {
      const a = new UNet(TINY);
      const b = new UNet(TINY);
      const names = [...a.trainableVariables(), ...a.nonTrainableVariables(), ...b.trainableVariables()].map((v) => v.name);
      expect(new Set(names).size).toBe(names.length);
      expect(a.trainableVariables().every((v) => v.trainable)).toBe(true);
      expect(a.nonTrainableVariables().every((v) => !v.trainable)).toBe(true);
      expect(a.nonTrainableVariables().every((v) => /moving(Mean|Variance)$/.test(v.name))).toBe(true);
      expect(a.trainableVariables().map((v) => v.name.replace(/^[^/]+\//, ''))).toEqual(
        b.trainableVariables().map((v) => v.name.replace(/^[^/]+\//, '')),
      );
      expect(a.trainableVariables({ includeProjection: false }).some((v) => v.name.includes('/proj/'))).toBe(false);
      expect(a.trainableVariables().at(-1)?.name).toMatch(/proj\/conv2\/bias$/);
      a.dispose();
      b.dispose();
    });
  });

  describe('input validation', () => {
    const net = () => new UNet({ channels: [4, 8, 16] });
    it('names the actual size when H or W is not a multiple of 2^depth', () => {
      const n = net();
      const x = tf.zeros([1, 12, 10, 1]) as tf.Tensor4D;
      expect(() => n.forward(x)).toThrow(
        /UNet\.forward: input height and width must be positive multiples of 2\^2 = 4 \(depth 2\); got 12x10 \(x shape \[1,12,10,1\]\)\. Resize or pad the input, e\.g\. to 12x12/,
      );
      x.dispose();
      n.dispose();
    });
    it('rejects wrong channels, rank and dtype', () => {
      const n = net();
      const bad: Array<[tf.Tensor, RegExp]> = [
        [tf.zeros([1, 8, 8, 3]), /must have 1 channel\(s\) \(config\.inChannels\), got shape \[1,8,8,3\]/],
        [tf.zeros([8, 8, 1]), /must be rank 4 \[N,H,W,1\] \(channels-last\), got shape \[8,8,1\]/],
        [tf.zeros([1, 8, 8, 1], 'int32'), /must be float32, got int32/],
      ];
      for (const [x, message] of bad) {
        expect(() => n.forward(x as tf.Tensor4D)).toThrow(message);
        x.dispose();
      }
      n.dispose();
    });
    it('refuses batch-norm training on a single value per channel at the bottleneck', () => {
      const n = net();
      const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
      expect(() => n.forward(x, { training: true })).toThrow(/more than one value per channel.*1x1x1 = 1/);
      const out = n.forward(x);
      expect(out.logits.shape).toEqual([1, 4, 4, 4]);
      tf.dispose([x, out.logits]);
      n.dispose();
    });
    it('refuses embeddings without a projection head, and use after dispose', () => {
      const n = new UNet({ channels: [4, 8], projection: false });
      const x = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
      expect(() => n.forward(x, { embeddings: true })).toThrow(/option 'embeddings' needs a projection head/);
      n.dispose();
      n.dispose();
      expect(n.isDisposed).toBe(true);
      expect(() => n.forward(x)).toThrow(/UNet\.forward: this network has been disposed/);
      x.dispose();
    });
  });

  describe('batch normalisation', () => {
    it('updates the running statistics in training only, and uses them in inference', async () => {
      const net = new UNet({ ...TINY, dropout: [0, 0, 0] });
      const x = input([2, 8, 8, 1], 11);
      const before = net.getWeights();
      const inf1 = net.forward(x);
      const stillSame = net.getWeights();
      expect(maxAbsDiff(await values(before['enc0/norm1/movingMean']), await values(stillSame['enc0/norm1/movingMean']))).toBe(0);

      const train = net.forward(x, { training: true });
      const after = net.getWeights();
      // enc0/norm1 sees conv1(x) + bias: its batch mean is the mean of that; running = 0.9 * 0 + 0.1 * that.
      const conv = tf.add(tf.conv2d(x, before['enc0/conv1/kernel'] as tf.Tensor4D, 1, 'same'), before['enc0/conv1/bias']);
      const batchMean = await values(tf.mean(conv, [0, 1, 2]));
      const runMean = await values(after['enc0/norm1/movingMean']);
      batchMean.forEach((m, i) => expect(runMean[i]).toBeCloseTo(0.1 * m, 5));
      // Every U-Net norm layer moved; the projection head's did not run (no embeddings requested).
      for (const name of net.weightNames().filter((n) => n.includes('moving'))) {
        const moved = maxAbsDiff(await values(before[name]), await values(after[name]));
        if (name.startsWith('proj/')) expect(moved).toBe(0);
        else expect(moved).toBeGreaterThan(0);
      }
      const inf2 = net.forward(x);
      expect(maxAbsDiff(await values(inf1.logits), await values(inf2.logits))).toBeGreaterThan(1e-4);
      tf.dispose([x, conv, inf1.logits, inf2.logits, train.logits]);
      tf.dispose([...Object.values(before), ...Object.values(stillSame), ...Object.values(after)]);
      net.dispose();
    });

    it('recalibrateBatchNorm sets the running statistics to the average batch statistics, without dropout', async () => {
      const net = new UNet({ ...TINY, dropout: [0.5, 0.5, 0.5] });
      const x1 = input([2, 8, 8, 1], 21);
      const x2 = input([2, 8, 8, 1], 22);
      const before = tf.memory().numTensors;
      net.recalibrateBatchNorm([x1, x2]);
      expect(tf.memory().numTensors).toBe(before);
      const w = net.getWeights();
      // enc0/norm1 normalises conv1(x) + bias: expected = mean over the 2 batches of the batch mean and of the
      // unbiased batch variance (2 * 8 * 8 = 128 values per channel).
      const stats = async (x: tf.Tensor4D) => {
        const z = tf.add(tf.conv2d(x, w['enc0/conv1/kernel'] as tf.Tensor4D, 1, 'same'), w['enc0/conv1/bias']);
        const m = tf.moments(z, [0, 1, 2]);
        const out = { mean: await values(m.mean), variance: (await values(m.variance)).map((v) => (v * 128) / 127) };
        tf.dispose([z, m.mean, m.variance]);
        return out;
      };
      const [s1, s2] = [await stats(x1), await stats(x2)];
      const runMean = await values(w['enc0/norm1/movingMean']);
      const runVar = await values(w['enc0/norm1/movingVariance']);
      runMean.forEach((v, i) => expect(v).toBeCloseTo((s1.mean[i] + s2.mean[i]) / 2, 5));
      runVar.forEach((v, i) => expect(v).toBeCloseTo((s1.variance[i] + s2.variance[i]) / 2, 5));
      // With one batch, inference reproduces the batch-statistics forward without dropout, up to the
      // unbiased/biased variance factor n/(n-1) of each layer
      // (a 32 x 32 batch, so that the bottleneck has 128 values per channel and that factor stays small)
      const x3 = input([2, 32, 32, 1], 23);
      net.recalibrateBatchNorm([x3]);
      const inf = net.forward(x3);
      const batchStats = net.forward(x3, { training: true, dropout: false, bnMomentum: 0 });
      const a = await values(inf.logits);
      const b = await values(batchStats.logits);
      const scale = Math.max(...b.map(Math.abs));
      expect(maxAbsDiff(a, b) / scale).toBeLessThan(0.05);
      expect(() => net.forward(x1, { training: true, bnMomentum: 2 })).toThrow(/'bnMomentum' must be in \[0, 1\]/);
      expect(() => net.recalibrateBatchNorm([])).toThrow(/'batches' is empty/);
      tf.dispose([x1, x2, x3, inf.logits, batchStats.logits, ...Object.values(w)]);
      net.dispose();
    });

    it('normalises with the batch statistics in training, whatever the running statistics', async () => {
      const net = new UNet({ ...TINY, dropout: [0, 0, 0] });
      const x = input([2, 8, 8, 1], 12);
      const a = net.forward(x, { training: true });
      const w = net.getWeights();
      const scrambled: tf.NamedTensorMap = { ...w };
      for (const name of net.weightNames().filter((n) => n.includes('moving'))) {
        scrambled[name] = tf.randomUniform(w[name].shape, 0.5, 3, 'float32', 3);
      }
      net.setWeights(scrambled);
      const b = net.forward(x, { training: true });
      expect(maxAbsDiff(await values(a.logits), await values(b.logits))).toBeLessThan(1e-5);
      tf.dispose([x, a.logits, b.logits, ...Object.values(w), ...Object.values(scrambled)]);
      net.dispose();
    });
  });

  describe('dropout', () => {
    it('is off in inference, seeded in training, and fresh on each training call', async () => {
      const net = new UNet({ ...TINY, dropout: [0.3, 0.3, 0.5] });
      const x = input([2, 8, 8, 1], 13);
      const i1 = net.forward(x);
      const i2 = net.forward(x);
      expect(maxAbsDiff(await values(i1.logits), await values(i2.logits))).toBe(0);
      const t1 = net.forward(x, { training: true });
      const t2 = net.forward(x, { training: true });
      expect(maxAbsDiff(await values(t1.logits), await values(t2.logits))).toBeGreaterThan(1e-3);
      const s1 = net.forward(x, { training: true, seed: 5 });
      const s2 = net.forward(x, { training: true, seed: 5 });
      expect(maxAbsDiff(await values(s1.logits), await values(s2.logits))).toBe(0);
      // Two networks with the same seed draw the same masks on their n-th training call.
      const twin = new UNet({ ...TINY, dropout: [0.3, 0.3, 0.5] });
      const u1 = twin.forward(x, { training: true });
      expect(maxAbsDiff(await values(u1.logits), await values(t1.logits))).toBe(0);
      tf.dispose([x, i1.logits, i2.logits, t1.logits, t2.logits, s1.logits, s2.logits, u1.logits]);
      net.dispose();
      twin.dispose();
    });
  });

  describe('training', () => {
    it('overfits a tiny synthetic batch with Adam, without leaking tensors', async () => {
      const net = new UNet({ channels: [4, 8, 16], numClasses: 3, projection: false, seed: 3 });
      // Two 16x16 images: class 1 inside a bright disc, class 2 in a dark square, 0 elsewhere.
      const img = new Float32Array(2 * 16 * 16);
      const lab = new Int32Array(2 * 16 * 16);
      for (let n = 0; n < 2; n++) {
        for (let y = 0; y < 16; y++) {
          for (let x = 0; x < 16; x++) {
            const i = n * 256 + y * 16 + x;
            const disc = (y - 5 - 4 * n) ** 2 + (x - 6) ** 2 < 12;
            const square = y >= 10 - 6 * n && y < 14 - 6 * n && x >= 10 && x < 14;
            lab[i] = disc ? 1 : square ? 2 : 0;
            img[i] = (disc ? 0.8 : square ? -0.8 : 0) + 0.1 * Math.sin(3 * x + 7 * y + n);
          }
        }
      }
      const x = tf.tensor4d(img, [2, 16, 16, 1]);
      const target = tf.oneHot(tf.tensor3d(lab, [2, 16, 16], 'int32'), 3) as tf.Tensor4D;
      const optimizer = tf.train.adam(0.02);
      const vars = net.trainableVariables();
      const losses: number[] = [];
      let afterFirst = 0;
      for (let step = 0; step < 25; step++) {
        const { value, grads } = tf.variableGrads(() => crossEntropy(net.forward(x, { training: true }).logits, target), vars);
        expect(Object.keys(grads).length).toBe(vars.length);
        optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
        losses.push((await value.data())[0]);
        tf.dispose([value, ...Object.values(grads)]);
        if (step === 1) afterFirst = tf.memory().numTensors;
        if (step > 1) expect(tf.memory().numTensors).toBe(afterFirst);
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses.at(-1)!).toBeLessThan(0.1 * losses[0]);
      // Inference with the learned running statistics also fits.
      const evalLoss = crossEntropy(net.forward(x).logits, target);
      expect((await evalLoss.data())[0]).toBeLessThan(0.5 * losses[0]);
      tf.dispose([x, target, evalLoss]);
      optimizer.dispose();
      net.dispose();
    });

    it('is differentiable through the projection head and updates running statistics inside tf.variableGrads', async () => {
      const net = new UNet(TINY);
      const x = input([2, 8, 8, 1], 14);
      const mean0 = await values(net.nonTrainableVariables().at(-2)!);
      const vars = net.trainableVariables();
      const { value, grads } = tf.variableGrads(() => {
        const out = net.forward(x, { training: true, embeddings: true });
        return tf.add(tf.mean(tf.square(out.logits)), tf.mean(tf.square(out.embeddings!))) as tf.Scalar;
      }, vars);
      expect(Object.keys(grads).sort()).toEqual(vars.map((v) => v.name).sort());
      const projGrad = await values(grads[vars.at(-2)!.name]);
      expect(maxAbsDiff(projGrad, new Float32Array(projGrad.length))).toBeGreaterThan(0);
      expect(maxAbsDiff(mean0, await values(net.nonTrainableVariables().at(-2)!))).toBeGreaterThan(0);
      tf.dispose([x, value, ...Object.values(grads)]);
      net.dispose();
    });

    it('trains on a non-square input with bilinear up-sampling; fused and composed batch norm give the same gradients', async () => {
      // Needs @agcl/backend's corrected cpu ResizeBilinearGrad (tfjs-backend-cpu 4.22 mislabels its shape).
      const net = new UNet({ ...TINY, dropout: [0, 0, 0], upsampling: 'bilinear' });
      const x = input([2, 8, 12, 1], 16);
      const vars = net.trainableVariables();
      const weights = net.getWeights();
      const run = async (fused: boolean) => {
        tf.env().set('AGCL_FUSED_BATCH_NORM', fused);
        try {
          net.setWeights(weights); // same running statistics for both passes
          const { value, grads } = tf.variableGrads(() => {
            const out = net.forward(x, { training: true, embeddings: true });
            return tf.add(tf.mean(tf.square(out.logits)), tf.mean(tf.square(out.embeddings!))) as tf.Scalar;
          }, vars);
          const g = await Promise.all(vars.map(async (v) => values(grads[v.name])));
          const loss = (await value.data())[0];
          const runningMean = await values(net.nonTrainableVariables()[0]);
          tf.dispose([value, ...Object.values(grads)]);
          return { loss, g, runningMean };
        } finally {
          tf.env().set('AGCL_FUSED_BATCH_NORM', true);
        }
      };
      const fusedRun = await run(true);
      const composed = await run(false);
      expect(Math.abs(fusedRun.loss - composed.loss)).toBeLessThan(1e-5 * Math.abs(composed.loss));
      expect(maxAbsDiff(fusedRun.runningMean, composed.runningMean)).toBeLessThan(1e-5);
      composed.g.forEach((g, i) => {
        const scale = Math.max(...Array.from(g, Math.abs));
        expect(vars[i].name + ' ' + (maxAbsDiff(fusedRun.g[i], g) <= 1e-3 * scale + 1e-7)).toBe(vars[i].name + ' true');
      });
      tf.dispose([x, ...Object.values(weights)]);
      net.dispose();
    });

    it('does not leak in forward, getWeights, clone and dispose', () => {
      const net = new UNet(TINY);
      const x = input([2, 8, 8, 1], 15);
      const run = () => {
        const out = net.forward(x, { training: true, features: true, embeddings: true });
        const inf = net.forward(x, { embeddings: true });
        const w = net.getWeights();
        const teacher = net.clone();
        teacher.dispose();
        tf.dispose([out.logits, out.features!, out.embeddings!, inf.logits, inf.embeddings!, ...Object.values(w)]);
      };
      run();
      const before = tf.memory().numTensors;
      run();
      run();
      expect(tf.memory().numTensors).toBe(before);
      const vars = net.trainableVariables().length + net.nonTrainableVariables().length;
      net.dispose();
      expect(tf.memory().numTensors).toBe(before - vars);
      x.dispose();
    });
  });

  describe('weights', () => {
    it('clone() gives an independent teacher with the same outputs', async () => {
      const student = new UNet({ ...TINY, dropout: [0, 0, 0] });
      const x = input([2, 8, 8, 1], 16);
      const warm = student.forward(x, { training: true });
      const teacher = student.clone({ trainable: false });
      expect(teacher.config).toEqual(student.config);
      expect(teacher.trainableVariables().every((v) => !v.trainable)).toBe(true);
      const a = student.forward(x, { embeddings: true });
      const b = teacher.forward(x, { embeddings: true });
      expect(maxAbsDiff(await values(a.logits), await values(b.logits))).toBe(0);
      expect(maxAbsDiff(await values(a.embeddings!), await values(b.embeddings!))).toBe(0);
      const first = student.trainableVariables()[0];
      first.assign(tf.add(first, 1));
      const c = teacher.forward(x);
      expect(maxAbsDiff(await values(b.logits), await values(c.logits))).toBe(0);
      teacher.copyWeightsFrom(student);
      const d = teacher.forward(x);
      const e = student.forward(x);
      expect(maxAbsDiff(await values(d.logits), await values(e.logits))).toBe(0);
      tf.dispose([x, warm.logits, a.logits, a.embeddings!, b.logits, b.embeddings!, c.logits, d.logits, e.logits]);
      // The teacher owns its values: it still runs after the student is gone.
      student.dispose();
      const zeros = tf.zeros([2, 8, 8, 1]) as tf.Tensor4D;
      const f = teacher.forward(zeros);
      expect(f.logits.shape).toEqual([2, 8, 8, 3]);
      expect(Array.from(await values(f.logits)).every(Number.isFinite)).toBe(true);
      tf.dispose([zeros, f.logits]);
      teacher.dispose();
    });

    it('setWeights checks names and shapes before assigning anything', async () => {
      const net = new UNet(TINY);
      const w = net.getWeights();
      const missing = { ...w };
      delete missing['out/bias'];
      expect(() => net.setWeights(missing)).toThrow(/UNet\.setWeights: .*missing 1 weight\(s\): out\/bias/);
      const extra = { ...w, 'enc9/conv1/kernel': w['out/bias'] };
      expect(() => net.setWeights(extra)).toThrow(/1 unexpected weight\(s\): enc9\/conv1\/kernel/);
      const wrongShape = { ...w, 'out/bias': tf.zeros([5]), 'enc0/conv1/bias': tf.ones([4]) };
      expect(() => net.setWeights(wrongShape)).toThrow(/'out\/bias' has shape \[5\], expected \[3\]/);
      // Nothing was assigned: enc0/conv1/bias still holds its initial values, not the ones given.
      const now = net.getWeights();
      expect(Array.from(await values(now['enc0/conv1/bias']))).toEqual(Array.from(await values(w['enc0/conv1/bias'])));
      expect(Array.from(await values(now['enc0/conv1/bias']))).not.toEqual([1, 1, 1, 1]);
      const other = new UNet({ ...TINY, channels: [4, 8, 8] });
      expect(() => other.copyWeightsFrom(net)).toThrow(/UNet\.setWeights: the weights do not match this network \(channels \[4,8,8\]/);
      tf.dispose([...Object.values(w), ...Object.values(now), wrongShape['out/bias'], wrongShape['enc0/conv1/bias']]);
      net.dispose();
      other.dispose();
    });
  });
});
