import { readFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import { METHOD_NAMES, SAMPLER_DRAWS, TEACHER_FORWARDS, methodSpec, resolvedPatchSize as patchSizeFor, type MethodName } from '@agcl/semi-agcl';
import { UsageError } from './usage-error';

/** Training methods: the baselines and Semi-AGCL with each part removable (`METHODS` of `@agcl/semi-agcl`). */
export const METHODS = METHOD_NAMES;
/** One of {@link METHODS}. */
export type Method = MethodName;

/** Dataset kinds the trainer reads. */
export const DATASETS = ['synthetic', 'acdc', 'crag', 'glas', 'folder'] as const;
/** One of {@link DATASETS}. */
export type DatasetKind = (typeof DATASETS)[number];

/** Backends accepted by `--backend` (see `@agcl/backend`). */
export const BACKENDS = ['auto', 'wasm', 'cpu', 'tensorflow', 'webgpu'] as const;
/** Optimisers accepted by `--optimizer`. */
export const OPTIMIZERS = ['sgd', 'adam'] as const;
/** Orders of the training cases from which `--labeled-patients` takes the first ones. */
export const LABELED_ORDERS = ['list', 'sorted'] as const;

/** Weight initialisations accepted by `--init` (see `UNetConfig.init` of `@agcl/unet`). */
export const INIT_SCHEMES = ['pytorch', 'he'] as const;

/** Patch draws accepted by `--sampler-draw` (see `SamplePatchesOptions.draw` of `@agcl/sampler`). */
export { SAMPLER_DRAWS, TEACHER_FORWARDS };

/**
 * Training augmentation schemes accepted by `--augment-scheme` (with `--augment` on): 'agcl' = rot90,
 * flips and a bilinear rotation drawn independently (`augment` of `@agcl/datasets`); 'ssl4mis' =
 * SSL4MIS's RandomGenerator: rot90 + one flip (p 0.5), else a nearest-neighbour rotation (p 0.25), else
 * none (`augmentSsl4mis`).
 */
export const AUGMENT_SCHEMES = ['agcl', 'ssl4mis'] as const;

const int = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ invalid_type_error: `${name} must be a number` })
    .int(`${name} must be an integer`)
    .min(min, `${name} must be >= ${min}`)
    .max(max, `${name} must be <= ${max}`);
const num = (name: string, min: number, max: number, minExclusive = false) =>
  z
    .number({ invalid_type_error: `${name} must be a number` })
    .refine((v) => Number.isFinite(v), `${name} must be finite`)
    .refine((v) => (minExclusive ? v > min : v >= min) && v <= max, `${name} must be in ${minExclusive ? '(' : '['}${min}, ${max}]`);
const oneOf = <T extends readonly [string, ...string[]]>(name: string, values: T) =>
  z.enum(values, {
    errorMap: (issue, ctx) => ({
      message: `${name} must be one of ${values.join(', ')}; got ${JSON.stringify(ctx.data)}`,
    }),
  });

/**
 * Schema of every training option (all optional: missing ones take the defaults of
 * {@link DEFAULT_CONFIG}). Unknown keys are rejected. Used for `--config <file.json>` and for flags.
 */
export const TrainConfigSchema = z
  .object({
    dataset: oneOf('dataset', DATASETS),
    dataDir: z.string().min(1).nullable(),
    labeledPatients: int('labeledPatients', 1).nullable(),
    labeledFraction: num('labeledFraction', 0, 1, true).nullable(),
    labeledOrder: oneOf('labeledOrder', LABELED_ORDERS).nullable(),
    method: oneOf('method', METHODS),
    steps: int('steps', 1),
    batch: int('batch', 1, 256),
    size: int('size', 8, 4096),
    backend: oneOf('backend', BACKENDS),
    threads: int('threads', 1, 64).nullable(),
    seed: int('seed', 0, 2 ** 31 - 1),
    out: z.string().min(1).nullable(),
    valEvery: int('valEvery', 1),
    valCases: int('valCases', 1).nullable(),
    lr: num('lr', 0, 10, true).nullable(),
    optimizer: oneOf('optimizer', OPTIMIZERS),
    weightDecay: num('weightDecay', 0, 1),
    channels: z.array(int('channels[i]', 1, 1024)).min(2, 'channels must list at least 2 widths'),
    embeddingDim: int('embeddingDim', 1, 1024),
    augment: z.boolean(),
    lambdaCons: num('lambdaCons', 0, 1e3),
    lambdaCon: num('lambdaCon', 0, 1e3),
    lambdaAg: num('lambdaAg', 0, 1e3),
    rampupSteps: int('rampupSteps', 0),
    emaDecay: num('emaDecay', 0, 1),
    temperature: num('temperature', 0, 100, true),
    graphTemperature: num('graphTemperature', 0, 100, true),
    threshold: num('threshold', 0, 1),
    delta: num('delta', 0, 1),
    beta: num('beta', 0, 1),
    patchSize: int('patchSize', 1).nullable(),
    samplesPerClass: int('samplesPerClass', 1),
    samplerDraw: oneOf('samplerDraw', SAMPLER_DRAWS),
    teacherForward: oneOf('teacherForward', TEACHER_FORWARDS),
    augmentScheme: oneOf('augmentScheme', AUGMENT_SCHEMES),
    recalibrateBn: z.boolean(),
    init: oneOf('init', INIT_SCHEMES),
    maxPatches: int('maxPatches', 2),
    noiseStd: num('noiseStd', 0, 10),
    noiseClip: num('noiseClip', 0, 10),
    logEvery: int('logEvery', 1),
    syntheticCases: int('syntheticCases', 2),
    syntheticSlicesPerCase: int('syntheticSlicesPerCase', 1),
    syntheticValCases: int('syntheticValCases', 1),
  })
  .partial()
  .strict();

