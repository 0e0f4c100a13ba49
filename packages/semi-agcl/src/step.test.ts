import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { samplePatches } from '@agcl/sampler';
import { NonFiniteLossError } from '@agcl/mean-teacher';
import { SemiAgcl, type PatchSamplerInput, type SemiAgclSetup } from './step';
import { METHOD_NAMES, type MethodName } from './methods';
import { stepSeeds } from './seeds';
import { UNet } from '@agcl/unet';
import { bandBatch, PixelModel } from './test-utils/pixel-model';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

function setup(method: MethodName, extra: Partial<SemiAgclSetup> = {}, seed = 1) {
  const student = new PixelModel(1, 3, 6, 4, seed);
  const teacher = student.clone();
  const optimizer = tf.train.sgd(0.1);
  const semi = new SemiAgcl({ student, teacher, optimizer, numClasses: 3, options: { method, rampupSteps: 100, patchSize: 4 }, ...extra });
  const dispose = () => {
    student.dispose();
    teacher.dispose();
    optimizer.dispose();
  };
  return { student, teacher, semi, dispose };
}

function batch(step: number) {
  const l = bandBatch(2, 16, 100 + step);
  const u = bandBatch(2, 16, 200 + step);
  u.y.dispose();
  return { xl: l.x, yl: l.y, xu: u.x };
}

function disposeBatch(b: { xl: tf.Tensor; yl: tf.Tensor; xu: tf.Tensor | null }) {
  tf.dispose([b.xl, b.yl, ...(b.xu ? [b.xu] : [])]);
}

