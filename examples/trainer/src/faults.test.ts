import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { UNet } from '@agcl/unet';
import { CHECKPOINT_PHASES, checkpointTestHooks, readCheckpointState, recoverCheckpoint, saveCheckpoint, type CheckpointPhase, type CheckpointState } from './checkpoint';
import { readJsonl, runPaths } from './run-folder';
import { main } from './run-cli';
import type { StepRecord, ValRecord } from './train';
import { captureStream, tempDir } from './test-utils/helpers';

// Faults: the training process killed (SIGKILL) at random points and inside checkpoint writes, a full
// disk, and (non-finite.test.ts) a NaN loss. After each, the run resumes and loses at most one
// checkpoint interval, and the run resumed to the end equals an uninterrupted one bit for bit.

const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cli.ts');
const STEPS = 40;
/** Mean teacher (student, teacher and Adam state to restore), 16x16, a checkpoint after every step. */
const FLAGS = ['--backend', 'wasm', '--method', 'mean-teacher', '--optimizer', 'adam', '--size', '16', '--channels', '4,8', '--batch', '2',
  '--synthetic-cases', '4', '--synthetic-slices-per-case', '2', '--synthetic-val-cases', '1', '--labeled-patients', '2',
  '--steps', String(STEPS), '--val-every', '1', '--log-every', '1', '--no-report'];

/** A seeded stream of numbers in [0, 1) (mulberry32), so that a failing sequence of kills can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Killed {
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How a child is stopped: SIGKILL inside a checkpoint write (`<kind>:<phase>`), or `delay` ms after step `afterStep` is logged. */
type KillPlan = { at: string } | { afterStep: number; delay: number } | null;

/** Runs `agcl train` from source in a child process and SIGKILLs it as `plan` says. */
function runCli(args: string[], plan: KillPlan): Promise<Killed> {
  const env = { ...process.env, ...(plan && 'at' in plan ? { AGCL_TEST_CHECKPOINT_PAUSE: plan.at } : {}) };
  const child = spawn(process.execPath, ['--conditions=@agcl/source', '--import', 'tsx', cliPath, 'train', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  let armed = false;
  const check = () => {
    if (!plan || armed) return;
    if ('at' in plan ? out.stderr.includes(`agcl-test: checkpoint ${plan.at}`) : lastStep(out.stdout) >= plan.afterStep) {
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), 'at' in plan ? 0 : plan.delay);
    }
  };
  child.stdout.on('data', (d) => ((out.stdout += String(d)), check()));
  child.stderr.on('data', (d) => ((out.stderr += String(d)), check()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, ...out }));
  });
}

