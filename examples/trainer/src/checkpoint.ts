import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { UNet } from '@agcl/unet';
import type { TrainConfig } from './config';
import { readJson, writeJsonAtomic } from './run-folder';

/** What `state.json` of a checkpoint holds besides the weights. */
export interface CheckpointState {
  /** Completed optimisation steps; training resumes at this step index. */
  step: number;
  /** The run's resolved configuration. */
  config: TrainConfig;
  /** Best validation mean Dice so far and its step (null before the first validation). */
  best: { dice: number; step: number } | null;
  /**
   * Random streams. Every stream (batch order, augmentation, dropout, teacher noise, patch sampling)
   * is derived from (seed, stream, step), so the seed and the next step are the whole state.
   */
  rng: { seed: number; nextStep: number; scheme: 'derived-from-step' };
  /** ISO time the checkpoint was written. */
  savedAt: string;
  /** Checkpoint kind. */
  kind: 'last' | 'best';
}

/** A loaded checkpoint: networks, optimiser values, state. Caller disposes the networks and `optimizerState`. */
export interface LoadedCheckpoint {
  student: UNet;
  teacher: UNet | null;
  /** Optimiser state keyed by position in the student's trainable variables (`OptimizerHandle.getState(variables)`). */
  optimizerState: tf.NamedTensorMap;
  state: CheckpointState;
}

/** A tensor with a name (as tfjs optimisers export their state). */
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

interface TensorSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

async function writeNamedTensors(dir: string, base: string, tensors: NamedTensor[]): Promise<void> {
  const specs: TensorSpec[] = [];
  const parts: Buffer[] = [];
  let offset = 0;
  for (const { name, tensor } of tensors) {
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const values = dtype === 'int32' ? Int32Array.from(await tensor.data()) : Float32Array.from(await tensor.data());
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    specs.push({ name, shape: tensor.shape, dtype, offset, length: values.length });
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  writeFileSync(path.join(dir, `${base}.bin`), Buffer.concat(parts));
  writeFileSync(path.join(dir, `${base}.json`), `${JSON.stringify({ format: 'agcl-named-tensors', version: 1, specs }, null, 2)}\n`);
}

function readNamedTensors(dir: string, base: string): NamedTensor[] {
  const { specs } = readJson<{ specs: TensorSpec[] }>(path.join(dir, `${base}.json`));
  const bin = readFileSync(path.join(dir, `${base}.bin`));
  const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return specs.map((s) => {
    const values = s.dtype === 'int32' ? new Int32Array(buffer, s.offset, s.length) : new Float32Array(buffer, s.offset, s.length);
    return { name: s.name, tensor: tf.tensor(values.slice(), s.shape, s.dtype) };
  });
}

/**
 * Writes a checkpoint atomically: everything goes to a temporary sibling folder, which then
 * replaces `dir` by rename, so an interrupted write never leaves a half checkpoint in `dir`.
 *
 * Contents: `student/` and `teacher/` (U-Net weights, `UNet.save`), `optimizer.json` +
 * `optimizer.bin` (the optimiser's state: iterations and slots such as momenta), `state.json`
 * ({@link CheckpointState}).
 */
export async function saveCheckpoint(
  dir: string,
  parts: { student: UNet; teacher: UNet | null; optimizerState: tf.NamedTensorMap | null; state: CheckpointState },
): Promise<void> {
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = path.join(parent, `.${path.basename(dir)}.tmp-${stamp}`);
  const old = path.join(parent, `.${path.basename(dir)}.old-${stamp}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await parts.student.save(path.join(tmp, 'student'));
    if (parts.teacher) await parts.teacher.save(path.join(tmp, 'teacher'));
    const named = Object.entries(parts.optimizerState ?? {}).map(([name, tensor]) => ({ name, tensor }));
    await writeNamedTensors(tmp, 'optimizer', named);
    writeJsonAtomic(path.join(tmp, 'state.json'), parts.state);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** Reads only `state.json` of a checkpoint folder. */
export function readCheckpointState(dir: string): CheckpointState {
  const file = path.join(dir, 'state.json');
  if (!existsSync(file)) throw new Error(`readCheckpointState: no checkpoint at ${dir} (missing state.json)`);
  return readJson<CheckpointState>(file);
}

/** Loads a checkpoint written by {@link saveCheckpoint}. */
export async function loadCheckpoint(dir: string, options: { teacher?: boolean } = {}): Promise<LoadedCheckpoint> {
  const state = readCheckpointState(dir);
  const student = await UNet.load(path.join(dir, 'student'));
  const teacherDir = path.join(dir, 'teacher');
  const teacher = options.teacher !== false && existsSync(teacherDir) ? await UNet.load(teacherDir) : null;
  const optimizerState: tf.NamedTensorMap = {};
  if (existsSync(path.join(dir, 'optimizer.json'))) {
    for (const { name, tensor } of readNamedTensors(dir, 'optimizer')) optimizerState[name] = tensor;
  }
  return { student, teacher, optimizerState, state };
}