/** Options as given (file or flags): every key optional, validated by {@link TrainConfigSchema}. */
export type TrainConfigInput = z.infer<typeof TrainConfigSchema>;

/** The resolved training configuration, saved as `config.json` in every run folder. */
export interface TrainConfig {
  /** Data source. Default 'synthetic' (the cardiac phantom of `@agcl/datasets`). */
  dataset: DatasetKind;
  /** Folder of the real data (acdc: the SSL4MIS layout; folder/crag/glas: images/ + masks/). */
  dataDir: string | null;
  /** Number of labeled training patients (ACDC protocol: 3 = 5%, 7 = 10%). Default 4 of 20 synthetic ones, 7 for ACDC. */
  labeledPatients: number | null;
  /** Alternative to `labeledPatients`: fraction of the training patients (or images) that are labeled. */
  labeledFraction: number | null;
  /**
   * Which patients are the labeled ones: the first in 'list' order (as the data lists them: ACDC's
   * `train_slices.list`, which is what SSL4MIS labels: 3 patients = its first 68 slices) or in 'sorted'
   * order (by name). Default null: 'list' for ACDC, 'sorted' for the other datasets.
   */
  labeledOrder: (typeof LABELED_ORDERS)[number] | null;
  /** Training method. Default 'semi-agcl'. */
  method: Method;
  /** Optimisation steps. */
  steps: number;
  /** Labeled images per step (the unlabeled stream uses the same number). */
  batch: number;
  /** Square training size in pixels; a multiple of 2^(channels.length - 1). */
  size: number;
  /** Backend for `@agcl/backend`. */
  backend: (typeof BACKENDS)[number];
  /** Threads for the wasm backend (null: the backend's default). */
  threads: number | null;
  /** Seed of every random stream (init, batches, augmentation, dropout, noise, patch sampling). */
  seed: number;
  /** Run folder (null: `runs/<timestamp>-<method>`). */
  out: string | null;
  /** Validate every this many steps (and at the last step). */
  valEvery: number;
  /** Use only the first N validation volumes (null: all). */
  valCases: number | null;
  /** Base learning rate (null: 0.01 for sgd, 3e-3 for adam, tuned for short CPU runs). Poly decay (1 - t/T)^0.9. */
  lr: number | null;
  /** Optimiser. */
  optimizer: (typeof OPTIMIZERS)[number];
  /** L2 weight decay. Default 1e-4. */
  weightDecay: number;
  /** U-Net encoder widths (depth = length - 1). */
  channels: number[];
  /** Projection-head embedding size d. */
  embeddingDim: number;
  /** Random rot90/flip augmentation of both streams. */
  augment: boolean;
  /** Which augmentation (see {@link AUGMENT_SCHEMES}). Default 'agcl'. */
  augmentScheme: (typeof AUGMENT_SCHEMES)[number];
  /** lambda_cons: consistency weight. Default 0.1. */
  lambdaCons: number;
  /** lambda_con: patch-contrastive weight. Default 0.1. */
  lambdaCon: number;
  /** lambda_ag: affinity-graph weight. Default 0.1. */
  lambdaAg: number;
  /** T_r of the sigmoid ramp-up w(t) = exp(-5 (1 - t/T_r)^2). */
  rampupSteps: number;
  /** Maximum EMA decay of the teacher. Default 0.99. */
  emaDecay: number;
  /** Contrastive temperature tau. Default 0.1. */
  temperature: number;
  /** Affinity-graph temperature tau_g. Default 0.2. */
  graphTemperature: number;
  /** Target-graph edge threshold T. Default 0.8. */
  threshold: number;
  /** Class-collision guard delta for negatives. Default 0.2. */
  delta: number;
  /** Weight of the intensity term in the average patch entropy. Default 0.5. */
  beta: number;
  /** Patch size P = stride S (null: size / 8, i.e. 16 at 128x128 as in METHOD.md). */
  patchSize: number | null;
  /** Patches drawn per class. Default 16. */
  samplesPerClass: number;
  /**
   * How the sampler spreads a class's draws: 'pool' (METHOD.md: all from the batch-wide pool) or
   * 'stratified' (half from the patches of that pseudo-class, so small classes get positives).
   * Default 'pool'.
   */
  samplerDraw: (typeof SAMPLER_DRAWS)[number];
  /**
   * The teacher's forward mode (see {@link TEACHER_FORWARDS}). Default 'train', as SSL4MIS. 'eval'
   * (running statistics) is what a teacher whose batch-norm statistics are an EMA of the student's gets
   * wrong early on: on ACDC (3 patients, step 200) its Dice on labeled training slices was 0.00 against
   * 0.62 for 'train' and 0.63 for 'batch' (`experiments/acdc/diagnose-teacher.mjs`).
   */
  teacherForward: (typeof TEACHER_FORWARDS)[number];
  /**
   * Before every validation, re-estimate the student's batch-norm running statistics without dropout
   * on (up to 256 of) the labeled training slices, so that validation, the choice of the best
   * checkpoint and the saved checkpoints use statistics that match inference. Training is unchanged
   * (it normalises with batch statistics). Default false (the SSL4MIS protocol: running statistics as
   * training left them).
   */
  recalibrateBn: boolean;
  /**
   * Initialisation of the U-Net's convolutions: 'pytorch' (PyTorch's default, as SSL4MIS) or 'he'.
   * Default 'pytorch': with He initialisation the SSL4MIS U-Net's eval-mode Dice collapses at short
   * budgets (its dropout before batch norm leaves the running statistics off), in PyTorch too.
   */
  init: (typeof INIT_SCHEMES)[number];
  /** Cap on sampled patches. Default 256. */
  maxPatches: number;
  /** Teacher input noise std. Default 0.1. */
  noiseStd: number;
  /** Teacher input noise clip. Default 0.2. */
  noiseClip: number;
  /** Progress line every N steps when stdout is not a terminal. */
  logEvery: number;
  /** Synthetic data: training patients. */
  syntheticCases: number;
  /** Synthetic data: slices per patient. */
  syntheticSlicesPerCase: number;
  /** Synthetic data: validation volumes. */
  syntheticValCases: number;
}