const lastStep = (stdout: string) => Math.max(0, ...[...stdout.matchAll(/^step (\d+)\//gm)].map((m) => Number(m[1])));
const bytes = (run: string, file: string) => readFileSync(path.join(run, 'checkpoints', file));

describe('faults: SIGKILL during training and during checkpoint writes', () => {
  const base = tempDir('agcl-faults-');
  const reference = path.join(base, 'reference');
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    // the uninterrupted run, in this process
    expect(await main(['train', ...FLAGS, '--out', reference], { stdout: captureStream(), stderr: captureStream() })).toBe(0);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  const seed = Number(process.env.AGCL_FAULT_SEED ?? 21);
  it(`10 kills (seed ${seed}): every resume succeeds, loses at most one checkpoint interval, and the end equals the uninterrupted run`, async () => {
    const random = seeded(seed);
    const run = path.join(base, 'killed');
    // inside writes: between the two renames, before state.json (a half-written folder), before the old one is
    // removed, and before one of the parts; in a seeded order, each after a kill at a random point
    const writes = CHECKPOINT_PHASES.filter((p) => ['student', 'teacher', 'optimizer'].includes(p));
    const phases = ['swap', 'state', 'cleanup', writes[Math.floor(random() * writes.length)]].sort(() => random() - 0.5);
    // the first two land in the very first checkpoint writes (no checkpoint yet; the first `last` not yet renamed in)
    const plans: KillPlan[] = [{ at: 'best:student' }, { at: 'last:swap' }];
    for (const phase of phases) plans.push({ afterStep: 0, delay: Math.floor(random() * 50) }, { at: `last:${phase}` });
    let resumedAt = 0;
    let seen = 0;
    const log: string[] = [];
    for (const [k, plan] of [...plans, null].entries()) {
      if (plan && 'afterStep' in plan) plan.afterStep = resumedAt + 1 + Math.floor(random() * 3);
      const r = await runCli(k === 0 ? [...FLAGS, '--out', run] : ['--resume', run, '--backend', 'wasm'], plan);
      if (k > 0) {
        const m = /resuming .* at step (\d+) of/.exec(r.stdout);
        const at = m ? Number(m[1]) : r.stdout.includes('starting again from step 0') ? 0 : Number.NaN;
        expect(at, `resume ${k} printed no step:\n${r.stdout}\n${r.stderr}`).not.toBeNaN();
        // at most one checkpoint interval (--val-every 1: one step) behind the last step logged
        expect(seen - at, `kill ${k - 1} at ${JSON.stringify(plans[k - 1])}: last step logged ${seen}, resumed at ${at}`).toBeLessThanOrEqual(1);
        resumedAt = at;
      }
      seen = Math.max(resumedAt, lastStep(r.stdout));
      log.push(`${JSON.stringify(plan)} -> ${r.signal ?? r.code} after step ${seen}`);
      if (plan) expect(r.signal, `${log.join('\n')}\n${r.stdout}\n${r.stderr}`).toBe('SIGKILL');
      else expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    }
    expect(log).toHaveLength(11);
    // the end: every step logged once, the same losses, validations and checkpoints as the uninterrupted run
    const got = readJsonl<StepRecord>(runPaths(run).metrics);
    const want = readJsonl<StepRecord>(runPaths(reference).metrics);
    expect(got.map((r) => r.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(got.map((r) => [r.loss, r.terms])).toEqual(want.map((r) => [r.loss, r.terms]));
    expect(readJsonl<ValRecord>(runPaths(run).val).map((v) => [v.step, v.meanDice])).toEqual(readJsonl<ValRecord>(runPaths(reference).val).map((v) => [v.step, v.meanDice]));
    for (const file of ['last/student/weights.bin', 'last/teacher/weights.bin', 'last/optimizer.bin', 'best/student/weights.bin']) {
      expect(bytes(run, file).equals(bytes(reference, file)), file).toBe(true);
    }
    expect(readCheckpointState(runPaths(run).best).step).toBe(readCheckpointState(runPaths(reference).best).step);
    expect(readdirSync(runPaths(run).checkpoints).sort()).toEqual(['best', 'last']);
  });
});

/** A small network and a checkpoint state at `step`, for the writer's own tests. */
function parts(step: number) {
  const net = new UNet({ inChannels: 1, numClasses: 2, channels: [2, 4], dropout: [0, 0], projection: false, seed: step });
  const state = { step, config: {}, best: null, rng: { seed: 1, nextStep: step, scheme: 'derived-from-step' }, savedAt: '', kind: 'last' } as unknown as CheckpointState;
  return { student: net, teacher: net, optimizerState: { 0: tf.fill([3], step) }, state };
}

/** An fs error such as the system gives for a full disk (a write has no path). */
const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });

describe('faults: checkpoint writes that fail or are cut short', () => {
  afterEach(() => {
    checkpointTestHooks.beforePhase = null;
  });
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each(['student', 'teacher', 'optimizer', 'state', 'swap'] as const)('a full disk at %s: an error naming the file, the previous checkpoint intact, nothing left beside it', async (phase) => {
    const dir = path.join(tempDir(), 'checkpoints', 'last');
    const first = parts(1);
    await saveCheckpoint(dir, first);
    const before = ['student/weights.bin', 'teacher/weights.bin', 'optimizer.bin', 'state.json'].map((f) => readFileSync(path.join(dir, f)));
    checkpointTestHooks.beforePhase = (p) => {
      if (p === phase) throw enospc();
    };
    const file = { student: 'student', teacher: 'teacher', optimizer: 'optimizer.bin', state: 'state.json', swap: '' }[phase];
    await expect(saveCheckpoint(dir, parts(2))).rejects.toThrow(
      `cannot write checkpoint ${dir} (step 2): no space left on device (ENOSPC) writing ${path.join(dir, file)}; the previous checkpoint ${dir} (step 1) is left intact`,
    );
    const after = ['student/weights.bin', 'teacher/weights.bin', 'optimizer.bin', 'state.json'].map((f) => readFileSync(path.join(dir, f)));
    expect(after.every((b, i) => b.equals(before[i]))).toBe(true);
    expect(readdirSync(path.dirname(dir))).toEqual(['last']);
    checkpointTestHooks.beforePhase = null;
    await saveCheckpoint(dir, parts(2));
    expect(readCheckpointState(dir).step).toBe(2);
  });

  it('recoverCheckpoint puts back what a kill between the two renames left, and removes half-written folders', async () => {
    const parent = path.join(tempDir(), 'checkpoints');
    const dir = path.join(parent, 'last');
    await saveCheckpoint(dir, parts(1));
    // killed at 'swap': the old checkpoint set aside, the new one complete but not renamed in
    await saveCheckpoint(path.join(parent, 'new'), parts(2));
    renameSync(dir, path.join(parent, '.last.old-1-1'));
    renameSync(path.join(parent, 'new'), path.join(parent, '.last.tmp-1-1'));
    expect(recoverCheckpoint(dir)).toEqual({ step: 2, recovered: path.join(parent, '.last.tmp-1-1') });
    expect(readdirSync(parent)).toEqual(['last']);
    // killed while writing: an incomplete temporary folder (no state.json) beside a good checkpoint
    mkdirSync(path.join(parent, '.last.tmp-2-2', 'student'), { recursive: true });
    expect(recoverCheckpoint(dir)).toEqual({ step: 2, recovered: null });
    expect(readdirSync(parent)).toEqual(['last']);
    // the old one set aside and nothing new complete: the old one comes back
    renameSync(dir, path.join(parent, '.last.old-3-3'));
    mkdirSync(path.join(parent, '.last.tmp-3-3'));
    expect(recoverCheckpoint(dir).step).toBe(2);
    expect(readdirSync(parent)).toEqual(['last']);
    expect(recoverCheckpoint(path.join(parent, 'best'))).toEqual({ step: null, recovered: null });
  });

  const TINY = ['--backend', 'wasm', '--method', 'mean-teacher', '--size', '16', '--channels', '4,8', '--batch', '2', '--synthetic-cases', '4',
    '--synthetic-slices-per-case', '2', '--synthetic-val-cases', '1', '--labeled-patients', '2', '--steps', '6', '--val-every', '2', '--no-report'];

  /** Trains TINY into `out`, calling `onSecondLast` before the student of the second `last` checkpoint (step 4) is written. */
  async function trainFailingAt4(out: string, phase: CheckpointPhase, onSecondLast: () => void) {
    let lastWrites = 0;
    checkpointTestHooks.beforePhase = (p, dir) => {
      if (path.basename(dir) === 'last' && p === 'student') lastWrites++;
      if (path.basename(dir) === 'last' && p === phase && lastWrites === 2) onSecondLast();
    };
    const stderr = captureStream();
    const code = await main(['train', ...TINY, '--out', out], { stdout: captureStream(), stderr });
    checkpointTestHooks.beforePhase = null;
    return { code, err: stderr.text() };
  }

  it('agcl train on a full disk: exit 1, one message naming the file, the last good checkpoint intact; the run resumes once there is room', async () => {
    const out = path.join(tempDir(), 'full');
    const last = runPaths(out).last;
    let before: Buffer | null = null;
    const r = await trainFailingAt4(out, 'optimizer', () => {
      before = readFileSync(path.join(last, 'student', 'weights.bin'));
      throw enospc();
    });
    expect(r.code).toBe(1);
    expect(r.err.split('\n')[0]).toBe(`agcl: cannot write checkpoint ${last} (step 4): no space left on device (ENOSPC) writing ${path.join(last, 'optimizer.bin')}; the previous checkpoint ${last} (step 2) is left intact`);
    expect(readCheckpointState(last).step).toBe(2);
    expect(readFileSync(path.join(last, 'student', 'weights.bin')).equals(before!)).toBe(true);
    expect(readdirSync(runPaths(out).checkpoints).sort()).toEqual(['best', 'last']);
    const resumed = captureStream();
    expect(await main(['train', '--resume', out], { stdout: resumed, stderr: captureStream() })).toBe(0);
    expect(resumed.text()).toContain(`resuming ${out} at step 2 of 6`);
  });

  // A real full disk: a 4 MiB tmpfs (needs root and mount; skipped elsewhere), filled up just before the second checkpoint.
  it('agcl train on a full tmpfs: the kernel ENOSPC is reported naming the file; the last good checkpoint loads', async (ctx) => {
    const mountable = tempDir('agcl-tmpfs-');
    try {
      if (process.getuid?.() !== 0 || process.platform !== 'linux') throw new Error('not root on Linux');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountable], { stdio: 'ignore' });
    } catch {
      rmSync(mountable, { recursive: true, force: true });
      ctx.skip('no tmpfs: mounting needs root and mount permission');
      return;
    }
    try {
      await fullTmpfs(mountable);
    } finally {
      execFileSync('umount', [mountable]);
      rmSync(mountable, { recursive: true, force: true });
    }
  });

  async function fullTmpfs(mountable: string) {
    const out = path.join(mountable, 'run');
    const filler = path.join(mountable, 'filler');
    const r = await trainFailingAt4(out, 'student', () => {
      try {
        for (;;) writeFileSync(filler, Buffer.alloc(64 * 1024), { flag: 'a' });
      } catch {
        // full
      }
    });
    const last = runPaths(out).last;
    expect(r.code).toBe(1);
    expect(r.err).toContain(`agcl: cannot write checkpoint ${last} (step 4): no space left on device (ENOSPC) writing ${path.join(last, 'student')}`);
    expect(r.err).toContain(`the previous checkpoint ${last} (step 2) is left intact`);
    expect(readdirSync(runPaths(out).checkpoints).sort()).toEqual(['best', 'last']);
    const net = await UNet.load(path.join(last, 'student'));
    net.dispose();
    rmSync(filler);
    expect(await main(['train', '--resume', out], { stdout: captureStream(), stderr: captureStream() })).toBe(0);
    expect(existsSync(path.join(out, 'summary.json'))).toBe(true);
  }
});
