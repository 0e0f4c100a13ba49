import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { trainOwnModel } from './train-own-model';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' }); // before the first tf.memory()
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('own tfjs-layers model trained with the Semi-AGCL step', () => {
  it('trains at 32 x 32: the loss falls, patches are sampled, the tensor count stays flat', async () => {
    const lines: string[] = [];
    const tensors: number[] = [];
    const before = tf.memory().numTensors;
    const { history, fit, evaluation } = await trainOwnModel({
      steps: 24,
      size: 32,
      labeledCases: 2,
      unlabeledCases: 3,
      heldOutCases: 1,
      // w(t) = 1 from the first step: the weights of the terms stay fixed, so a falling total means
      // learning (with the example's ramp-up over the run the total rises as w(t) grows)
      semiAgcl: { rampupSteps: 0 },
      log: (l) => lines.push(l),
      onStep: () => tensors.push(tf.memory().numTensors),
    });
    expect(fit.status).toBe('completed');
    expect(history).toHaveLength(24);
    expect(lines[0]).toMatch(/^backend: wasm/);

    // the total and the supervised term fall (last 5 steps against the first 5; seeds 1-4 gave
    // ratios 0.56-0.70 and 0.43-0.52)
    const loss = history.map((r) => r.loss);
    const supervised = history.map((r) => r.terms.supervised);
    for (const l of loss) expect(Number.isFinite(l)).toBe(true);
    expect(mean(loss.slice(-5))).toBeLessThan(0.85 * mean(loss.slice(0, 5)));
    expect(mean(supervised.slice(-5))).toBeLessThan(0.7 * mean(supervised.slice(0, 5)));
    expect(history.every((r) => r.rampup === 1)).toBe(true);

    // the Semi-AGCL terms ran: patches were sampled and both patch losses computed (and non-zero somewhere)
    for (const r of history) {
      expect(Object.keys(r.terms).sort()).toEqual(['affinity', 'consistency', 'contrastive', 'supervised']);
      expect(r.patches).toBeGreaterThanOrEqual(2);
    }
    expect(history.some((r) => r.terms.contrastive > 0)).toBe(true);
    expect(history.every((r) => r.terms.affinity > 0)).toBe(true);

    // no tensor leaks: the count after every step equals the one after the first (Adam's slots are made there)
    expect(new Set(tensors).size).toBe(1);
    // and everything the run made is disposed at its end
    expect(tf.memory().numTensors).toBe(before);

    expect(evaluation.dicePerClass).toHaveLength(3);
    expect(evaluation.baseline.meanDice).toBe(0);
    expect(evaluation.baseline.pixelAccuracy).toBeGreaterThan(0.5);
    expect(lines.at(-2)).toMatch(/^held-out Dice RV .* mean \d\.\d{3} {2}\(predict-all-background: 0\.000\)$/);
  });
});

describe('the wrapper without embeddings', () => {
  it('leaks nothing when the step asks for no embeddings (mean-teacher: the teacher forward runs outside any tidy)', async () => {
    const tensors: number[] = [];
    const { history } = await trainOwnModel({
      steps: 5, size: 16, labeledCases: 1, unlabeledCases: 1, heldOutCases: 1, semiAgcl: { method: 'mean-teacher' },
      log: () => {}, onStep: () => tensors.push(tf.memory().numTensors),
    });
    expect(Object.keys(history[0].terms).sort()).toEqual(['consistency', 'supervised']);
    expect(new Set(tensors).size).toBe(1);
  });
});
