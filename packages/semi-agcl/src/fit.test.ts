import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { fit } from './fit';
import { SemiAgcl } from './step';
import { bandBatch, PixelModel } from './test-utils/pixel-model';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

function make(extraTerms = {}) {
  const student = new PixelModel(1, 3);
  const teacher = student.clone();
  const optimizer = tf.train.adam(0.02);
  const semi = new SemiAgcl({ student, teacher, optimizer, numClasses: 3, options: { method: 'mean-teacher' }, extraTerms });
  const batch = (step: number) => {
    const l = bandBatch(2, 8, step);
    const u = bandBatch(2, 8, 1000 + step);
    u.y.dispose();
    return { xl: l.x, yl: l.y, xu: u.x };
  };
  return { semi, batch, dispose: () => tf.dispose([...student.vars, ...teacher.vars]) };
}

describe('fit', () => {
  it('steps, validates every n steps and at the end, checkpoints after each validation; the loss falls; no leaks', async () => {
    const { semi, batch, dispose } = make();
    const events: string[] = [];
    const losses: number[] = [];
    const counts: number[] = [];
    const result = await fit({
      semi,
      steps: 25,
      validateEvery: 10,
      batch,
      onStep: (r) => {
        losses.push(r.loss);
        counts.push(tf.memory().numTensors);
        expect(r.seconds).toBeGreaterThanOrEqual(0);
      },
      onValidate: (c) => void events.push(`validate ${c}`),
      onCheckpoint: (c, why) => void events.push(`checkpoint ${c} ${why}`),
    });
    expect(result).toEqual({ step: 25, status: 'completed', reason: null, error: null });
    expect(events).toEqual(['validate 10', 'checkpoint 10 validation', 'validate 20', 'checkpoint 20 validation', 'validate 25', 'checkpoint 25 validation']);
    expect(losses).toHaveLength(25);
    expect(losses.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(losses.slice(0, 5).reduce((a, b) => a + b) / 5);
    expect(new Set(counts.slice(1)).size).toBe(1); // batches disposed by fit
    dispose();
  });

  it('stops on request before a step, checkpoints, and resumes from a start step', async () => {
    const { semi, batch, dispose } = make();
    const steps: number[] = [];
    const checkpoints: string[] = [];
    const first = await fit({
      semi,
      steps: 10,
      batch,
      onStep: (r) => void steps.push(r.step),
      shouldStop: () => (steps.length >= 3 ? 'enough' : null),
      onCheckpoint: (c, why) => void checkpoints.push(`${c} ${why}`),
    });
    expect(first).toEqual({ step: 3, status: 'stopped', reason: 'enough', error: null });
    expect(checkpoints).toEqual(['3 stop']);
    const controller = new AbortController();
    controller.abort();
    expect((await fit({ semi, steps: 10, startStep: 3, batch, signal: controller.signal })).reason).toBe('abort signal');
    const rest = await fit({ semi, steps: 5, startStep: 3, batch, onStep: (r) => void steps.push(r.step) });
    expect(rest.status).toBe('completed');
    expect(steps).toEqual([1, 2, 3, 4, 5]);
    dispose();
  });

  it("ends with status 'non-finite' on a NaN loss, without a checkpoint; checks its options", async () => {
    const { semi, batch, dispose } = make({ bad: { weight: 1, loss: (ctx: { step: number }) => tf.scalar(ctx.step === 2 ? Number.NaN : 0) } });
    const checkpoints: number[] = [];
    const r = await fit({ semi, steps: 6, validateEvery: 2, batch, onCheckpoint: (c) => void checkpoints.push(c) });
    expect(r.status).toBe('non-finite');
    expect(r.step).toBe(2);
    expect(r.error?.terms).toEqual(['bad']);
    expect(checkpoints).toEqual([2]);
    await expect(fit({ semi, steps: 0, batch })).rejects.toThrow("fit: option 'steps' must be an integer >= 1; got 0");
    await expect(fit({ semi, steps: 4, startStep: 5, batch })).rejects.toThrow("option 'startStep' must be an integer in [0, steps]");
    dispose();
  });
});
