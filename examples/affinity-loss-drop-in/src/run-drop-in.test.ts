import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { runDropIn } from './run-drop-in';

describe('affinity-loss drop-in example', () => {
  it('trains at a tiny size: finite losses, lower supervised loss at the end, no leaked tensors', async () => {
    const lines: string[] = [];
    const first = await runDropIn({ steps: 12, batch: 4, size: 8, patchSize: 4, dim: 4, log: (l) => lines.push(l) });
    const before = tf.memory().numTensors;
    const { steps, accuracy } = await runDropIn({ steps: 12, batch: 4, size: 8, patchSize: 4, dim: 4, log: () => {} });
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
  });
});

type DropInLike = { supervised: number };
