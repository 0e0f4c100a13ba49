import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { runSamplerExample } from './run-sampler-example';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('sampler-only example', () => {
  it('writes the pictures and a sample that respects the class-collision guard, at a tiny size', async () => {
    const outDir = await mkdtemp(path.join(os.tmpdir(), 'agcl-sampler-'));
    dirs.push(outDir);
    const { files, sample, meanApe } = await runSamplerExample({ outDir, size: 32, patchSize: 8, scale: 1, log: () => {} });
    expect(files.map((f) => path.basename(f))).toEqual(
      expect.arrayContaining(['phantoms.png', 'ape-background.png', 'ape-LV.png', 'summary.json']),
    );
    const meta = await sharp(path.join(outDir, 'phantoms.png')).metadata();
    expect([meta.width, meta.height]).toEqual([2 * 32 + 8, 32]);
    expect(sample.count).toBeGreaterThan(0);
    const k = sample.numClasses;
    for (const g of sample.groups) {
      for (const p of g.positives) expect(sample.pseudoClass[p]).toBe(g.classIndex);
      for (const q of g.negatives) expect(sample.confidence[q * k + g.classIndex]).toBeLessThan(0.2);
    }
    // The labeled image (one-hot confidence) has zero confidence entropy; the simulated teacher's does not.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(meanApe.unlabeled)).toBeGreaterThan(mean(meanApe.labeled));
    const summary = JSON.parse(await readFile(path.join(outDir, 'summary.json'), 'utf8'));
    expect(summary.patches).toBe(sample.count);
  });
});
