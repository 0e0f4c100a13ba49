import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { polyLearningRate } from '@agcl/mean-teacher';
import { readJsonl, runPaths } from './run-folder';
import { train } from './train';
import { writeAcdcFixture } from './test-utils/acdc-fixture';
import { runMain as cli } from './test-utils/cli';
import { captureStream, tempDir, tinyConfig } from './test-utils/helpers';

/** A supervised run of 2 steps at 16x16 on 4 synthetic patients, checkpoint at step 2. */
const TINY = ['--backend', 'wasm', '--method', 'supervised', '--size', '16', '--channels', '4,8', '--batch', '2', '--synthetic-cases', '4',
  '--synthetic-slices-per-case', '2', '--synthetic-val-cases', '1', '--labeled-patients', '2', '--steps', '2', '--val-every', '2', '--no-report'];

describe('agcl train --out: a run folder is never mixed with another run', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('refuses a folder that holds a run unless --resume or --overwrite; --overwrite removes only the run files', async () => {
    const out = path.join(tempDir(), 'run');
    expect((await cli(['train', ...TINY, '--out', out])).code).toBe(0);
    const metrics = readFileSync(runPaths(out).metrics, 'utf8');
    const again = await cli(['train', ...TINY, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.err).toBe(`agcl: --out ${out}: the folder already holds a run (config.json, metrics.jsonl, checkpoints); pass --resume ${out} to continue it or --overwrite to replace it\n`);
    expect(readFileSync(runPaths(out).metrics, 'utf8')).toBe(metrics);
    writeFileSync(path.join(out, 'notes.txt'), 'mine');
    const over = await cli(['train', ...TINY, '--steps', '3', '--out', out, '--overwrite']);
    expect(over.code).toBe(0);
    expect(over.out).toContain(`--overwrite: removed the earlier run in ${out}`);
    expect(readJsonl<{ step: number }>(runPaths(out).metrics).map((r) => r.step)).toEqual([1, 2, 3]);
    expect(readJsonl<{ step: number }>(runPaths(out).val).map((r) => r.step)).toEqual([2, 3]);
    expect(readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
    const both = await cli(['train', '--resume', out, '--overwrite']);
    expect([both.code, both.err]).toEqual([2, 'agcl: --resume and --overwrite exclude each other: --resume continues the run, --overwrite replaces it\n']);
  });

  it('--out naming a file, or a folder inside a file, is refused naming --out', async () => {
    const file = path.join(tempDir(), 'file.txt');
    writeFileSync(file, 'x');
    const a = await cli(['train', ...TINY, '--out', file]);
    expect([a.code, a.err]).toEqual([2, `agcl: --out ${file}: is a file, not a folder\n`]);
    const b = await cli(['train', ...TINY, '--out', path.join(file, 'run')]);
    expect([b.code, b.err]).toEqual([2, `agcl: --out ${path.join(file, 'run')}: ${file} is a file, not a folder\n`]);
  });

  it('an error before training leaves no folder behind (bad data folder, corrupt data, a step that cannot be built)', async () => {
    const base = tempDir();
    const empty = path.join(base, 'empty');
    mkdirSync(empty);
    const a = await cli(['train', ...TINY, '--dataset', 'acdc', '--data-dir', empty, '--out', path.join(base, 'a')]);
    expect([a.code, a.err]).toEqual([2, `agcl: --data-dir ${empty}: not the ACDC HDF5 layout (missing train_slices.list)\n`]);
    const acdc = path.join(base, 'acdc');
    await writeAcdcFixture(acdc);
    writeFileSync(path.join(acdc, 'data', 'patient002_frame01_slice_1.h5'), 'not hdf5');
    const b = await cli(['train', ...TINY, '--dataset', 'acdc', '--data-dir', acdc, '--labeled-patients', '1', '--out', path.join(base, 'b')]);
    expect(b.code).toBe(2);
    expect(b.err).toContain(`agcl: readAcdcH5: ${path.join(acdc, 'data', 'patient002_frame01_slice_1.h5')}: `);
    // the folder exists once data is read: an error building the step removes it again
    const c = await cli(['train', ...TINY, '--out', path.join(base, 'c')], { stepHooks: { extraTerms: { supervised: { weight: 1, loss: () => tf.scalar(0) } } } });
    expect(c.code).toBe(1);
    expect(c.err).toContain("agcl: SemiAgcl: extra term 'supervised' has the name of a built-in term");
    for (const d of ['a', 'b', 'c']) expect(existsSync(path.join(base, d)), d).toBe(false);
  });

  it('--no-report is kept in run.json: the resumed run writes no report either', async () => {
    const out = path.join(tempDir(), 'quiet');
    const config = tinyConfig({ method: 'supervised', size: 16, channels: [4, 8], steps: 3, valEvery: 1, out });
    const first = await train({ config, report: false, stopAfterSteps: 1, stream: captureStream(), skipBackendInit: true });
    expect(first.status).toBe('interrupted');
    expect(JSON.parse(readFileSync(runPaths(out).run, 'utf8'))).toEqual({ report: false });
    const second = await train({ resume: out, stream: captureStream(), skipBackendInit: true });
    expect(second.status).toBe('completed');
    expect(existsSync(runPaths(out).reportHtml)).toBe(false);
    expect(existsSync(runPaths(out).reportMd)).toBe(false);
  });

  it('resuming with a larger --steps says that the learning rate jumps, and by how much', async () => {
    const out = path.join(tempDir(), 'longer');
    await train({ config: tinyConfig({ method: 'supervised', size: 16, channels: [4, 8], steps: 2, valEvery: 2, lr: 0.01, out }), report: false, stream: captureStream(), skipBackendInit: true });
    const stream = captureStream();
    await train({ resume: out, config: { steps: 4 }, report: false, stream, skipBackendInit: true });
    const to = Number(polyLearningRate(0.01, 2, 4).toPrecision(3));
    expect(stream.text()).toContain(`note: --steps 4 (the run had 2): the poly learning-rate schedule now decays to step 4, so at step 2 the learning rate jumps from 0 to ${to}`);
    const lrs = readJsonl<{ step: number; lr: number }>(runPaths(out).metrics).map((r) => r.lr);
    expect(lrs[2]).toBeCloseTo(polyLearningRate(0.01, 2, 4), 12); // step 3 runs at the stretched schedule
  });

  it('a non-finite number for a numeric flag is one line with the agcl: prefix; so is every line of a bad config file', async () => {
    const inf = await cli(['train', '--lr', 'Infinity']);
    expect([inf.code, inf.err]).toEqual([2, "agcl: option '--lr': expected a finite number, got 'Infinity'\n"]);
    const file = path.join(tempDir(), 'bad.json');
    writeFileSync(file, '{"lr": 1e400, "steps": 0}');
    const bad = await cli(['train', '--config', file]);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(`agcl: ${file}: 'steps' steps must be >= 1\nagcl: ${file}: 'lr' lr must be finite\n`);
  });
});
