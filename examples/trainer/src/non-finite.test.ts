import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import type { ExtraTerm } from '@agcl/semi-agcl';
import { readJsonl, runPaths } from './run-folder';
import { train } from './train';
import { main } from './run-cli';
import { captureStream, tempDir, tinyConfig } from './test-utils/helpers';

describe('non-finite loss', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('stops with a message naming the term and step, leaving the last good checkpoint intact', async () => {
    const out = path.join(tempDir(), 'nan');
    const stream = captureStream();
    // checkpoint after step 2 and 4; a NaN extra term at 0-based step 4 (the 5th step)
    const result = await train({
      config: tinyConfig({ method: 'semi-agcl', steps: 8, valEvery: 2, out }),
      stream,
      skipBackendInit: true,
      stepHooks: { extraTerms: { injected: nanAt(4) } },
    });
    expect(result.status).toBe('non-finite');
    expect(result.error?.terms).toEqual(['injected']);
    expect(result.error?.step).toBe(4);
    expect(stream.text()).toContain('training stopped: non-finite loss at step 5 (term injected = NaN)');
    expect(stream.text()).toContain(`Last good checkpoint: ${runPaths(out).last} (step 4), left intact.`);
    const state = JSON.parse(readFileSync(path.join(runPaths(out).last, 'state.json'), 'utf8'));
    expect(state.step).toBe(4);
    // the checkpoint holds exactly the weights of a clean run stopped after 4 steps
    const clean = path.join(tempDir(), 'clean');
    await train({
      config: tinyConfig({ method: 'semi-agcl', steps: 8, valEvery: 2, out: clean }),
      stream: captureStream(),
      stopAfterSteps: 4,
      skipBackendInit: true,
      report: false,
    });
    for (const net of ['student', 'teacher']) {
      const bad = readFileSync(path.join(runPaths(out).last, net, 'weights.bin'));
      const good = readFileSync(path.join(runPaths(clean).last, net, 'weights.bin'));
      expect(bad.equals(good)).toBe(true);
    }
    expect(readJsonl<{ step: number }>(runPaths(out).metrics).map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(JSON.parse(readFileSync(runPaths(out).summary, 'utf8')).status).toBe('non-finite');
  });

  it('the command line exits with code 3', async () => {
    const out = path.join(tempDir(), 'nan-cli');
    const stdout = captureStream();
    const code = await main(
      ['train', '--backend', 'wasm', '--steps', '3', '--size', '32', '--channels', '4,8,16', '--batch', '2', '--synthetic-cases', '4',
        '--synthetic-slices-per-case', '2', '--synthetic-val-cases', '1', '--labeled-patients', '2', '--method', 'supervised',
        '--out', out, '--no-report'],
      { stdout, stderr: captureStream(), stepHooks: { extraTerms: { injected: nanAt(0) } } },
    );
    expect(code).toBe(3);
    expect(stdout.text()).toContain('No checkpoint had been written yet.');
  });
});

/** An extra loss term that is 0 (no effect on the update) except at one step, where it is NaN. */
function nanAt(step: number): ExtraTerm {
  return { weight: 1, loss: (ctx) => tf.scalar(ctx.step === step ? Number.NaN : 0) };
}