/** 0.5 (CE + soft Dice) in float64: CE mean over pixels; Dice over the batch per class (smooth 1e-5), mean over classes. */
function supervisedReference(logits: Float32Array, labels: Int32Array, k: number): number {
  const pixels = labels.length;
  let ce = 0;
  const inter = new Float64Array(k);
  const pSq = new Float64Array(k);
  const gSq = new Float64Array(k);
  for (let i = 0; i < pixels; i++) {
    const row = Array.from(logits.subarray(i * k, i * k + k));
    const max = Math.max(...row);
    const exps = row.map((v) => Math.exp(v - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    ce -= Math.log(exps[labels[i]] / sum);
    for (let c = 0; c < k; c++) {
      const p = exps[c] / sum;
      const g = labels[i] === c ? 1 : 0;
      inter[c] += p * g;
      pSq[c] += p * p;
      gSq[c] += g;
    }
  }
  let dice = 0;
  for (let c = 0; c < k; c++) dice += 1 - (2 * inter[c] + 1e-5) / (pSq[c] + gSq[c] + 1e-5);
  return 0.5 * (ce / pixels + dice / k);
}

describe('SemiAgcl.step', () => {
  it("the supervised term is 0.5 (CE + soft Dice) of the student's logits before the update (float64 reference)", async () => {
    const { student, semi, dispose } = setup('supervised');
    const b = batch(0);
    const logits = tf.tidy(() => student.forward(b.xl, { training: true }).logits);
    const expected = supervisedReference((await logits.data()) as Float32Array, (await b.yl.data()) as Int32Array, 3);
    const r = await semi.step(b, 0);
    expect(r.terms.supervised).toBeCloseTo(expected, 5);
    expect(r.loss).toBe(r.terms.supervised); // no extra terms without a teacher
    expect(r.rampup).toBe(0);
    logits.dispose();
    disposeBatch(b);
    dispose();
  });

  it('the total is L_sup + w(t) sum_k lambda_k L_k with w(t) = exp(-5 (1 - t/T)^2), every term present', async () => {
    const { semi, dispose } = setup('semi-agcl');
    const b = batch(10);
    const r = await semi.step(b, 10);
    const w = Math.exp(-5 * (1 - 10 / 100) ** 2);
    expect(r.rampup).toBeCloseTo(w, 12);
    expect(Object.keys(r.terms).sort()).toEqual(['affinity', 'consistency', 'contrastive', 'supervised']);
    const { supervised, consistency, contrastive, affinity } = r.terms;
    expect(r.loss).toBeCloseTo(supervised + w * (0.1 * consistency + 0.1 * contrastive + 0.1 * affinity), 5);
    expect(r.patches).toBeGreaterThanOrEqual(2);
    disposeBatch(b);
    dispose();
  });

  it('takes a custom patch sampler and a custom extra loss term without mocks', async () => {
    const seen: PatchSamplerInput[] = [];
    const sampler = (input: PatchSamplerInput) => {
      seen.push(input);
      return samplePatches(input.ape, input.meanConfidence, input.shape, { samplesPerClass: 3, maxPatches: 8, seed: input.seed, mode: 'uniform' });
    };
    const extraTerms = {
      embeddingNorm: { weight: 2, loss: (ctx: Parameters<NonNullable<SemiAgclSetup['extraTerms']>[string]['loss']>[0]) => tf.mean(tf.square(ctx.patches!.student)) as tf.Scalar },
    };
    const { semi, dispose } = setup('semi-agcl', { sampler, extraTerms });
    const b = batch(3);
    const r = await semi.step(b, 3);
    expect(seen).toHaveLength(1);
    expect(seen[0].shape).toEqual([4, 4, 4, 3]); // 2 labeled + 2 unlabeled images, a 4x4 grid of 4-pixel patches, 3 classes
    expect(seen[0].seed).toBe(stepSeeds(1337, 3).sampler);
    expect(r.patches).toBeLessThanOrEqual(8);
    expect(r.terms.embeddingNorm).toBeGreaterThan(0);
    const { supervised, consistency, contrastive, affinity, embeddingNorm } = r.terms;
    expect(r.loss).toBeCloseTo(supervised + r.rampup * (0.1 * (consistency + contrastive + affinity) + 2 * embeddingNorm), 5);
    disposeBatch(b);
    dispose();
  });

  it('an extra term trains: minimising it alone lowers it', async () => {
    // the mean first coordinate of the (unit-length) student patch embeddings
    const extraTerms = { norm: { weight: 1, loss: (ctx: { patches: { student: tf.Tensor2D } | null }) => tf.mean(tf.slice(ctx.patches!.student, [0, 0], [-1, 1])) as tf.Scalar } };
    const { semi, dispose } = setup('semi-agcl', { extraTerms, options: { method: 'semi-agcl', rampupSteps: 0, weights: { consistency: 0, contrastive: 0, affinity: 1e-6 } } });
    const values: number[] = [];
    for (let step = 0; step < 15; step++) {
      const b = batch(0);
      values.push((await semi.step(b, step)).terms.norm);
      disposeBatch(b);
    }
    expect(values[14]).toBeLessThan(values[0] - 0.2);
    dispose();
  });

  it('updates the teacher as the EMA alpha_t = min(1 - 1/(t+1), emaDecay) after each step', async () => {
    const { student, teacher, semi, dispose } = setup('mean-teacher');
    const b0 = batch(0);
    await semi.step(b0, 0); // alpha_0 = 0: the teacher becomes the student
    expect(teacher.values()).toEqual(student.values());
    const before = teacher.values();
    const b1 = batch(1);
    await semi.step(b1, 1); // alpha_1 = 0.5
    const after = teacher.values();
    student.values().forEach((s, i) => s.forEach((v, j) => expect(after[i][j]).toBeCloseTo(0.5 * before[i][j] + 0.5 * v, 6)));
    disposeBatch(b0);
    disposeBatch(b1);
    dispose();
  });

  it('sets the learning rate of each step from the schedule (SGD: the update is -lr * gradient)', async () => {
    const lrs: number[] = [];
    const { semi, dispose } = setup('supervised', { learningRate: (s) => { lrs.push(s); return 0.05 * (s + 1); } });
    const b = batch(0);
    const r = await semi.step(b, 4);
    expect(lrs).toEqual([4]);
    expect(r.terms.supervised).toBeGreaterThan(0);
    expect(r.learningRate).toBeCloseTo(0.25, 12);
    disposeBatch(b);
    dispose();
  });

  it('is a pure function of the seed: the same run twice gives identical losses, another seed differs', async () => {
    const run = async (seed: number) => {
      const student = new PixelModel(1, 3, 6, 4, 1);
      const teacher = student.clone();
      const optimizer = tf.train.adam(0.01);
      const semi = new SemiAgcl({ student, teacher, optimizer, numClasses: 3, options: { seed, patchSize: 4 } });
      const losses: number[] = [];
      for (let step = 0; step < 4; step++) {
        const b = batch(step);
        losses.push((await semi.step(b, step)).loss);
        disposeBatch(b);
      }
      student.dispose();
      teacher.dispose();
      optimizer.dispose();
      return losses;
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });

  it('a non-finite loss throws NonFiniteLossError and leaves the weights and the teacher untouched', async () => {
    const extraTerms = { bad: { weight: 1, loss: () => tf.scalar(Number.NaN) } };
    const { student, teacher, semi, dispose } = setup('semi-agcl', { extraTerms });
    const s0 = student.values();
    const t0 = teacher.values();
    const b = batch(0);
    await expect(semi.step(b, 5)).rejects.toBeInstanceOf(NonFiniteLossError);
    expect(student.values()).toEqual(s0);
    expect(teacher.values()).toEqual(t0);
    disposeBatch(b);
    dispose();
  });

  it("a rejected step restores the student's batch-norm running statistics (a U-Net)", async () => {
    const student = new UNet({ inChannels: 1, numClasses: 3, channels: [4, 8], projection: { dim: 4, hidden: 4 }, seed: 3 });
    const teacher = student.clone();
    const optimizer = tf.train.sgd(0.01);
    const semi = new SemiAgcl({ student, teacher, optimizer, numClasses: 3, options: { patchSize: 4 }, extraTerms: { bad: { weight: 1, loss: () => tf.scalar(Number.NaN) } } });
    const buffers = () => student.nonTrainableVariables().map((v) => Array.from(v.dataSync()));
    const before = buffers();
    const b = batch(0);
    await expect(semi.step(b, 0)).rejects.toBeInstanceOf(NonFiniteLossError);
    expect(buffers()).toEqual(before);
    // a good step does move them (training forward, default momentum)
    const ok = new SemiAgcl({ student, teacher, optimizer, numClasses: 3, options: { patchSize: 4 } });
    await ok.step(b, 0);
    expect(buffers()).not.toEqual(before);
    disposeBatch(b);
    student.dispose();
    teacher.dispose();
    optimizer.dispose();
  });

  it.each(METHOD_NAMES.map((m) => [m]))('%s: tf.memory().numTensors is flat over 12 steps', async (method) => {
    const { semi, dispose } = setup(method);
    const counts: number[] = [];
    for (let step = 0; step < 12; step++) {
      const b = batch(step);
      await semi.step(b, step);
      disposeBatch(b);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    dispose();
  });

  it('rejects a batch whose shapes disagree, naming the field', async () => {
    const { semi, dispose } = setup('semi-agcl');
    const b = batch(0);
    const small = tf.zeros([2, 8, 8], 'int32') as tf.Tensor3D;
    const floatLabels = tf.zeros([2, 16, 16]) as tf.Tensor3D;
    const rgb = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    await expect(semi.step({ ...b, yl: small }, 0)).rejects.toThrow('batch.yl must be an int32 tensor [2, 16, 16] like batch.xl; got [2, 8, 8] int32');
    await expect(semi.step({ ...b, yl: floatLabels }, 0)).rejects.toThrow('got [2, 16, 16] float32');
    await expect(semi.step({ ...b, xu: rgb }, 0)).rejects.toThrow('batch.xu must be null or a tensor [M, 16, 16, 1] like batch.xl; got [2, 16, 16, 3]');
    tf.dispose([small, floatLabels, rgb]);
    disposeBatch(b);
    dispose();
  });

  it('rejects a patch size that does not divide the images', async () => {
    const { semi, dispose } = setup('semi-agcl', { options: { method: 'semi-agcl', patchSize: 5 } });
    const b = batch(0);
    await expect(semi.step(b, 0)).rejects.toThrow("option 'patchSize' 5 must divide the image size 16x16");
    disposeBatch(b);
    dispose();
  });

  it('reports its phases in order', async () => {
    const phases: string[] = [];
    const { semi, dispose } = setup('semi-agcl', { onPhase: (p) => void phases.push(p) });
    const b = batch(0);
    await semi.step(b, 0);
    expect(phases).toEqual(['teacher', 'sampler', 'student', 'ema']);
    disposeBatch(b);
    dispose();
  });

  it('rejects a setup it cannot run, naming the option', () => {
    const student = new PixelModel(1, 3);
    const optimizer = tf.train.sgd(0.1);
    expect(() => new SemiAgcl({ student, optimizer, numClasses: 3 })).toThrow("method 'semi-agcl' needs option 'teacher'");
    expect(() => new SemiAgcl({ student, optimizer, numClasses: 1, options: { method: 'supervised' } })).toThrow("option 'numClasses' must be an integer >= 2");
    expect(() => new SemiAgcl({ student, teacher: student.clone(), optimizer, numClasses: 3, extraTerms: { consistency: { weight: 1, loss: () => tf.scalar(0) } } })).toThrow(
      "extra term 'consistency' has the name of a built-in term",
    );
    expect(() => new SemiAgcl({ student, optimizer, numClasses: 3, options: { method: 'supervised', weights: { affinity: -1 } } })).toThrow(
      "option 'weights.affinity' must be a number in [0, 1000]; got -1",
    );
    const adam = tf.train.adam(0.01);
    expect(() => new SemiAgcl({ student, optimizer: adam, numClasses: 3, options: { method: 'supervised' }, learningRate: 0.01 })).toThrow("option 'learningRate' needs an optimizer with setLearningRate()");
    adam.dispose();
    student.dispose();
    optimizer.dispose();
  });
});
