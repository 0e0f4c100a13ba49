import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { createOptimizer } from '@agcl/mean-teacher';
import { SemiAgcl } from '@agcl/semi-agcl';
import { METHODS, resolveConfig, usesTeacher } from './config';
import { drawBatch } from './make-batch';
import { semiAgclOptionsOf } from './semi-options';
import { buildStudent } from './train';
import { loadTrainingData } from './training-data';
import { tinyConfig } from './test-utils/helpers';

describe('no tensor leaks', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each(METHODS.map((m) => [m]))('%s: tf.memory().numTensors is flat over 100 training steps', async (method) => {
    const config = resolveConfig(
      tinyConfig({ method, size: 8, channels: [2, 4], embeddingDim: 4, batch: 2, steps: 100, syntheticCases: 4, syntheticValCases: 1 }),
    );
    const data = await loadTrainingData(config);
    const student = buildStudent(config, data.channels, data.numClasses);
    const teacher = usesTeacher(method) ? student.clone() : null;
    const opt = createOptimizer({ name: 'sgd', learningRate: 0.01 });
    const semi = new SemiAgcl({ student, teacher, optimizer: opt, numClasses: 4, options: semiAgclOptionsOf(config), learningRate: (s) => 0.01 * (1 - s / 100) });
    const counts: number[] = [];
    let patches = 0;
    for (let step = 0; step < 100; step++) {
      const l = drawBatch(data.labeled, { batch: 2, step, seed: 1, stream: 'labeled', augment: true });
      const u = teacher ? drawBatch(data.unlabeled, { batch: 2, step, seed: 1, stream: 'unlabeled', augment: true }) : null;
      const r = await semi.step({ xl: l.x, yl: l.y, xu: u?.x ?? null }, step);
      patches += r.patches;
      tf.dispose([l.x, l.y, ...(u ? [u.x, u.y] : [])]);
      counts.push(tf.memory().numTensors);
    }
    // after the optimiser has created its slots (first step), the count never changes
    expect(new Set(counts.slice(1)).size).toBe(1);
    if (method.startsWith('semi-agcl')) expect(patches).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    student.dispose();
    teacher?.dispose();
    opt.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});
