import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from './dataset-error';
import { readCrag, readImageMaskFolder } from './read-image-mask-folder';
import { corruptCopy, dataDir, tempDir, writeBmp, writePng, writeTiff32 } from './test-utils/fixtures';

const W = 16;
const H = 12;
const rgb = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37) % 251);
const mask = Uint8Array.from({ length: W * H }, (_, i) => (i % W < 5 ? 1 : i % W > 12 ? 2 : 0));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Flips a bit in the middle of a PNG's first IDAT chunk (zlib data, covered by the chunk's CRC). */
const flipIdat = (b: Buffer) => {
  const at = b.indexOf('IDAT');
  b[at + 4 + Math.floor(b.readUInt32BE(at - 4) / 2)] ^= 0x20;
};

describe('readImageMaskFolder / readCrag on corrupted images and masks', () => {
  const { dir, cleanup } = tempDir();
  const images = path.join(dir, 'images');
  const masks = path.join(dir, 'masks');
  // (libvips' own wording is not asserted: its error buffer is shared between concurrent decodes)
  const cases: Array<[string, 'image' | 'mask', string, RegExp]> = [
    ['flipped_png', 'image', 'png', /cannot decode image \(corrupt, truncated or unsupported file: .+\)/],
    ['flipped_mask', 'mask', 'png', /cannot decode mask \(corrupt, truncated or unsupported file: .+\)/],
    ['cut_jpeg', 'image', 'jpg', /cannot decode image \(corrupt, truncated or unsupported file: .+\)/],
    ['flipped_tiff', 'image', 'tif', /cannot decode image \(corrupt, truncated or unsupported file: .+\)/],
    ['float_tiff', 'image', 'tif', /image is a TIFF with 32-bit float samples, expected 8- or 16-bit unsigned integer samples/],
    ['uint32_mask', 'mask', 'tif', /mask is a TIFF with 32-bit unsigned integer samples, expected 8- or 16-bit unsigned integer samples/],
    ['bmp_bits', 'image', 'bmp', /image has a corrupt BMP header: 7 bits per pixel \(expected 1, 4, 8, 16, 24 or 32\)/],
    ['bmp_cut', 'mask', 'bmp', /truncated file \(200 of \d+ bytes\)/],
    ['size_mismatch', 'mask', 'png', /image\/mask size mismatch: image 16x12, mask 16x11 \(W x H; expected the same size\)/],
  ];
  const fileOf = (name: string, role: 'image' | 'mask', ext: string) => path.join(role === 'image' ? images : masks, `${name}.${ext}`);

  beforeAll(async () => {
    const sharp = (await import('sharp')).default;
    const raw = { raw: { width: W, height: H, channels: 3 as const } };
    const writeGood = async (name: string) => {
      await writePng(fileOf(name, 'image', 'png'), rgb, W, H, 3);
      await writePng(fileOf(name, 'mask', 'png'), mask, W, H, 1);
    };
    await writeGood('good');
    await writeGood('flipped_png');
    corruptCopy(fileOf('flipped_png', 'image', 'png'), fileOf('flipped_png', 'image', 'png'), flipIdat);
    await writeGood('flipped_mask');
    corruptCopy(fileOf('flipped_mask', 'mask', 'png'), fileOf('flipped_mask', 'mask', 'png'), flipIdat);
    const jpeg = await sharp(Buffer.from(rgb), raw).jpeg().toBuffer();
    writeFileSync(fileOf('cut_jpeg', 'image', 'jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.7)));
    await writePng(fileOf('cut_jpeg', 'mask', 'png'), mask, W, H, 1);
    const tiff = await sharp(Buffer.from(rgb), raw).tiff({ compression: 'deflate' }).toBuffer();
    tiff[8 + 20] ^= 0x10; // inside the deflated strip, which libvips writes right after the header
    writeFileSync(fileOf('flipped_tiff', 'image', 'tif'), tiff);
    await writePng(fileOf('flipped_tiff', 'mask', 'png'), mask, W, H, 1);
    writeTiff32(fileOf('float_tiff', 'image', 'tif'), Array.from({ length: W * H }, (_, i) => i / 7), W, H, 3);
    await writePng(fileOf('float_tiff', 'mask', 'png'), mask, W, H, 1);
    await writePng(fileOf('uint32_mask', 'image', 'png'), rgb, W, H, 3);
    writeTiff32(fileOf('uint32_mask', 'mask', 'tif'), Array.from({ length: W * H }, (_, i) => mask[i] * 70000), W, H, 1);
    await writeBmp(fileOf('bmp_bits', 'image', 'bmp'), rgb, W, H);
    corruptCopy(fileOf('bmp_bits', 'image', 'bmp'), fileOf('bmp_bits', 'image', 'bmp'), (b) => b.writeUInt16LE(7, 28));
    await writePng(fileOf('bmp_bits', 'mask', 'png'), mask, W, H, 1);
    await writePng(fileOf('bmp_cut', 'image', 'png'), rgb, W, H, 3);
    await writeBmp(fileOf('bmp_cut', 'mask', 'bmp'), rgb, W, H);
    writeFileSync(fileOf('bmp_cut', 'mask', 'bmp'), readFileSync(fileOf('bmp_cut', 'mask', 'bmp')).subarray(0, 200));
    await writePng(fileOf('size_mismatch', 'image', 'png'), rgb, W, H, 3);
    await writePng(fileOf('size_mismatch', 'mask', 'png'), mask.subarray(0, W * (H - 1)), W, H - 1, 1);
  });
  afterAll(cleanup);

  it.each(cases)('%s: a DatasetError names the %s file and the problem', async (name, role, ext, problem) => {
    const p = readImageMaskFolder(images, masks, { ids: [name], labelMode: 'values', numClasses: 3 });
    await expect(p).rejects.toBeInstanceOf(DatasetError);
    await expect(p).rejects.toThrow(new RegExp(`^readImageMaskFolder: ${escape(fileOf(name, role, ext))}: ${problem.source}`));
  });

  it('skipBad keeps the good pair and counts every bad one', async () => {
    const warnings: string[] = [];
    const res = await readImageMaskFolder(images, masks, { skipBad: true, onWarning: (w) => warnings.push(w) });
    expect(res.slices.map((s) => s.id)).toEqual(['good']);
    expect(res.skipped).toHaveLength(cases.length);
    expect(warnings).toHaveLength(cases.length);
  });

  it('a 32-bit instance map is refused by readCrag instead of being clamped to 255', async () => {
    const crag = path.join(dir, 'crag', 'train');
    await writePng(path.join(crag, 'Images', 'a.png'), rgb, W, H, 3);
    writeTiff32(path.join(crag, 'Annotation', 'a.tif'), Array.from({ length: W * H }, (_, i) => (i % W) * 1000), W, H, 1);
    await expect(readCrag(path.join(dir, 'crag'))).rejects.toThrow(/^readCrag: .*Annotation\/a\.tif: mask is a TIFF with 32-bit unsigned integer samples/);
  });
});

const monuseg = path.join(dataDir(), 'monuseg', 'train');
const hasMonuseg = existsSync(path.join(monuseg, 'images'));
if (!hasMonuseg) console.warn(`read-image-mask-folder-corrupt.test: real-data test skipped, ${monuseg} is absent`);

describe.skipIf(!hasMonuseg)('readImageMaskFolder on a corrupted copy of a real MoNuSeg tile (../shared/data/monuseg)', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('refuses a tile with one flipped bit and a mask cut short, naming each file', async () => {
    const [a, b] = readdirSync(path.join(monuseg, 'images')).sort();
    const copy = (name: string, sub: string, edit: (buf: Buffer) => void) => corruptCopy(path.join(monuseg, sub, name), path.join(dir, sub, name), edit);
    copy(a, 'images', (buf) => (buf[Math.floor(buf.length / 2)] ^= 0x01));
    copy(a, 'masks', () => undefined);
    copy(b, 'images', () => undefined);
    const cut = copy(b, 'masks', () => undefined);
    writeFileSync(cut, readFileSync(cut).subarray(0, 5000));
    const warnings: string[] = [];
    const res = await readImageMaskFolder(path.join(dir, 'images'), path.join(dir, 'masks'), { skipBad: true, onWarning: (w) => warnings.push(w) });
    expect(res.slices).toHaveLength(0);
    expect(warnings[0]).toMatch(new RegExp(`images/${escape(a)}: cannot decode image \\(corrupt, truncated or unsupported file: .+\\) \\(skipped\\)$`));
    expect(warnings[1]).toMatch(new RegExp(`masks/${escape(b)}: cannot decode mask \\(corrupt, truncated or unsupported file: .+\\) \\(skipped\\)$`));
  });
});
