import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  parseConfigInput,
  parseFlagValues,
  readConfigFile,
  resolveConfig,
  resolvedLearningRate,
  resolvedPatchSize,
  usesPatches,
  usesTeacher,
  type Method,
  TRAIN_OPTIONS,
  TrainConfigSchema,
  migrateLegacyConfig,
  optionsMarkdownTable,
} from './config';
import { DEFAULT_SEMI_AGCL_OPTIONS, resolveSemiAgclOptions, type SemiAgclOptions } from '@agcl/semi-agcl';
import { semiAgclOptionsOf } from './semi-options';
import { readRunConfig } from './evaluate-run';
import { UsageError } from './usage-error';
import { tempDir } from './test-utils/helpers';

describe('config', () => {
  it('defaults follow docs/method.md for the loss weights and temperatures', () => {
    const c = resolveConfig();
    expect(c).toMatchObject({
      consistencyWeight: 0.1,
      contrastiveWeight: 0.1,
      affinityWeight: 0.1,
      emaDecay: 0.99,
      temperature: 0.1,
      graphTemperature: 0.2,
      threshold: 0.8,
      delta: 0.2,
      beta: 0.5,
      samplesPerClass: 16,
      maxPatches: 256,
      noiseStd: 0.1,
      noiseClip: 0.2,
      method: 'semi-agcl',
      dataset: 'synthetic',
    });
    expect(resolvedPatchSize({ patchSize: null, size: 128 })).toBe(16);
    expect(resolvedLearningRate({ lr: null, optimizer: 'sgd' })).toBe(0.01);
    expect(resolvedLearningRate({ lr: null, optimizer: 'adam' })).toBe(0.003);
  });

  it('ablations switch exactly one part off', () => {
    const step = (method: Method) => resolveSemiAgclOptions(semiAgclOptionsOf(resolveConfig({ method })));
    const parts = (o: SemiAgclOptions) => [o.entropy.beta, o.weights.affinity, o.weights.contrastive, o.sampler.mode];
    expect(parts(step('semi-agcl'))).toEqual([0.5, 0.1, 0.1, 'entropy']);
    expect(parts(step('semi-agcl:no-intensity'))).toEqual([0, 0.1, 0.1, 'entropy']);
    expect(parts(step('semi-agcl:no-ag'))).toEqual([0.5, 0, 0.1, 'entropy']);
    expect(parts(step('semi-agcl:no-contrast'))).toEqual([0.5, 0.1, 0, 'entropy']);
    expect(parts(step('semi-agcl:uniform'))).toEqual([0.5, 0.1, 0.1, 'uniform']);
    expect(usesTeacher('supervised')).toBe(false);
    expect(usesTeacher('mean-teacher')).toBe(true);
    expect(usesPatches('mean-teacher')).toBe(false);
  });

  it('flags override the config file', () => {
    const c = resolveConfig({ steps: 10, lr: 0.5 }, parseFlagValues({ steps: '20' }));
    expect(c.steps).toBe(20);
    expect(c.lr).toBe(0.5);
  });

  it('parses flag strings into numbers and lists', () => {
    expect(parseFlagValues({ labeledPatients: '3', channels: '4,8,16', method: 'full' })).toEqual({
      labeledPatients: 3,
      channels: [4, 8, 16],
      method: 'full',
    });
  });

  it.each([
    [{ steps: '0' }, "'--steps' steps must be >= 1"],
    [{ steps: 'ten' }, "option '--steps': expected a number, got 'ten'"],
    [{ method: 'magic' }, "'--method' method must be one of supervised, full, mean-teacher, semi-agcl"],
    [{ batch: '2.5' }, "'--batch' expected integer, got float"],
    [{ labeledFraction: '1.5' }, "'--labeled-fraction' labeledFraction must be in (0, 1]"],
    [{ backend: 'gpu' }, "'--backend' backend must be one of auto, wasm, cpu, tensorflow, webgpu"],
  ])('rejects bad flag %j', (flags, message) => {
    expect(() => parseFlagValues(flags)).toThrow(UsageError);
    expect(() => parseFlagValues(flags)).toThrow(message);
  });

  it('rejects a size that is not a multiple of 2^depth, naming the rule', () => {
    expect(() => resolveConfig({ size: 60 })).toThrow("option '--size' must be a multiple of 2^depth = 8");
    expect(() => resolveConfig({ size: 62, channels: [4, 8, 16] })).toThrow('2^depth = 4');
    expect(resolveConfig({ size: 60, channels: [4, 8, 16], patchSize: 4, method: 'supervised' }).size).toBe(60);
  });

  it('rejects a missing data folder with its path', () => {
    expect(() => resolveConfig({ dataset: 'acdc' })).toThrow('--dataset acdc needs --data-dir <folder>');
    expect(() => resolveConfig({ dataset: 'acdc', dataDir: '/no/such/acdc' })).toThrow('--data-dir: folder not found: /no/such/acdc');
  });

  it('rejects --labeled-patients together with --labeled-fraction', () => {
    expect(() => resolveConfig({ labeledPatients: 3, labeledFraction: 0.1 })).toThrow('exclude each other');
  });

  it('rejects unknown keys in a config file and lists the known ones', () => {
    const dir = tempDir();
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ steps: 5, stpes: 6, lambda: 1 }));
    expect(() => readConfigFile(file)).toThrow(`${file}: unknown options 'stpes', 'lambda' (known: dataset,`);
    writeFileSync(file, '{ steps: 5');
    expect(() => readConfigFile(file)).toThrow('not valid JSON');
    writeFileSync(file, JSON.stringify({ steps: '5' }));
    expect(() => readConfigFile(file)).toThrow(`${file}: 'steps' expected number, got string`);
    expect(() => readConfigFile(path.join(dir, 'none.json'))).toThrow('--config: file not found');
    expect(() => parseConfigInput([1, 2])).toThrow('expected a JSON object of options, got an array');
  });

  it('every default is itself a valid input', () => {
    expect(() => parseConfigInput(DEFAULT_CONFIG)).not.toThrow();
  });

  it('takes --init and --labeled-order, and rejects other values naming the flag', () => {
    expect(resolveConfig().init).toBe('pytorch');
    expect(resolveConfig().labeledOrder).toBeNull();
    expect(parseFlagValues({ init: 'he', labeledOrder: 'sorted' })).toEqual({ init: 'he', labeledOrder: 'sorted' });
    expect(() => parseFlagValues({ init: 'xavier' })).toThrow(UsageError);
    expect(() => parseFlagValues({ labeledOrder: 'random' })).toThrow(/--labeled-order/);
  });
});