/** Defaults of every option. Loss weights and temperatures follow METHOD.md; the size, width and steps fit a short CPU run. */
export const DEFAULT_CONFIG: TrainConfig = {
  dataset: 'synthetic',
  dataDir: null,
  labeledPatients: null,
  labeledOrder: null,
  labeledFraction: null,
  method: 'semi-agcl',
  steps: 400,
  batch: 4,
  size: 64,
  backend: 'auto',
  threads: null,
  seed: 1337,
  out: null,
  valEvery: 40,
  valCases: null,
  lr: null,
  optimizer: 'adam',
  weightDecay: 1e-4,
  channels: [8, 16, 32, 64],
  embeddingDim: 32,
  augment: true,
  lambdaCons: 0.1,
  lambdaCon: 0.1,
  lambdaAg: 0.1,
  rampupSteps: 100,
  emaDecay: 0.99,
  temperature: 0.1,
  graphTemperature: 0.2,
  threshold: 0.8,
  delta: 0.2,
  beta: 0.5,
  patchSize: null,
  samplesPerClass: 16,
  samplerDraw: 'pool',
  teacherForward: 'train',
  augmentScheme: 'agcl',
  recalibrateBn: false,
  init: 'pytorch',
  maxPatches: 256,
  noiseStd: 0.1,
  noiseClip: 0.2,
  logEvery: 20,
  syntheticCases: 20,
  syntheticSlicesPerCase: 8,
  syntheticValCases: 5,
};

/** Turns a zod error into lines like "config.json: steps must be >= 1". */
function describeZodError(error: z.ZodError, where: string, keyName: (key: string) => string): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const known = Object.keys(TrainConfigSchema.shape).map(keyName).join(', ');
        return `${where}: unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${keyName(k)}'`).join(', ')} (known: ${known})`;
      }
      const key = issue.path.length ? keyName(String(issue.path[0])) : '';
      let message = issue.message;
      if (issue.code === 'invalid_type') message = `expected ${issue.expected}, got ${issue.received}`;
      return `${where}: ${key ? `'${key}' ` : ''}${message}`;
    })
    .join('\n');
}

/** Validates options given as a plain object (a parsed config file or a test's literal). Throws {@link UsageError}. */
export function parseConfigInput(input: unknown, where = 'config'): TrainConfigInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new UsageError(`${where}: expected a JSON object of options, got ${Array.isArray(input) ? 'an array' : typeof input}`);
  }
  const parsed = TrainConfigSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(describeZodError(parsed.error, where, (k) => k));
  return parsed.data;
}

/** Reads and validates a `--config` JSON file. Throws {@link UsageError} naming the file. */
export function readConfigFile(file: string): TrainConfigInput {
  if (!existsSync(file)) throw new UsageError(`--config: file not found: ${file}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--config ${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseConfigInput(json, file);
}

