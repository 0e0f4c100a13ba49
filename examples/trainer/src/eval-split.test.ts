import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@agcl/backend';
import { readAcdcH5 } from '@agcl/datasets';
import { evaluateRun, readRunConfig } from './evaluate-run';
import { loadEvalCases } from './training-data';
import { evaluateVolumes } from './evaluation';
import { loadCheckpoint } from './checkpoint';
import { runPaths } from './run-folder';
import { train } from './train';
import { ACDC_FIXTURE, writeAcdcFixture } from './test-utils/acdc-fixture';
import { runMain as cli } from './test-utils/cli';
import { captureStream, tempDir, tinyConfig } from './test-utils/helpers';
// a truncated copy of a fixture volume: the datasets package's own corrupt-copy helper
import { corruptCopy, pattern, writeH5, writePng } from '../../../packages/datasets/src/test-utils/fixtures';

// `agcl eval` on cases the model never saw: ACDC's test.list, any list file, another data folder.
describe('agcl eval --split test, --list, --data-dir', () => {
  const base = tempDir('agcl-eval-split-');
  const acdc = path.join(base, 'acdc');
  const site2 = path.join(base, 'site2');
  const run = path.join(base, 'run');
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    await writeAcdcFixture(acdc);
    // another folder: the same test volumes under other names, and a corrupt one
    mkdirSync(path.join(site2, 'data'), { recursive: true });
    for (const [i, name] of ACDC_FIXTURE.test.entries()) copyFileSync(path.join(acdc, 'data', `${name}.h5`), path.join(site2, 'data', `site2_case${i}.h5`));
    writeFileSync(path.join(site2, 'test.list'), 'site2_case0\nsite2_case1\n');
    writeFileSync(path.join(site2, 'val.list'), 'site2_case0\n');
    const good = path.join(acdc, 'data', `${ACDC_FIXTURE.test[0]}.h5`);
    corruptCopy(good, path.join(site2, 'data', 'cut.h5'), (b) => b.fill(0, Math.floor(b.length / 2)));
    writeFileSync(path.join(site2, 'cut.list'), 'site2_case0\ncut\n');
    const { image, label } = pattern(4, 4, 8);
    await writeH5(path.join(site2, 'data', 'classes.h5'), image, label, [1, 4, 4]);
    writeFileSync(path.join(site2, 'classes.list'), 'classes\n');
    await train({
      config: tinyConfig({ dataset: 'acdc', dataDir: acdc, size: 16, channels: [4, 8], method: 'supervised', labeledPatients: 1, steps: 2, valEvery: 2, out: run }),
      stream: captureStream(),
      skipBackendInit: true,
      report: false,
    });
  });

  it('--split test: every test.list volume per case and the mean, to CSV and JSON, equal to scoring them directly', async () => {
    const r = await cli(['eval', '--run', run, '--checkpoint', 'last', '--split', 'test', '--backend', 'wasm']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`last checkpoint (step 2) on 2 test volumes of ${acdc} (test.list)`);
    const json = JSON.parse(readFileSync(path.join(runPaths(run).evalDir, 'last-test.json'), 'utf8'));
    expect(json.cases.map((c: { caseId: string }) => c.caseId)).toEqual([...ACDC_FIXTURE.test]);
    expect([json.split, json.list, json.dataDir]).toEqual(['test', null, acdc]);
    const csv = readFileSync(path.join(runPaths(run).evalDir, 'last-test.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('case,class,dice,jaccard,hd95,asd');
    expect(csv).toHaveLength(1 + 2 * 4); // 2 volumes x (3 classes + mean)
    // the same numbers as scoring the volumes readAcdcH5 reads from test.list with the checkpoint
    const { volumes = [] } = await readAcdcH5(acdc, { split: 'test' });
    const ckpt = await loadCheckpoint(runPaths(run).last, { teacher: false });
    const direct = await evaluateVolumes(ckpt.student, volumes, { size: 16, numClasses: 4, kind: 'cardiac', classNames: ['RV', 'Myo', 'LV'] });
    ckpt.student.dispose();
    expect(JSON.parse(JSON.stringify(direct.cases))).toEqual(json.cases);
    expect(JSON.parse(JSON.stringify(direct.summary))).toEqual(json.summary);
  });

  it('--list: a list file of any name gives the same per-case numbers; --split <name> reads <name>.list', async () => {
    const list = path.join(base, 'mine.list');
    writeFileSync(list, `${ACDC_FIXTURE.test[1]}\n${ACDC_FIXTURE.test[0]}\n`);
    const listed = await evaluateRun({ run, checkpoint: 'last', list, skipBackendInit: true, quiet: true });
    expect(path.basename(listed.json)).toBe('last-list-mine.json');
    const test = await evaluateRun({ run, checkpoint: 'last', split: 'test', skipBackendInit: true, quiet: true });
    expect(listed.cases).toEqual([test.cases[1], test.cases[0]]);
    // train.list-style names of the folder: <name>.list
    writeFileSync(path.join(acdc, 'held.list'), `${ACDC_FIXTURE.test[0]}\n`);
    const held = await evaluateRun({ run, checkpoint: 'last', split: 'held', skipBackendInit: true, quiet: true });
    expect(held.cases).toEqual([test.cases[0]]);
  });

  it('--data-dir: another folder of the same layout; the files are named after it', async () => {
    const r = await cli(['eval', '--run', run, '--checkpoint', 'last', '--data-dir', site2, '--split', 'test', '--backend', 'wasm']);
    expect(r.code).toBe(0);
    const other = JSON.parse(readFileSync(path.join(runPaths(run).evalDir, 'last-site2-test.json'), 'utf8'));
    const own = JSON.parse(readFileSync(path.join(runPaths(run).evalDir, 'last-test.json'), 'utf8'));
    expect(other.dataDir).toBe(site2);
    expect(other.cases.map((c: { caseId: string }) => c.caseId)).toEqual(['site2_case0', 'site2_case1']);
    expect(other.cases.map((c: { classes: unknown }) => c.classes)).toEqual(own.cases.map((c: { classes: unknown }) => c.classes));
    // val of the other folder (its val.list)
    const val = await evaluateRun({ run, checkpoint: 'last', dataDir: site2, skipBackendInit: true, quiet: true });
    expect(path.basename(val.csv)).toBe('last-site2-val.csv');
    expect(val.cases.map((c) => c.caseId)).toEqual(['site2_case0']);
  });

  it.each([
    [['--split', 'nope'], `agcl: --split nope: list file not found: ${path.join('ACDC', 'nope.list')}`],
    [['--list', '/no/such.list'], 'agcl: --list: list file not found: /no/such.list'],
    [['--split', 'test', '--list', '/x.list'], 'agcl: --split and --list exclude each other: give one'],
    [['--split', '../up'], "agcl: --split: expected a split name such as val or test; got '../up'"],
    [['--data-dir', '/no/such/folder'], 'agcl: --data-dir: folder not found: /no/such/folder'],
    [['--data-dir', 'SITE2', '--list', 'SITE2/cut.list'], "agcl: eval: SITE2/data/cut.h5: corrupt dataset 'image'"],
    [['--data-dir', 'SITE2', '--split', 'classes'], "agcl: eval: SITE2/data/classes.h5: dataset 'label' value 4 at index 11 is outside the class range 0..3"],
  ])('eval %j exits 2 naming the option or file', async (args, message) => {
    const fill = (s: string) => s.replace('ACDC', acdc).replace(/SITE2/g, site2);
    const r = await cli(['eval', '--run', run, '--checkpoint', 'last', '--backend', 'wasm', ...args.map(fill)]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(fill(message));
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a synthetic run has only its val split and no data folder', async () => {
    const synth = path.join(base, 'synth');
    await train({ config: tinyConfig({ method: 'supervised', steps: 1, valEvery: 1, size: 16, channels: [4, 8], out: synth }), stream: captureStream(), skipBackendInit: true, report: false });
    const t = await cli(['eval', '--run', synth, '--split', 'test']);
    expect([t.code, t.err]).toEqual([2, "agcl: --split test: the run trained on synthetic phantoms, which have only the 'val' split\n"]);
    const d = await cli(['eval', '--run', synth, '--data-dir', acdc]);
    expect(d.code).toBe(2);
    expect(d.err).toContain(`agcl: --data-dir ${acdc}: the run trained on synthetic phantoms, which have no data folder`);
    expect(existsSync(path.join(runPaths(synth).evalDir, 'best-test.csv'))).toBe(false);
  });

  it('image + mask folders: --split <name> reads <name>/images and <name>/masks', async () => {
    const root = path.join(base, 'glands');
    for (const name of ['a', 'b']) {
      await writePng(path.join(root, 'test', 'images', `${name}.png`), new Uint8Array(4 * 4 * 3).fill(90), 4, 4, 3);
      await writePng(path.join(root, 'test', 'masks', `${name}.png`), Uint8Array.from({ length: 16 }, (_, i) => (i % 3 ? 0 : 255)), 4, 4, 1);
    }
    const config = { ...readRunConfig(run), dataset: 'folder' as const, dataDir: root };
    const test = await loadEvalCases(config, { split: 'test' });
    expect(test.volumes.map((v) => [v.id, v.depth, v.height, v.width, v.label.reduce((a, b) => a + b, 0)])).toEqual([['a', 1, 4, 4, 6], ['b', 1, 4, 4, 6]]);
    await expect(loadEvalCases(config, { split: 'extra' })).rejects.toThrow(`--split extra: ${root} has no extra/images and extra/masks folders`);
    await expect(loadEvalCases(config, { split: 'test', list: 'x.list' })).rejects.toThrow('--list x.list: list files are read for ACDC-layout data');
  });
});
