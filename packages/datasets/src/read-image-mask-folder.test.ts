import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCrag, readGlas, readImageMaskFolder, readMonuseg } from './read-image-mask-folder';
import { dataDir, tempDir, writeBmp, writePng, writePng16 } from './test-utils/fixtures';

const W = 5;
const H = 4;
/** RGB test image: R = 10 x, G = 20 y, B = 200. */
function rgb(salt = 0): Uint8Array {
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      out[(y * W + x) * 3] = 10 * x + salt;
      out[(y * W + x) * 3 + 1] = 20 * y;
      out[(y * W + x) * 3 + 2] = 200;
    }
  }
  return out;
}
/** Instance map: two glands (ids 1 and 2) and background. */
const instances = Uint8Array.from({ length: W * H }, (_, i) => (i % W < 2 ? 1 : i % W === 4 ? 2 : 0));

describe('readImageMaskFolder (MoNuSeg-like PNG folders, 0/255 masks)', () => {
  const { dir, cleanup } = tempDir();
  beforeAll(async () => {
    for (const name of ['a', 'b']) {
      await writePng(path.join(dir, 'images', `${name}.png`), rgb(name === 'b' ? 1 : 0), W, H, 3);
      await writePng(path.join(dir, 'masks', `${name}.png`), instances.map((v) => (v ? 255 : 0)), W, H, 1);
    }
  });
  afterAll(cleanup);

  it('reads RGB in [0, 1] and binary labels', async () => {
    const res = await readImageMaskFolder(path.join(dir, 'images'), path.join(dir, 'masks'));
    expect(res.list).toEqual(['a', 'b']);
    const s = res.slices[0];
    expect([s.id, s.height, s.width, s.channels]).toEqual(['a', H, W, 3]);
    const ref = rgb();
    for (let i = 0; i < ref.length; i++) expect(s.image[i]).toBeCloseTo(ref[i] / 255, 6);
    expect(Array.from(s.label)).toEqual(Array.from(instances, (v) => (v ? 1 : 0)));
    expect(s.instances).toBeUndefined();
  });

  it('gray output is luma 0.299 R + 0.587 G + 0.114 B', async () => {
    const res = await readImageMaskFolder(path.join(dir, 'images'), path.join(dir, 'masks'), { channels: 1, ids: ['a'] });
    const ref = rgb();
    expect(res.slices[0].image[7]).toBeCloseTo((0.299 * ref[21] + 0.587 * ref[22] + 0.114 * ref[23]) / 255, 5);
  });

  it('values mode checks the class range', async () => {
    await expect(
      readImageMaskFolder(path.join(dir, 'images'), path.join(dir, 'masks'), { labelMode: 'values', numClasses: 2 }),
    ).rejects.toThrow(/readImageMaskFolder: .*masks\/a\.png: label value 255 at index 0 is outside the class range 0\.\.1/);
  });
});

