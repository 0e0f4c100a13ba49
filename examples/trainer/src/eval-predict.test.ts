import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { syntheticCardiacDataset } from '@agcl/datasets';
import { loadCheckpoint } from './checkpoint';
import { evaluateRun } from './evaluate-run';
import { segmentVolume } from './inference';
import { predict, readImageFile } from './predict';
import { runPaths } from './run-folder';
import { train } from './train';
import { main } from './run-cli';
import { captureStream, tempDir, tinyConfig } from './test-utils/helpers';

/** Dice of class c, float64, by definition 2|P∩T| / (|P| + |T|). */
function diceRef(pred: ArrayLike<number>, target: ArrayLike<number>, c: number): number {
  let tp = 0;
  let p = 0;
  let t = 0;
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] === c) p++;
    if (target[i] === c) t++;
    if (pred[i] === c && target[i] === c) tp++;
  }
  return p + t === 0 ? Number.NaN : (2 * tp) / (p + t);
}

describe('eval and predict', () => {
  let run: string;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    run = path.join(tempDir(), 'run');
    await train({ config: tinyConfig({ method: 'supervised', steps: 20, valEvery: 10, lr: 0.01, out: run }), stream: captureStream(), skipBackendInit: true, report: false });
  });

  it('eval --recalibrate-bn: re-estimates the statistics on the labeled images, writes its own files, leaves the checkpoint', async () => {
    const before = readFileSync(path.join(runPaths(run).last, 'state.json'), 'utf8');
    const stream = captureStream();
    const result = await evaluateRun({ run, checkpoint: 'last', recalibrateBn: true, skipBackendInit: true, stream });
    expect(result.json.endsWith('last-val-recalibrated.json')).toBe(true);
    expect(JSON.parse(readFileSync(result.json, 'utf8')).recalibratedBn).toBe(true);
    expect(stream.text()).toMatch(/batch-norm statistics re-estimated without dropout on \d+ labeled training images/);
    expect(readFileSync(path.join(runPaths(run).last, 'state.json'), 'utf8')).toBe(before);
  });

  it('with the default training (statistics re-estimated before each saved checkpoint), inference-mode eval equals eval --recalibrate-bn', async () => {
    const plain = await evaluateRun({ run, checkpoint: 'last', skipBackendInit: true, stream: captureStream() });
    const recal = await evaluateRun({ run, checkpoint: 'last', recalibrateBn: true, skipBackendInit: true, stream: captureStream() });
    for (const k of ['RV', 'Myo', 'LV', 'mean']) expect(Math.abs(plain.summary[k].dice - recal.summary[k].dice)).toBeLessThan(1e-6);
  });

  it('eval: per-case and mean metrics per class, matching an independent Dice', async () => {
    const stream = captureStream();
    const result = await evaluateRun({ run, checkpoint: 'last', skipBackendInit: true, stream });
    expect(result.cases.length).toBe(2);
    expect(result.metricNames).toEqual(['dice', 'jaccard', 'hd95', 'asd']);
    expect(Object.keys(result.summary)).toEqual(['RV', 'Myo', 'LV', 'mean']);
    // recompute the Dice of each case and class from the checkpoint's own predictions
    const { val } = syntheticCardiacDataset({ cases: 6, valCases: 2, slicesPerCase: 2, size: 32, seed: 1337 });
    const ckpt = await loadCheckpoint(runPaths(run).last, { teacher: false });
    for (const [i, volume] of val.entries()) {
      const pred = await segmentVolume(ckpt.student, volume, { size: 32, numClasses: 4 });
      ['RV', 'Myo', 'LV'].forEach((name, k) => {
        const ref = diceRef(pred, volume.label, k + 1);
        const got = result.cases[i].classes[name].dice;
        if (Number.isNaN(ref)) expect(got).toBeNaN();
        else expect(got).toBeCloseTo(ref, 10);
        // Jaccard = Dice / (2 - Dice)
        if (!Number.isNaN(ref)) expect(result.cases[i].classes[name].jaccard).toBeCloseTo(ref / (2 - ref), 10);
      });
    }
    ckpt.student.dispose();
    const csv = readFileSync(result.csv, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('case,class,dice,jaccard,hd95,asd');
    expect(csv).toHaveLength(1 + 2 * 4);
    const json = JSON.parse(readFileSync(result.json, 'utf8'));
    expect(json.checkpoint).toBe('last');
    expect(json.step).toBe(20);
    expect(stream.text()).toMatch(/mean \(2 cases\)\s+\d\.\d{4} \+- /);
  });

  it('predict: a mask and an overlay PNG per image, equal to the in-memory segmentation', async () => {
    const { train: slices } = syntheticCardiacDataset({ cases: 2, slicesPerCase: 1, size: 48, seed: 5 });
    const inDir = path.join(tempDir(), 'in');
    mkdirSync(inDir);
    const s = slices[0];
    const grey = Buffer.from(Uint8Array.from(s.image, (v) => Math.round(v * 255)));
    await sharp(grey, { raw: { width: 48, height: 48, channels: 1 } }).png().toFile(path.join(inDir, 'a.png'));
    const out = path.join(tempDir(), 'pred');
    const files = await predict({ run, input: [inDir], out, checkpoint: 'last', skipBackendInit: true, stream: captureStream() });
    expect(files.map((f) => path.basename(f))).toEqual(['a_mask.png', 'a_overlay.png']);
    expect((await sharp(path.join(out, 'a_mask.png')).metadata()).channels).toBe(1);
    const { data, info } = await sharp(path.join(out, 'a_mask.png')).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([48, 48, 1]);
    const ckpt = await loadCheckpoint(runPaths(run).last, { teacher: false });
    const image = Float32Array.from(grey, (v) => v / 255);
    const expected = await segmentVolume(ckpt.student, { image, depth: 1, height: 48, width: 48, channels: 1 }, { size: 32, numClasses: 4 });
    ckpt.student.dispose();
    expect(Buffer.from(data).equals(Buffer.from(expected))).toBe(true);
    const overlay = await sharp(path.join(out, 'a_overlay.png')).metadata();
    expect(overlay.channels).toBe(3);
  });

  it('predict reads images with decodeImage: alpha dropped, grey to RGB, RGB to luma', async () => {
    const dir = tempDir();
    const rgba = Buffer.from([255, 0, 0, 9, 0, 255, 0, 9, 0, 0, 255, 9, 10, 20, 30, 9]);
    await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } }).png().toFile(path.join(dir, 'rgba.png'));
    const rgb = await readImageFile(path.join(dir, 'rgba.png'), 3);
    expect([rgb.height, rgb.width, rgb.channels]).toEqual([2, 2, 3]);
    expect([...rgb.image]).toEqual([...Float32Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30], (v) => v / 255)]);
    const luma = await readImageFile(path.join(dir, 'rgba.png'), 1);
    expect([...luma.image]).toEqual([...Float32Array.from([0.299 * 255, 0.587 * 255, 0.114 * 255, 0.299 * 10 + 0.587 * 20 + 0.114 * 30], (v) => v / 255)]);
    await sharp(Buffer.from([0, 128, 255, 7]), { raw: { width: 2, height: 2, channels: 1 } }).png().toFile(path.join(dir, 'grey.png'));
    expect([...(await readImageFile(path.join(dir, 'grey.png'), 3)).image.subarray(3, 6)]).toEqual([...Float32Array.from([128, 128, 128], (v) => v / 255)]);
    await expect(readImageFile(path.join(dir, 'grey.png'), 2)).rejects.toThrow('the model expects 2 channels');
  });

  it('predict: an HDF5 volume gives one mask per slice', async () => {
    const h5 = path.resolve(__dirname, '../../../../shared/data/acdc/data/patient028_frame01.h5');
    if (!existsSync(h5)) {
      console.warn(`skipping the HDF5 predict check: ${h5} is absent`);
      return;
    }
    const out = path.join(tempDir(), 'pred3d');
    const files = await predict({ run, input: [h5], out, checkpoint: 'last', skipBackendInit: true, stream: captureStream() });
    expect(files.length % 2).toBe(0);
    expect(files[0]).toBe(path.join(out, 'patient028_frame01', 'slice_000_mask.png'));
  });

  it('command line: eval and predict, and clear errors', async () => {
    const stdout = captureStream();
    const stderr = captureStream();
    expect(await main(['eval', '--run', run, '--checkpoint', 'best', '--backend', 'wasm'], { stdout, stderr })).toBe(0);
    expect(existsSync(path.join(runPaths(run).evalDir, 'best-val.csv'))).toBe(true);
    const e1 = captureStream();
    expect(await main(['eval', '--run', '/no/such/run'], { stdout: captureStream(), stderr: e1 })).toBe(2);
    expect(e1.text()).toContain('agcl: --run /no/such/run: not a run folder (missing config.json)');
    const e2 = captureStream();
    expect(await main(['predict', '--run', run, '--input', '/no/such.png', '--out', tempDir()], { stdout: captureStream(), stderr: e2 })).toBe(2);
    expect(e2.text()).toContain('--input: not found: /no/such.png');
    const bad = path.join(tempDir(), 'x.txt');
    writeFileSync(bad, 'x');
    const e3 = captureStream();
    expect(await main(['predict', '--run', run, '--input', bad, '--out', tempDir()], { stdout: captureStream(), stderr: e3 })).toBe(2);
    expect(e3.text()).toContain("unsupported file type '.txt'");
  });
});
