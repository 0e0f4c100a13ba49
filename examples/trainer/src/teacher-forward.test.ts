import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { UNet, type UNetForwardOptions } from '@agcl/unet';
import { parseFlagValues, resolveConfig } from './config';
import { teacherForwardOptions } from '@agcl/semi-agcl';
import { train } from './train';
import { UsageError } from './usage-error';
import { captureStream, maxAbsDiff, runningStats, tempDir, tinyConfig } from './test-utils/helpers';

const tiny = () => new UNet({ inChannels: 1, numClasses: 3, channels: [4, 8], dropout: [0.5, 0.5], projection: false, seed: 7 });

/** Replaces every running mean / variance with arbitrary values (different per channel). */
function scrambleRunningStats(net: UNet): void {
  const w = net.getWeights();
  const next: tf.NamedTensorMap = {};
  for (const [name, t] of Object.entries(w)) {
    if (name.endsWith('/movingMean')) next[name] = tf.fill(t.shape, 3.5);
    else if (name.endsWith('/movingVariance')) next[name] = tf.fill(t.shape, 40);
    else next[name] = t;
  }
  net.setWeights(next);
  tf.dispose(Object.values(w));
  tf.dispose(Object.entries(next).filter(([n]) => n.endsWith('/movingMean') || n.endsWith('/movingVariance')).map(([, t]) => t));
}

function logits(net: UNet, x: tf.Tensor4D, options: UNetForwardOptions): Float32Array {
  return tf.tidy(() => net.forward(x, options).logits).dataSync() as Float32Array;
}

describe('--teacher-forward', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("defaults to 'train' (SSL4MIS) and accepts 'batch' and 'eval'; rejects other values", () => {
    expect(resolveConfig().teacherForward).toBe('train');
    expect(parseFlagValues({ teacherForward: 'batch' })).toEqual({ teacherForward: 'batch' });
    expect(parseFlagValues({ teacherForward: 'eval' })).toEqual({ teacherForward: 'eval' });
    expect(() => parseFlagValues({ teacherForward: 'inference' })).toThrow(UsageError);
    expect(() => parseFlagValues({ teacherForward: 'inference' })).toThrow('teacherForward must be one of train, batch, eval');
  });

  it("'batch' and 'train' ignore the running statistics and leave them unchanged; 'eval' uses them", () => {
    const net = tiny();
    const x = tf.randomNormal([4, 16, 16, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const stats = runningStats(net);
    const before = {
      batch: logits(net, x, teacherForwardOptions('batch', 1)),
      train: logits(net, x, teacherForwardOptions('train', 1)),
      eval: logits(net, x, teacherForwardOptions('eval', 1)),
    };
    expect(runningStats(net)).toEqual(stats); // momentum 0: the forwards above changed nothing
    tf.tidy(() => net.forward(x, { training: true }).logits).dispose(); // a training forward (default momentum) does move them
    expect(runningStats(net)).not.toEqual(stats);
    scrambleRunningStats(net);
    expect(maxAbsDiff(logits(net, x, teacherForwardOptions('batch', 1)), before.batch)).toBeLessThan(1e-5);
    expect(maxAbsDiff(logits(net, x, teacherForwardOptions('train', 1)), before.train)).toBeLessThan(1e-5);
    expect(maxAbsDiff(logits(net, x, teacherForwardOptions('eval', 1)), before.eval)).toBeGreaterThan(1e-2);
    x.dispose();
    net.dispose();
  });

  it("'train' applies dropout seeded by the step (same seed, same output); 'batch' has none", () => {
    const net = tiny();
    const x = tf.randomNormal([4, 16, 16, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const a = logits(net, x, teacherForwardOptions('train', 11));
    const b = logits(net, x, teacherForwardOptions('train', 11));
    const c = logits(net, x, teacherForwardOptions('train', 12));
    const noDropout = logits(net, x, teacherForwardOptions('batch', 11));
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(a, noDropout)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(noDropout, logits(net, x, teacherForwardOptions('batch', 12)))).toBe(0);
    x.dispose();
    net.dispose();
  });

  it.each(['train', 'batch', 'eval'] as const)("a Semi-AGCL run's teacher forwards in mode %s", async (mode) => {
    const calls: UNetForwardOptions[] = [];
    const real = UNet.prototype.forward;
    vi.spyOn(UNet.prototype, 'forward').mockImplementation(function (this: UNet, x: tf.Tensor4D, options: UNetForwardOptions = {}) {
      calls.push({ ...options });
      return real.call(this, x, options);
    });
    const out = path.join(tempDir(), 'run');
    const result = await train({ config: tinyConfig({ method: 'semi-agcl', out, steps: 2, valEvery: 2, teacherForward: mode }), stream: captureStream(), skipBackendInit: true, report: false });
    expect(result.status).toBe('completed');
    // The teacher's forwards are the ones with embeddings and no gradient seed of the student's kind:
    // the student always trains with dropout and momentum unset; validation has no embeddings.
    const teacherCalls = calls.filter((o) => o.embeddings && o.bnMomentum === 0 || (o.embeddings && o.training === false));
    expect(teacherCalls.length).toBe(2);
    for (const o of teacherCalls) {
      if (mode === 'eval') expect(o.training).toBe(false);
      else {
        expect(o.training).toBe(true);
        expect(o.bnMomentum).toBe(0);
        expect(o.dropout).toBe(mode === 'batch' ? false : undefined);
      }
    }
    expect(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')).teacherForward).toBe(mode);
  });

  it("resuming a run whose config.json predates the option keeps the teacher in 'eval' mode", async () => {
    const out = path.join(tempDir(), 'run');
    const first = await train({ config: tinyConfig({ method: 'mean-teacher', out, steps: 2, valEvery: 1 }), stream: captureStream(), skipBackendInit: true, report: false, stopAfterSteps: 1 });
    expect(first.status).toBe('interrupted');
    const file = path.join(out, 'config.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    delete saved.teacherForward;
    writeFileSync(file, JSON.stringify(saved));
    const stream = captureStream();
    const resumed = await train({ resume: out, stream, skipBackendInit: true, report: false });
    expect(resumed.status).toBe('completed');
    expect(resumed.config.teacherForward).toBe('eval');
    expect(stream.text()).toContain("has no teacherForward: resuming with 'eval'");
  });
});