describe('readCrag (instance maps) and readGlas (BMP with _anno)', () => {
  const { dir, cleanup } = tempDir();
  beforeAll(async () => {
    await writePng(path.join(dir, 'crag', 'valid', 'Images', 'test_1.png'), rgb(), W, H, 3);
    await writePng(path.join(dir, 'crag', 'valid', 'Annotation', 'test_1.png'), instances, W, H, 1);
    const glas = path.join(dir, 'glas');
    await writeBmp(path.join(glas, 'train_1.bmp'), rgb(), W, H);
    await writeBmp(path.join(glas, 'train_1_anno.bmp'), Uint8Array.from({ length: W * H * 3 }, (_, i) => instances[Math.floor(i / 3)]), W, H);
    await writeBmp(path.join(glas, 'testA_1.bmp'), rgb(5), W, H);
    await writeBmp(path.join(glas, 'testA_1_anno.bmp'), new Uint8Array(W * H * 3), W, H);
  });
  afterAll(cleanup);

  it('CRAG: semantic label and instance ids', async () => {
    const res = await readCrag(path.join(dir, 'crag'), { split: 'valid' });
    const s = res.slices[0];
    expect(Array.from(s.instances!)).toEqual(Array.from(instances));
    expect(Array.from(s.label)).toEqual(Array.from(instances, (v) => (v > 0 ? 1 : 0)));
    await expect(readCrag(path.join(dir, 'crag'), { split: 'train' })).rejects.toThrow(/readCrag: .*train\/Images: folder not found/);
  });

  it('CRAG: 16-bit instance maps keep ids above 255', async () => {
    const ids = [0, 1, 300, 1000, 65535, 2, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    await writePng(path.join(dir, 'crag16', 'test', 'Images', 'a.png'), rgb(), W, H, 3);
    writePng16(path.join(dir, 'crag16', 'test', 'Annotation', 'a.png'), ids, W, H);
    const res = await readCrag(path.join(dir, 'crag16'), { split: 'test' });
    expect(Array.from(res.slices[0].instances!)).toEqual(ids);
    expect(Array.from(res.slices[0].label)).toEqual(ids.map((v) => (v > 0 ? 1 : 0)));
  });

  it('GlaS: BMP images and _anno instance maps, split by prefix', async () => {
    const res = await readGlas(path.join(dir, 'glas'), { split: 'train' });
    expect(res.list).toEqual(['train_1']);
    const s = res.slices[0];
    const ref = rgb();
    for (let i = 0; i < ref.length; i++) expect(Math.round(s.image[i] * 255)).toBe(ref[i]);
    expect(Array.from(s.instances!)).toEqual(Array.from(instances));
    expect(Array.from(s.label)).toEqual(Array.from(instances, (v) => (v > 0 ? 1 : 0)));
    const all = await readGlas(path.join(dir, 'glas'), { split: 'all' });
    expect(all.list).toEqual(['testA_1', 'train_1']);
  });
});

describe('readImageMaskFolder with bad files', () => {
  const { dir, cleanup } = tempDir();
  const img = (n: string) => path.join(dir, 'images', `${n}.png`);
  const msk = (n: string) => path.join(dir, 'masks', `${n}.png`);
  beforeAll(async () => {
    for (const n of ['good', 'cut', 'mismatch', 'nomask']) await writePng(img(n), rgb(), W, H, 3);
    await writePng(msk('good'), instances, W, H, 1);
    await writePng(msk('cut'), instances, W, H, 1);
    const full = readFileSync(img('cut'));
    writeFileSync(img('cut'), full.subarray(0, Math.floor(full.length / 2)));
    await writePng(msk('mismatch'), new Uint8Array(W * (H - 1)), W, H - 1, 1);
  });
  afterAll(cleanup);

  it('throws naming the file and the problem', async () => {
    const read = (id: string) => readImageMaskFolder(path.join(dir, 'images'), path.join(dir, 'masks'), { ids: [id] });
    await expect(read('cut')).rejects.toThrow(/images\/cut\.png: cannot decode image/);
    await expect(read('mismatch')).rejects.toThrow(/masks\/mismatch\.png: image\/mask size mismatch: image 5x4, mask 5x3/);
    await expect(read('nomask')).rejects.toThrow(/images\/nomask\.png: no mask found/);
    await expect(readImageMaskFolder(path.join(dir, 'nothing'), path.join(dir, 'masks'))).rejects.toThrow(/nothing: folder not found/);
  });

  it('skipBad returns the good case and counts the bad ones', async () => {
    const warnings: string[] = [];
    const res = await readImageMaskFolder(path.join(dir, 'images'), path.join(dir, 'masks'), { skipBad: true, onWarning: (m) => warnings.push(m) });
    expect(res.slices.map((s) => s.id)).toEqual(['good']);
    expect(res.skipped.map((s) => path.basename(s.file)).sort()).toEqual(['cut.png', 'mismatch.png', 'nomask.png']);
    expect(warnings).toHaveLength(3);
  });
});

const monuseg = path.join(dataDir(), 'monuseg');
const hasMonuseg = existsSync(path.join(monuseg, 'train', 'images'));
if (!hasMonuseg) console.warn(`read-image-mask-folder.test: MoNuSeg test skipped, ${monuseg} is absent`);

describe.skipIf(!hasMonuseg)('readMonuseg on the real data (../shared/data/monuseg)', () => {
  it('reads 2 tiles: 1000x1000 RGB in [0, 1], masks 0/255 -> 0/1 with both classes', async () => {
    const res = await readMonuseg(monuseg, { limit: 2 });
    expect(res.list).toHaveLength(2);
    console.info(`MoNuSeg: 2 tiles read in ${(res.elapsedMs / 1000).toFixed(2)} s`);
    for (const s of res.slices) {
      expect([s.height, s.width, s.channels]).toEqual([1000, 1000, 3]);
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < s.image.length; i++) {
        lo = Math.min(lo, s.image[i]);
        hi = Math.max(hi, s.image[i]);
      }
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      let fg = 0;
      let maxLabel = 0;
      for (let i = 0; i < s.label.length; i++) {
        fg += s.label[i];
        maxLabel = Math.max(maxLabel, s.label[i]);
      }
      expect(maxLabel).toBe(1);
      expect(fg).toBeGreaterThan(0);
      expect(fg).toBeLessThan(s.label.length);
    }
  });
});
