import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import { UNet } from '@agcl/unet';
import { loadCheckpoint } from './checkpoint';
import { resolveConfig, parseFlagValues } from './config';
import { toBatchTensors } from '@agcl/datasets';
import { recalibrateOnLabeled } from './recalibrate';
import { readJsonl, runPaths } from './run-folder';
import { train } from './train';
import { loadTrainingData } from './training-data';
import { UsageError } from './usage-error';
import { captureStream, maxAbsDiff, runningStats, tempDir, tinyConfig } from './test-utils/helpers';

describe('batch-norm recalibration in the trainer', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('recalibrateOnLabeled: at most maxImages slices, evenly spaced, in batches; an odd single last one is left out', async () => {
    const data = await loadTrainingData(resolveConfig(tinyConfig()));
    const labeled = data.labeled; // 2 patients x 2 slices
    expect(labeled.length).toBe(4);
    const net = new UNet({ inChannels: 1, numClasses: 4, channels: [4, 8], projection: false, seed: 3 });
    // reference: the slices 0 and 2 (evenly spaced 2 of 4) as one batch, through UNet.recalibrateBatchNorm
    const ref = net.clone();
    const t = toBatchTensors(tf, [labeled[0], labeled[2]]);
    ref.recalibrateBatchNorm([t.x]);
    tf.dispose([t.x, t.y]);
    expect(recalibrateOnLabeled(net, labeled, 4, 2)).toBe(2);
    expect(maxAbsDiff(runningStats(net), runningStats(ref))).toBeLessThan(1e-6);
    // 3 of 4 in batches of 2: [0, 1] and a single [2], which is dropped
    expect(recalibrateOnLabeled(net, labeled, 2, 3)).toBe(2);
    expect(() => recalibrateOnLabeled(net, labeled, 2, 1)).toThrow("argument 'maxImages' must be >= 2");
    expect(() => recalibrateOnLabeled(net, labeled.slice(0, 1), 2)).toThrow(UsageError);
    net.dispose();
    ref.dispose();
  });

  it('agcl train --recalibrate-bn (the default): validation and the saved checkpoints use statistics re-estimated on the labeled slices', async () => {
    expect(resolveConfig().recalibrateBn).toBe(true);
    expect(parseFlagValues({ recalibrateBn: false })).toEqual({ recalibrateBn: false });
    const runs: Record<string, string> = {};
    for (const on of [true, false]) {
      const out = path.join(tempDir(), 'run');
      const stream = captureStream();
      const result = await train({ config: tinyConfig({ method: 'supervised', out, steps: 4, valEvery: 2, recalibrateBn: on }), stream, skipBackendInit: true, report: false });
      expect(result.status).toBe('completed');
      const val = readJsonl(runPaths(out).val) as Array<{ recalibratedOn?: number }>;
      expect(val.map((v) => v.recalibratedOn)).toEqual(on ? [4, 4] : [undefined, undefined]);
      if (on) expect(stream.text()).toContain('(statistics re-estimated on 4 images)');
      runs[String(on)] = out;
    }
    const data = await loadTrainingData(resolveConfig(tinyConfig()));
    for (const [on, out] of Object.entries(runs)) {
      // Re-estimating again on the same slices changes nothing when the checkpoint already holds those
      // statistics; it changes them when it holds the ones training left (gathered with dropout).
      const ckpt = await loadCheckpoint(runPaths(out).last, { teacher: false });
      for (const o of Object.values(ckpt.optimizerState)) o.dispose();
      const saved = runningStats(ckpt.student);
      recalibrateOnLabeled(ckpt.student, data.labeled, 2);
      const diff = maxAbsDiff(runningStats(ckpt.student), saved);
      if (on === 'true') expect(diff).toBeLessThan(1e-5);
      else expect(diff).toBeGreaterThan(1e-3);
      ckpt.student.dispose();
    }
  });
});