describe('one source of truth for the options', () => {
  it('the defaults, the schema and the flags come from TRAIN_OPTIONS; the method defaults from @agcl/semi-agcl', () => {
    expect(Object.keys(DEFAULT_CONFIG).sort()).toEqual(Object.keys(TRAIN_OPTIONS).sort());
    expect(Object.keys(TrainConfigSchema.shape).sort()).toEqual(Object.keys(TRAIN_OPTIONS).sort());
    const m = DEFAULT_SEMI_AGCL_OPTIONS;
    expect([DEFAULT_CONFIG.consistencyWeight, DEFAULT_CONFIG.samplerDraw, DEFAULT_CONFIG.graphTemperature, DEFAULT_CONFIG.teacherForward]).toEqual([
      m.weights.consistency,
      m.sampler.draw,
      m.affinity.temperature,
      m.teacher.forward,
    ]);
    // the step sees exactly the defaults of the package when no option is given
    const { method, ...rest } = resolveSemiAgclOptions(semiAgclOptionsOf(resolveConfig()));
    expect(method.name).toBe('semi-agcl');
    expect(rest).toEqual(DEFAULT_SEMI_AGCL_OPTIONS);
  });

  it("the trainer README's option table is the generated one", () => {
    const readme = readFileSync(path.resolve(__dirname, '../README.md'), 'utf8');
    expect(readme).toContain(`<!-- options:start (generated: pnpm --filter @agcl/trainer options-table) -->\n${optionsMarkdownTable()}\n<!-- options:end -->`);
  });

  it('renames the legacy loss-weight keys of an old config.json and drops the old test hook', () => {
    const { config, renamed } = migrateLegacyConfig({ steps: 5, lambdaCons: 0.3, lambdaCon: 0.2, lambdaAg: 0, nanAtStepForTest: null });
    expect(config).toEqual({ steps: 5, consistencyWeight: 0.3, contrastiveWeight: 0.2, affinityWeight: 0 });
    expect(renamed).toEqual(['lambdaCons -> consistencyWeight', 'lambdaCon -> contrastiveWeight', 'lambdaAg -> affinityWeight', 'nanAtStepForTest (dropped)']);
    // agcl eval and predict read an old run folder's config.json the same way
    const run = tempDir();
    writeFileSync(path.join(run, 'config.json'), JSON.stringify({ method: 'semi-agcl:no-ag', lambdaAg: 0, lambdaCon: 0.3, nanAtStepForTest: null }));
    const c = readRunConfig(run);
    expect([c.method, c.affinityWeight, c.contrastiveWeight]).toEqual(['semi-agcl:no-ag', 0, 0.3]);
  });
});
