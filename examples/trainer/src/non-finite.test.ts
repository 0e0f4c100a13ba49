import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
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
    // checkpoint after step 2 and 4; NaN injected into the supervised term at 0-based step 4 (the 5th step)
    const result = await train({
      config: tinyConfig({ method: 'semi-agcl', steps: 8, valEvery: 2, nanAtStepForTest: 4, out }),
      stream,
      skipBackendInit: true,
    });
    expect(result.status).toBe('non-finite');
    expect(result.error?.terms).toEqual(['supervised']);
    expect(result.error?.step).toBe(4);
    expect(stream.text()).toContain('training stopped: non-finite loss at step 5 (term supervised = NaN)');
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
        '--config', writeHookConfig(out), '--out', out, '--no-report'],
      { stdout, stderr: captureStream() },
    );
    expect(code).toBe(3);
    expect(stdout.text()).toContain('No checkpoint had been written yet.');
  });
});

function writeHookConfig(dir: string): string {
  const file = `${dir}.json`;
  writeFileSync(file, JSON.stringify({ nanAtStepForTest: 0 }));
  return file;
}
