import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { runDropIn, segmentationScores } from './run-drop-in';

describe('affinity-loss drop-in example', () => {
  it('trains at a tiny size: finite losses, lower supervised loss at the end, no leaked tensors', async () => {
    const lines: string[] = [];
    const tiny = { steps: 12, batch: 4, size: 8, patchSize: 4, dim: 4, evalImages: 8, backend: 'cpu' } as const;
    const first = await runDropIn({ ...tiny, log: (l) => lines.push(l) });
    const before = tf.memory().numTensors;
    const { steps, accuracy } = await runDropIn({ ...tiny, log: () => {} });
    expect(tf.memory().numTensors).toBe(before);
    expect(steps).toHaveLength(12);
    expect(first.steps).toEqual(steps); // seeded: the same run twice
    for (const s of steps) {
      expect(Number.isFinite(s.total)).toBe(true);
      expect(s.affinity).toBeGreaterThanOrEqual(0);
      expect(Math.abs(s.total - (s.supervised + 0.5 * s.affinity))).toBeLessThan(1e-4);
    }
    const mean = (xs: DropInLike[]) => xs.reduce((a, s) => a + s.supervised, 0) / xs.length;
    expect(mean(steps.slice(-3))).toBeLessThan(mean(steps.slice(0, 3)));
    expect(accuracy).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^backend: cpu/);
    expect(lines.filter((l) => l.startsWith('step'))).toHaveLength(12);
    expect(lines.slice(-4)[0]).toMatch(/^on 8 fresh images \(\d+\.\d% of the pixels background\):$/);
    expect(lines.at(-1)).toMatch(/^baseline: background everywhere +\d+\.\d%/);
  });

  it('with its defaults (150 steps, wasm) the student segments the rectangles; predicting background everywhere does not', async () => {
    const { evaluation } = await runDropIn({ log: () => {} });
    expect(evaluation.images).toBe(64);
    // The baseline's accuracy is the background fraction: high, with Dice 0 on the rectangles.
    expect(evaluation.allBackground.accuracy).toBeCloseTo(evaluation.backgroundFraction, 10);
    expect(evaluation.allBackground.foregroundDice).toBe(0);
    expect(evaluation.backgroundFraction).toBeGreaterThan(0.75);
    expect(evaluation.student.foregroundDice).toBeGreaterThan(0.95);
    expect(evaluation.student.accuracy).toBeGreaterThan(evaluation.backgroundFraction + 0.1);
  });
});

describe('segmentationScores', () => {
  it('gives pixel accuracy and the Dice of each class', () => {
    // labels 0 0 1 1, prediction 0 1 1 1: accuracy 3/4; background Dice 2*1/(1+2); rectangles 2*2/(3+2)
    const s = segmentationScores([0, 1, 1, 1], [0, 0, 1, 1]);
    expect(s.accuracy).toBe(0.75);
    expect(s.backgroundDice).toBeCloseTo(2 / 3, 12);
    expect(s.foregroundDice).toBeCloseTo(4 / 5, 12);
    expect(segmentationScores([0, 0], [0, 0]).foregroundDice).toBe(1); // no rectangle in either
  });
});

type DropInLike = { supervised: number };
