import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agcl/backend';
import type { Slice2D } from '@agcl/datasets';
import { parseFlagValues, resolveConfig } from './config';
import { drawBatch } from './make-batch';
import { train } from './train';
import { UsageError } from './usage-error';
import { captureStream, tempDir, tinyConfig } from './test-utils/helpers';

/** Square slices whose image values are all distinct (k * 1000 + pixel index + 1), labels 0..3. */
function distinctSlices(count: number, n: number): Slice2D[] {
  return Array.from({ length: count }, (_, k) => ({
    id: `s${k}`,
    caseId: `c${k}`,
    image: Float32Array.from({ length: n * n }, (_, i) => k * 1000 + i + 1),
    label: Uint8Array.from({ length: n * n }, (_, i) => i % 4),
    height: n,
    width: n,
    channels: 1,
  }));
}

describe('--augment-scheme', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it("defaults to 'agcl', accepts 'ssl4mis' and rejects other values by name", () => {
    expect(resolveConfig().augmentScheme).toBe('agcl');
    expect(parseFlagValues({ augmentScheme: 'ssl4mis' })).toEqual({ augmentScheme: 'ssl4mis' });
    expect(() => parseFlagValues({ augmentScheme: 'monai' })).toThrow(UsageError);
    expect(() => parseFlagValues({ augmentScheme: 'monai' })).toThrow('augmentScheme must be one of agcl, ssl4mis');
    expect(() => drawBatch(distinctSlices(2, 4), { batch: 2, step: 0, seed: 1, stream: 'labeled', augment: true, scheme: 'x' as 'agcl' })).toThrow(/option 'scheme'/);
  });

  it("'ssl4mis' only moves pixels (nearest neighbour, outside 0); 'agcl' interpolates (bilinear rotation)", () => {
    const slices = distinctSlices(4, 12);
    const allowed = new Set<number>([0]);
    for (const s of slices) for (const v of s.image) allowed.add(v);
    let ssl4misNew = 0;
    let agclNew = 0;
    for (let step = 0; step < 8; step++) {
      for (const [scheme, add] of [
        ['ssl4mis', (n: number) => (ssl4misNew += n)],
        ['agcl', (n: number) => (agclNew += n)],
      ] as const) {
        const b = drawBatch(slices, { batch: 4, step, seed: 5, stream: 'labeled', augment: true, scheme });
        const values = b.x.dataSync();
        add(Array.from(values).filter((v) => !allowed.has(v)).length);
        tf.dispose([b.x, b.y]);
      }
    }
    expect(ssl4misNew).toBe(0);
    expect(agclNew).toBeGreaterThan(0);
  });

  it('trains with the SSL4MIS augmentation and records the scheme in config.json', async () => {
    const out = path.join(tempDir(), 'run');
    const result = await train({ config: tinyConfig({ method: 'supervised', out, steps: 2, valEvery: 2, augmentScheme: 'ssl4mis' }), stream: captureStream(), skipBackendInit: true, report: false });
    expect(result.status).toBe('completed');
    expect(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')).augmentScheme).toBe('ssl4mis');
  });
});
