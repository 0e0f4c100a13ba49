import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { defaultPatchSampler, type PatchSamplerInput } from '@agcl/semi-agcl';
import { parseFlagValues, resolveConfig } from './config';
import { train } from './train';
import { UsageError } from './usage-error';
import { captureStream, tempDir, tinyConfig } from './test-utils/helpers';

// Record the sampler options of every step through the step's own sampler hook, delegating to the default sampler.
const seen: Array<PatchSamplerInput['options']> = [];
const recordingSampler = (input: PatchSamplerInput) => {
  seen.push({ ...input.options });
  return defaultPatchSampler(input);
};

describe('--sampler-draw', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it("defaults to 'pool' (docs/method.md) and accepts 'stratified'; rejects other values", () => {
    expect(resolveConfig().samplerDraw).toBe('pool');
    expect(parseFlagValues({ samplerDraw: 'stratified' })).toEqual({ samplerDraw: 'stratified' });
    expect(() => parseFlagValues({ samplerDraw: 'half' })).toThrow(UsageError);
    expect(() => parseFlagValues({ samplerDraw: 'half' })).toThrow("samplerDraw must be one of pool, stratified");
  });

  it.each([
    [undefined, 'pool'],
    ['stratified', 'stratified'],
  ] as const)("samplerDraw %s reaches the step's sampler as draw %s", async (samplerDraw, expected) => {
    seen.length = 0;
    const out = path.join(tempDir(), 'run');
    const config = tinyConfig({ method: 'semi-agcl', out, steps: 2, valEvery: 2, ...(samplerDraw ? { samplerDraw } : {}) });
    const result = await train({ config, stream: captureStream(), skipBackendInit: true, report: false, stepHooks: { sampler: recordingSampler } });
    expect(result.status).toBe('completed');
    expect(seen.length).toBe(2);
    for (const o of seen) expect(o.draw).toBe(expected);
  });
});
