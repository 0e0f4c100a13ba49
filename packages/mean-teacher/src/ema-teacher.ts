import * as tf from '@tensorflow/tfjs-core';
import { assertInRange, assertNonNegative, shapeString } from './assert';
import { emaDecay as emaDecayAt } from './ema-decay';

/**
 * What {@link EmaTeacher} needs from a model: its variables in a stable order. `@agcl/unet`'s
 * `UNet` satisfies it, as does any wrapper that lists its `tf.Variable`s.
 */
export interface EmaModel {
  /** Weights updated by the optimiser, in a stable order. */
  trainableVariables(): tf.Variable[];
  /** Buffers such as batch-norm running mean and variance, in a stable order (optional). */
  nonTrainableVariables?(): tf.Variable[];
}

/** Options of {@link EmaTeacher}. */
export interface EmaTeacherOptions {
  /** The model trained by gradient descent. */
  student: EmaModel;
  /** The model whose variables are overwritten with the moving average (same architecture). */
  teacher: EmaModel;
  /** Upper bound `maxDecay` of the EMA decay `alpha_t = min(1 - 1/(t+1), maxDecay)`. Default 0.99. */
  emaDecay?: number;
  /**
   * Whether non-trainable variables (batch-norm running statistics) are averaged too. Default
   * `true` (this project's choice, docs/method.md "Teacher"). `false` reproduces SSL4MIS, which averages
   * the weights only and leaves the teacher's buffers to its own forward passes in training mode.
   * Integer buffers (e.g. a batch counter) are copied, never averaged.
   */
  averageBuffers?: boolean;
}

/**
 * Mean teacher: after every optimiser step, moves the teacher's variables towards the student's
 * (Tarvainen & Valpola 2017, "Mean teachers are better role models"; SSL4MIS `update_ema_variables`).
 *
 * Formula, for each pair of variables matched by position:
 * `teacher <- alpha_t * teacher + (1 - alpha_t) * student`, `alpha_t = min(1 - 1/(t+1), emaDecay)`.
 * Variables are updated in place (`tf.Variable.assign` inside `tf.tidy`); nothing is allocated
 * that outlives `update`. Shapes and counts are checked; a mismatch is an error naming the pair.
 *
 * @example
 * ```ts
 * const teacher = student.clone();
 * const ema = new EmaTeacher({ student, teacher, emaDecay: 0.99 });
 * // after each optimiser step t = 0, 1, 2, ...
 * ema.update(t);
 * ```
 */
export class EmaTeacher {
  /** The student model. */
  readonly student: EmaModel;
  /** The teacher model (its variables are overwritten by {@link EmaTeacher.update}). */
  readonly teacher: EmaModel;
  /** Upper bound of the decay. */
  readonly emaDecay: number;
  /** Whether non-trainable variables are averaged (see {@link EmaTeacherOptions.averageBuffers}). */
  readonly averageBuffers: boolean;

  constructor(options: EmaTeacherOptions) {
    if (options == null || typeof options !== 'object') {
      throw new Error("EmaTeacher: argument 'options' must be an object { student, teacher, emaDecay?, averageBuffers? }.");
    }
    const { student, teacher, emaDecay = 0.99, averageBuffers = true } = options;
    for (const [name, model] of [['student', student], ['teacher', teacher]] as const) {
      if (model == null || typeof model.trainableVariables !== 'function') {
        throw new Error(`EmaTeacher: option '${name}' must expose trainableVariables(): tf.Variable[].`);
      }
    }
    if (student === teacher) throw new Error("EmaTeacher: options 'student' and 'teacher' must be different models.");
    assertInRange('EmaTeacher', 'emaDecay', emaDecay, 0, 1);
    if (typeof averageBuffers !== 'boolean') {
      throw new Error(`EmaTeacher: option 'averageBuffers' must be a boolean; got ${String(averageBuffers)}.`);
    }
    this.student = student;
    this.teacher = teacher;
    this.emaDecay = emaDecay;
    this.averageBuffers = averageBuffers;
    this.pairs(); // validate once up front
  }

  /** The decay `alpha_t` that {@link EmaTeacher.update} uses at `step`. */
  decayAt(step: number): number {
    return emaDecayAt(step, this.emaDecay);
  }

  /**
   * Applies one EMA update for the step just taken (count from 0: the first call copies the student).
   *
   * @param step the optimiser step just taken, >= 0.
   * @returns the decay `alpha_t` used.
   */
  update(step: number): number {
    assertNonNegative('EmaTeacher.update', 'step', step);
    const alpha = this.decayAt(step);
    const { weights, buffers } = this.pairs();
    tf.tidy(() => {
      const a = tf.scalar(alpha);
      const b = tf.scalar(1 - alpha);
      const average = (t: tf.Variable, s: tf.Variable): void => {
        if (t.dtype !== 'float32') {
          t.assign(s);
        } else {
          t.assign(tf.add(tf.mul(t, a), tf.mul(s, b)));
        }
      };
      for (const [t, s] of weights) average(t, s);
      if (this.averageBuffers) for (const [t, s] of buffers) average(t, s);
    });
    return alpha;
  }

  /** Copies every student variable (weights and buffers) into the teacher, as `update(0)` does. */
  copyStudent(): void {
    const { weights, buffers } = this.pairs();
    tf.tidy(() => {
      for (const [t, s] of [...weights, ...buffers]) t.assign(s);
    });
  }

  private pairs(): { weights: Array<[tf.Variable, tf.Variable]>; buffers: Array<[tf.Variable, tf.Variable]> } {
    const weights = matchVariables('trainableVariables', this.teacher.trainableVariables(), this.student.trainableVariables());
    const tb = this.teacher.nonTrainableVariables?.() ?? [];
    const sb = this.student.nonTrainableVariables?.() ?? [];
    const buffers = this.averageBuffers ? matchVariables('nonTrainableVariables', tb, sb) : [];
    return { weights, buffers };
  }
}

function matchVariables(kind: string, teacher: tf.Variable[], student: tf.Variable[]): Array<[tf.Variable, tf.Variable]> {
  if (!Array.isArray(teacher) || !Array.isArray(student)) {
    throw new Error(`EmaTeacher: ${kind}() must return arrays of tf.Variable.`);
  }
  if (teacher.length !== student.length) {
    throw new Error(
      `EmaTeacher: teacher has ${teacher.length} ${kind} but student has ${student.length}; the models must have the same architecture.`,
    );
  }
  return teacher.map((t, i) => {
    const s = student[i];
    if (!(t instanceof tf.Variable) || !(s instanceof tf.Variable)) {
      throw new Error(`EmaTeacher: ${kind}()[${i}] is not a tf.Variable in the ${t instanceof tf.Variable ? 'student' : 'teacher'}.`);
    }
    if (t === s) {
      throw new Error(`EmaTeacher: ${kind}()[${i}] ('${t.name}') is the same variable in teacher and student; clone the model for the teacher.`);
    }
    if (!tf.util.arraysEqual(t.shape, s.shape) || t.dtype !== s.dtype) {
      throw new Error(
        `EmaTeacher: ${kind}()[${i}] mismatch: teacher '${t.name}' ${shapeString(t.shape)} ${t.dtype} vs student '${s.name}' ${shapeString(s.shape)} ${s.dtype}.`,
      );
    }
    return [t, s] as [tf.Variable, tf.Variable];
  });
}
