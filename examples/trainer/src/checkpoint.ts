import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { UNet } from '@agcl/unet';
import type { TrainConfig } from './config';
import { describeFsError, readJson, writeJsonAtomic } from './run-folder';

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
  /** Optimiser state keyed by position in the student's trainable variables (`OptimizerHandle.getState(variables)`); empty for `best`. */
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

/** The parts of a checkpoint write, in order: what {@link checkpointTestHooks} sees. */
export const CHECKPOINT_PHASES = ['student', 'teacher', 'optimizer', 'state', 'swap', 'cleanup'] as const;
/** One of {@link CHECKPOINT_PHASES}: 'swap' is between moving the old checkpoint aside and renaming the new one in. */
export type CheckpointPhase = (typeof CHECKPOINT_PHASES)[number];

/**
 * Test hooks of {@link saveCheckpoint} (the fault tests): `beforePhase` runs before each phase with the
 * checkpoint folder; it may throw (an injected write error such as ENOSPC) or block (so that a test can
 * kill the process in the middle of a write). In a child process, the environment variable
 * `AGCL_TEST_CHECKPOINT_PAUSE=<last|best>:<phase>` installs one that writes
 * `agcl-test: checkpoint <kind>:<phase>` to stderr and blocks for 20 s there.
 */
export const checkpointTestHooks: { beforePhase: ((phase: CheckpointPhase, dir: string) => void) | null } = { beforePhase: pauseHookFromEnv() };

