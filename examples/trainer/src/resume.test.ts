import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { readJsonl, runPaths } from './run-folder';
import { train, type StepRecord } from './train';
import { captureStream, tempDir, tinyConfig } from './test-utils/helpers';

function weights(run: string, which: 'student' | 'teacher'): Buffer {
  const dir = path.join(runPaths(run).last, which);
  const bin = readFileSync(path.join(dir, 'weights.bin'));
  return bin;
}

describe('stop and resume', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each([['semi-agcl'], ['mean-teacher'], ['supervised']] as const)(
    '%s: interrupted after 3 steps and resumed gives the uninterrupted run exactly',
    async (method) => {
      const base = tempDir();
      const full = path.join(base, 'full');
      const cut = path.join(base, 'cut');
      const config = tinyConfig({ method, steps: 7, valEvery: 5, optimizer: 'sgd' });
      await train({ config: { ...config, out: full }, stream: captureStream(), skipBackendInit: true, report: false });

      const s1 = captureStream();
      const first = await train({ config: { ...config, out: cut }, stream: s1, stopAfterSteps: 3, skipBackendInit: true, report: false });
      expect(first.status).toBe('interrupted');
      expect(first.step).toBe(3);
      expect(s1.text()).toContain(`Resume with: pnpm exec agcl train --resume ${cut}`);
      expect(JSON.parse(readFileSync(path.join(runPaths(cut).last, 'state.json'), 'utf8')).step).toBe(3);

      const s2 = captureStream();
      const second = await train({ resume: cut, stream: s2, skipBackendInit: true, report: false });
      expect(s2.text()).toContain('resuming');
      expect(second.status).toBe('completed');
      expect(second.step).toBe(7);

      const a = readJsonl<StepRecord>(runPaths(full).metrics);
      const b = readJsonl<StepRecord>(runPaths(cut).metrics);
      expect(b.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(b.map((r) => r.loss)).toEqual(a.map((r) => r.loss));
      expect(b.map((r) => r.terms)).toEqual(a.map((r) => r.terms));
      expect(weights(cut, 'student').equals(weights(full, 'student'))).toBe(true);
      if (method !== 'supervised') expect(weights(cut, 'teacher').equals(weights(full, 'teacher'))).toBe(true);
      const va = readJsonl<{ step: number; meanDice: number }>(runPaths(full).val);
      const vb = readJsonl<{ step: number; meanDice: number }>(runPaths(cut).val);
      expect(vb.map((v) => [v.step, v.meanDice])).toEqual(va.map((v) => [v.step, v.meanDice]));
    },
  );

  it('an abort signal stops after the current step and saves last', async () => {
    const out = path.join(tempDir(), 'sig');
    const controller = new AbortController();
    const stream = captureStream();
    const origWrite = stream.write.bind(stream);
    // abort as soon as the first step has been reported
    stream.write = ((chunk: string) => {
      if (String(chunk).startsWith('step 1/')) controller.abort();
      return origWrite(chunk);
    }) as typeof stream.write;
    const r = await train({ config: tinyConfig({ out, steps: 20 }), stream, signal: controller.signal, skipBackendInit: true, report: false });
    expect(r.status).toBe('interrupted');
    expect(r.step).toBe(1);
    expect(JSON.parse(readFileSync(path.join(runPaths(out).last, 'state.json'), 'utf8')).step).toBe(1);
  });

  it('refuses to resume with changed options or a finished run', async () => {
    const out = path.join(tempDir(), 'done');
    await train({ config: tinyConfig({ out, steps: 2, valEvery: 2 }), stream: captureStream(), skipBackendInit: true, report: false });
    await expect(train({ resume: out, stream: captureStream(), skipBackendInit: true })).rejects.toThrow('pass --steps N > 2');
    await expect(train({ resume: out, config: { lr: 0.5, steps: 4 }, stream: captureStream(), skipBackendInit: true })).rejects.toThrow(
      'option lr cannot change when resuming',
    );
    await expect(train({ resume: path.join(out, 'nope'), stream: captureStream(), skipBackendInit: true })).rejects.toThrow('not a run folder');
  });
});
