import { initBackend } from '@agcl/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { EmaTeacher, type EmaModel } from './ema-teacher';
import { expectClose } from './test-utils/reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** A minimal model wrapper: one weight matrix, one bias, one BN-like running mean buffer. */
function makeModel(w: number[], b: number[], runningMean: number[]): EmaModel & { all: tf.Variable[] } {
  const vw = tf.variable(tf.tensor2d(w, [2, 2]), true);
  const vb = tf.variable(tf.tensor1d(b), true);
  const vm = tf.variable(tf.tensor1d(runningMean), false);
  return { trainableVariables: () => [vw, vb], nonTrainableVariables: () => [vm], all: [vw, vb, vm] };
}

/** Hand-computed teacher after steps 0, 1, 2 with alpha_t = min(1 - 1/(t+1), max) (float64). */
function handEma(teacher0: number[], studentPerStep: number[][], maxDecay: number): number[] {
  let t = teacher0.slice();
  studentPerStep.forEach((s, step) => {
    const alpha = Math.min(1 - 1 / (step + 1), maxDecay);
    t = t.map((v, i) => alpha * v + (1 - alpha) * s[i]);
  });
  return t;
}

describe('EmaTeacher', () => {
  const studentW = [
    [1, 2, 3, 4],
    [2, 0, -1, 5],
    [-3, 1, 1, 0.5],
  ];
  const studentB = [
    [0.5, -0.5],
    [1, 1],
    [0.25, 2],
  ];
  const studentM = [
    [0.1, 0.2],
    [0.3, -0.2],
    [1.5, 0.7],
  ];

  for (const averageBuffers of [true, false]) {
    for (const maxDecay of [0.99, 0.6]) {
      it(`matches a hand-computed 3-step update with warm-up (averageBuffers=${averageBuffers}, maxDecay=${maxDecay})`, () => {
        const student = makeModel(studentW[0], studentB[0], studentM[0]);
        const teacher = makeModel([9, 9, 9, 9], [-4, 4], [7, -7]);
        const ema = new EmaTeacher({ student, teacher, emaDecay: maxDecay, averageBuffers });
        const alphas: number[] = [];
        for (let step = 0; step < 3; step++) {
          // the student changes between steps, as after an optimiser update
          const [vw, vb, vm] = student.all;
          vw.assign(tf.tensor2d(studentW[step], [2, 2]));
          vb.assign(tf.tensor1d(studentB[step]));
          vm.assign(tf.tensor1d(studentM[step]));
          alphas.push(ema.update(step));
        }
        expectClose(alphas, [0, 0.5, Math.min(2 / 3, maxDecay)], 1e-15);
        const [tw, tb, tm] = teacher.all;
        expectClose(tw.dataSync(), handEma([9, 9, 9, 9], studentW, maxDecay), 1e-6);
        expectClose(tb.dataSync(), handEma([-4, 4], studentB, maxDecay), 1e-6);
        // buffers: averaged the same way, or left untouched (SSL4MIS behaviour)
        const expectedM = averageBuffers ? handEma([7, -7], studentM, maxDecay) : [7, -7];
        expectClose(tm.dataSync(), expectedM, 1e-6);
        // student untouched by the update
        expectClose(student.all[0].dataSync(), studentW[2], 0);
        tf.dispose([...student.all, ...teacher.all]);
      });
    }
  }

  it('defaults to emaDecay 0.99 and averageBuffers true', () => {
    const student = makeModel([1, 1, 1, 1], [0, 0], [1, 1]);
    const teacher = makeModel([0, 0, 0, 0], [0, 0], [0, 0]);
    const ema = new EmaTeacher({ student, teacher });
    expect(ema.emaDecay).toBe(0.99);
    expect(ema.averageBuffers).toBe(true);
    expect(ema.decayAt(10_000)).toBe(0.99);
    ema.update(10_000); // teacher = 0.99 * 0 + 0.01 * 1
    expectClose(teacher.all[0].dataSync(), [0.01, 0.01, 0.01, 0.01], 1e-7);
    expectClose(teacher.all[2].dataSync(), [0.01, 0.01], 1e-7);
    tf.dispose([...student.all, ...teacher.all]);
  });

  it('copies integer buffers instead of averaging them', () => {
    const sCount = tf.variable(tf.scalar(5, 'int32'), false);
    const tCount = tf.variable(tf.scalar(0, 'int32'), false);
    const sw = tf.variable(tf.scalar(2), true);
    const tw = tf.variable(tf.scalar(0), true);
    const ema = new EmaTeacher({
      student: { trainableVariables: () => [sw], nonTrainableVariables: () => [sCount] },
      teacher: { trainableVariables: () => [tw], nonTrainableVariables: () => [tCount] },
    });
    ema.update(1);
    expect(tCount.dataSync()[0]).toBe(5);
    expect(tw.dataSync()[0]).toBeCloseTo(1, 6);
    tf.dispose([sCount, tCount, sw, tw]);
  });

  it('does not leak tensors', () => {
    const student = makeModel([1, 2, 3, 4], [0, 1], [1, 2]);
    const teacher = makeModel([0, 0, 0, 0], [0, 0], [0, 0]);
    const ema = new EmaTeacher({ student, teacher });
    ema.update(0);
    const before = tf.memory().numTensors;
    for (let s = 1; s < 20; s++) ema.update(s);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...student.all, ...teacher.all]);
  });

  it('rejects mismatched models with an error naming the pair', () => {
    const a = makeModel([1, 2, 3, 4], [0, 1], [1, 2]);
    const odd = tf.variable(tf.zeros([3]), true);
    const b = { trainableVariables: () => [a.all[0], odd] };
    const c = makeModel([0, 0, 0, 0], [0, 0], [0, 0]);
    expect(() => new EmaTeacher({ student: a, teacher: { trainableVariables: () => [c.all[0], odd] } })).toThrow(
      /EmaTeacher: trainableVariables\(\)\[1\] mismatch: teacher .* \[3\] float32 vs student .* \[2\] float32/,
    );
    expect(() => new EmaTeacher({ student: a, teacher: { trainableVariables: () => [c.all[0]] } })).toThrow(
      /teacher has 1 trainableVariables but student has 2/,
    );
    expect(() => new EmaTeacher({ student: a, teacher: b })).toThrow(/is the same variable in teacher and student/);
    expect(() => new EmaTeacher({ student: a, teacher: a })).toThrow(/must be different models/);
    expect(() => new EmaTeacher({ student: a, teacher: c, emaDecay: 2 })).toThrow(/EmaTeacher: argument 'emaDecay' must be in \[0, 1\]/);
    // buffer count mismatch only matters when buffers are averaged
    const noBuffers = { trainableVariables: () => c.all.slice(0, 2) };
    expect(() => new EmaTeacher({ student: a, teacher: noBuffers })).toThrow(/nonTrainableVariables/);
    expect(() => new EmaTeacher({ student: a, teacher: noBuffers, averageBuffers: false })).not.toThrow();
    expect(() => new EmaTeacher({ student: a, teacher: c }).update(-1)).toThrow(/EmaTeacher.update: argument 'step'/);
    tf.dispose([...a.all, ...c.all, odd]);
  });
});