function pauseHookFromEnv(): ((phase: CheckpointPhase, dir: string) => void) | null {
  const at = process.env.AGCL_TEST_CHECKPOINT_PAUSE;
  if (!at) return null;
  return (phase, dir) => {
    const where = `${path.basename(dir)}:${phase}`;
    if (where !== at) return;
    writeSync(2, `agcl-test: checkpoint ${where}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20_000);
  };
}

async function encodeNamedTensors(tensors: NamedTensor[]): Promise<{ bin: Buffer; json: string }> {
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
  return { bin: Buffer.concat(parts), json: `${JSON.stringify({ format: 'agcl-named-tensors', version: 1, specs }, null, 2)}\n` };
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

/** The temporary and set-aside siblings of a checkpoint folder that {@link saveCheckpoint} makes. */
function siblings(dir: string): { tmp: string[]; old: string[] } {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  const names = existsSync(parent) ? readdirSync(parent) : [];
  return {
    tmp: names.filter((n) => n.startsWith(`.${base}.tmp-`)).map((n) => path.join(parent, n)),
    old: names.filter((n) => n.startsWith(`.${base}.old-`)).map((n) => path.join(parent, n)),
  };
}

/** A complete checkpoint folder: `state.json` (written last) is there; its step, else null. */
function completeStep(dir: string): number | null {
  try {
    return readCheckpointState(dir).step;
  } catch {
    return null;
  }
}

/** An error while writing a checkpoint: names the checkpoint, the file and what the previous checkpoint is. */
export class CheckpointWriteError extends Error {
  constructor(
    message: string,
    /** The file (or folder) being written, under the checkpoint's final path. */
    readonly file: string,
    /** The underlying error's code (ENOSPC, EACCES, ...), when it has one. */
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'CheckpointWriteError';
  }
}

/**
 * Writes a checkpoint atomically: everything goes to a temporary sibling folder (`state.json` last),
 * then the old checkpoint is renamed aside, the new one renamed into place and the old one removed.
 * A process killed at any point leaves either `dir` complete or a complete sibling that
 * {@link recoverCheckpoint} puts back. A write error (a full disk) removes the temporary folder, leaves
 * `dir` as it was and throws a {@link CheckpointWriteError} naming the file.
 *
 * Contents: `student/` and `teacher/` (U-Net weights, `UNet.save`), `optimizer.json` +
 * `optimizer.bin` (the optimiser's state: iterations and slots such as momenta; only when
 * `optimizerState` is given), `state.json` ({@link CheckpointState}).
 */
export async function saveCheckpoint(
  dir: string,
  parts: { student: UNet; teacher: UNet | null; optimizerState: tf.NamedTensorMap | null; state: CheckpointState },
): Promise<void> {
  const parent = path.dirname(dir);
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = path.join(parent, `.${path.basename(dir)}.tmp-${stamp}`);
  const old = path.join(parent, `.${path.basename(dir)}.old-${stamp}`);
  let file = dir;
  const phase = (name: CheckpointPhase, target: string) => {
    file = target;
    checkpointTestHooks.beforePhase?.(name, dir);
  };
  let movedAside = false;
  try {
    mkdirSync(parent, { recursive: true });
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    phase('student', path.join(tmp, 'student'));
    await parts.student.save(path.join(tmp, 'student'));
    if (parts.teacher) {
      phase('teacher', path.join(tmp, 'teacher'));
      await parts.teacher.save(path.join(tmp, 'teacher'));
    }
    if (parts.optimizerState) {
      phase('optimizer', path.join(tmp, 'optimizer.bin'));
      const { bin, json } = await encodeNamedTensors(Object.entries(parts.optimizerState).map(([name, tensor]) => ({ name, tensor })));
      writeFileSync(file, bin);
      file = path.join(tmp, 'optimizer.json');
      writeFileSync(file, json);
    }
    phase('state', path.join(tmp, 'state.json'));
    writeJsonAtomic(file, parts.state);
    file = dir;
    if (existsSync(dir)) {
      renameSync(dir, old);
      movedAside = true;
    }
    phase('swap', dir);
    renameSync(tmp, dir);
    movedAside = false;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (movedAside && !existsSync(dir)) renameSync(old, dir);
    throw writeError(err, dir, tmp, file, parts.state.step);
  }
  phase('cleanup', old);
  rmSync(old, { recursive: true, force: true });
}

/** A {@link CheckpointWriteError} for `err`, with the file named under the checkpoint's own path. */
function writeError(err: unknown, dir: string, tmp: string, file: string, step: number): CheckpointWriteError {
  const code = (err as NodeJS.ErrnoException).code;
  // the file the system names (a U-Net's weights.bin.tmp-...) or the part being written
  const named = typeof (err as NodeJS.ErrnoException).path === 'string' && (err as NodeJS.ErrnoException).path!.startsWith(tmp) ? (err as NodeJS.ErrnoException).path! : file;
  const shown = named.startsWith(tmp) ? path.join(dir, path.relative(tmp, named).replace(/\.tmp-[^/\\]*$/, '')) : named;
  const previous = completeStep(dir);
  return new CheckpointWriteError(
    `cannot write checkpoint ${dir} (step ${step}): ${describeFsError(err)} writing ${shown}; ` +
      (previous !== null ? `the previous checkpoint ${dir} (step ${previous}) is left intact` : 'no earlier checkpoint of this kind exists'),
    shown,
    code,
  );
}

/**
 * Repairs what a process killed during {@link saveCheckpoint} left: when `dir` is missing or incomplete,
 * the most advanced complete sibling (the new checkpoint not yet renamed in, or the old one set aside)
 * becomes `dir`; the other siblings are removed. Returns the step of `dir` afterwards (null: no
 * checkpoint) and what was done. Only for a run folder no process is writing (`--resume`).
 */
export function recoverCheckpoint(dir: string): { step: number | null; recovered: string | null } {
  const { tmp, old } = siblings(dir);
  let recovered: string | null = null;
  if (completeStep(dir) === null) {
    const candidates = [...tmp, ...old]
      .map((d) => ({ d, step: completeStep(d) }))
      .filter((c): c is { d: string; step: number } => c.step !== null)
      .sort((a, b) => b.step - a.step);
    const pick = candidates[0];
    if (pick) {
      rmSync(dir, { recursive: true, force: true });
      renameSync(pick.d, dir);
      recovered = pick.d;
    }
  }
  for (const d of [...tmp, ...old]) if (d !== recovered) rmSync(d, { recursive: true, force: true });
  return { step: completeStep(dir), recovered };
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
