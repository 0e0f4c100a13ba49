import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { glandPhantom } from '@agcl/datasets';
import { evaluateRun } from './evaluate-run';
import { runPaths } from './run-folder';
import { train } from './train';
import { captureStream, tempDir } from './test-utils/helpers';

/** Writes n gland phantoms as an images/ + masks/ folder (RGB PNG, 0/255 mask PNG). */
async function writeFolder(root: string, n: number, size: number): Promise<void> {
  mkdirSync(path.join(root, 'images'), { recursive: true });
  mkdirSync(path.join(root, 'masks'), { recursive: true });
  for (let i = 0; i < n; i++) {
    const s = glandPhantom({ size, seed: i + 1 });
    const rgb = Buffer.from(Uint8Array.from(s.image, (v) => Math.round(v * 255)));
    await sharp(rgb, { raw: { width: size, height: size, channels: 3 } }).png().toFile(path.join(root, 'images', `g${i}.png`));
    const mask = Buffer.from(Uint8Array.from(s.label, (v) => (v ? 255 : 0)));
    await sharp(mask, { raw: { width: size, height: size, channels: 1 } }).toColourspace('b-w').png().toFile(path.join(root, 'masks', `g${i}.png`));
  }
}

describe('histology: an image + mask folder', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('trains, reports pixel and object metrics, and evaluates with the object Hausdorff distance', async () => {
    const data = tempDir();
    await writeFolder(data, 10, 40);
    const out = path.join(tempDir(), 'run');
    const stream = captureStream();
    const result = await train({
      config: { dataset: 'folder', dataDir: data, method: 'mean-teacher', steps: 3, valEvery: 3, size: 32, channels: [4, 8, 16], batch: 2, out },
      stream,
      skipBackendInit: true,
    });
    expect(result.status).toBe('completed');
    // 10 images: the last 2 (20%) validate, 1 of the 8 training images (10%) is labeled
    expect(stream.text()).toContain('8 training cases (8 slices), 1 labeled (1 slices), 7 unlabeled slices used, 2 validation cases; 32x32');
    const md = readFileSync(runPaths(out).reportMd, 'utf8');
    expect(md).toContain('| foreground |');
    expect(md).toContain('- objectF1: ');
    const ev = await evaluateRun({ run: out, checkpoint: 'last', skipBackendInit: true, stream: captureStream() });
    expect(ev.kind).toBe('histology');
    expect(Object.keys(ev.summary.object)).toEqual(['objectF1', 'objectDice', 'objectHausdorff']);
    for (const c of ev.cases) {
      expect(c.object?.objectF1).toBeGreaterThanOrEqual(0);
      expect(c.object?.objectF1).toBeLessThanOrEqual(1);
    }
    expect(readFileSync(ev.csv, 'utf8')).toContain(',objectF1,');
  });
});