const kebab = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Converts command-line flag strings (commander's camelCase keys) to typed options and validates
 * them; error messages name the flag (`--labeled-patients`).
 */
export function parseFlagValues(flags: Record<string, unknown>): TrainConfigInput {
  const out: Record<string, unknown> = {};
  const numeric = new Set(
    Object.entries(DEFAULT_CONFIG)
      .filter(([, v]) => typeof v === 'number')
      .map(([k]) => k)
      .concat(['labeledPatients', 'labeledFraction', 'lr', 'valCases', 'patchSize', 'threads']),
  );
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    if (key === 'channels' && typeof value === 'string') {
      out[key] = value.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s)));
    } else if (numeric.has(key) && typeof value === 'string') {
      const n = value.trim() === '' ? Number.NaN : Number(value);
      if (Number.isNaN(n)) throw new UsageError(`option '${kebab(key)}': expected a number, got '${value}'`);
      out[key] = n;
    } else {
      out[key] = value;
    }
  }
  const parsed = TrainConfigSchema.safeParse(out);
  if (!parsed.success) throw new UsageError(describeZodError(parsed.error, 'invalid option', kebab));
  return parsed.data;
}

/**
 * Learning rate after defaults: the given one, else 0.01 for SGD (METHOD.md) and 3e-3 for Adam
 * (METHOD.md suggests 1e-3; 3e-3 reached a clearly higher Dice within a 240-step run).
 */
export function resolvedLearningRate(config: Pick<TrainConfig, 'lr' | 'optimizer'>): number {
  return config.lr ?? (config.optimizer === 'sgd' ? 0.01 : 3e-3);
}

/** Patch size after defaults: the given one, else size / 8 (16 at 128x128), at least 4 (`resolvedPatchSize` of `@agcl/semi-agcl`). */
export function resolvedPatchSize(config: Pick<TrainConfig, 'patchSize' | 'size'>): number {
  return patchSizeFor(config.patchSize, config.size);
}

/**
 * Merges defaults, then the config file, then the flags (flags win), and checks the options against
 * each other. Throws {@link UsageError}.
 *
 * The ablations' switches (`semi-agcl:no-ag`: affinity weight 0, ...) are the `overrides` of the
 * method in `METHODS` of `@agcl/semi-agcl`, applied where the step's options are resolved; the
 * configuration keeps the values given.
 */
export function resolveConfig(...layers: TrainConfigInput[]): TrainConfig {
  const config: TrainConfig = { ...DEFAULT_CONFIG, channels: [...DEFAULT_CONFIG.channels] };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
    }
  }
  if (config.labeledPatients !== null && config.labeledFraction !== null) {
    throw new UsageError('options --labeled-patients and --labeled-fraction exclude each other; give one');
  }
  const depth = config.channels.length - 1;
  const multiple = 2 ** depth;
  if (config.size % multiple !== 0) {
    throw new UsageError(
      `option '--size' must be a multiple of 2^depth = ${multiple} for a U-Net with ${config.channels.length} levels (channels ${config.channels.join(',')}); got ${config.size}`,
    );
  }
  const patch = resolvedPatchSize(config);
  if (usesPatches(config.method) && (patch > config.size || config.size % patch !== 0)) {
    throw new UsageError(`option '--patch-size' must divide --size ${config.size}; got ${patch}`);
  }
  if (config.dataset !== 'synthetic') {
    if (!config.dataDir) throw new UsageError(`--dataset ${config.dataset} needs --data-dir <folder>`);
    if (!existsSync(config.dataDir)) throw new UsageError(`--data-dir: folder not found: ${config.dataDir}`);
  }
  if (config.dataset === 'synthetic' && config.syntheticCases < 2) {
    throw new UsageError('syntheticCases must be >= 2');
  }
  return config;
}

/** True when the method uses the EMA teacher. */
export function usesTeacher(method: Method): boolean {
  return methodSpec(method).teacher;
}

/** True when the method uses sampled patches (contrastive or affinity-graph loss). */
export function usesPatches(method: Method): boolean {
  return methodSpec(method).patches;
}
