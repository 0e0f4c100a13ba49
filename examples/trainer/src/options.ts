import { z } from 'zod';
import { DEFAULT_SEMI_AGCL_OPTIONS as M, METHOD_NAMES, SAMPLER_DRAWS, TEACHER_FORWARDS } from '@agcl/semi-agcl';

/** Dataset kinds the trainer reads. */
export const DATASETS = ['synthetic', 'acdc', 'crag', 'glas', 'folder'] as const;
/** Backends accepted by `--backend` (see `@agcl/backend`). */
export const BACKENDS = ['auto', 'wasm', 'cpu', 'tensorflow', 'webgpu'] as const;
/** Optimisers accepted by `--optimizer`. */
export const OPTIMIZERS = ['sgd', 'adam'] as const;
/** Orders of the training cases from which `--labeled-patients` takes the first ones. */
export const LABELED_ORDERS = ['list', 'sorted'] as const;
/** Weight initialisations accepted by `--init` (see `UNetConfig.init` of `@agcl/unet`). */
export const INIT_SCHEMES = ['pytorch', 'he'] as const;
/**
 * Training augmentation schemes accepted by `--augment-scheme` (with `--augment` on): 'agcl' = rot90,
 * flips and a bilinear rotation drawn independently (`augment` of `@agcl/datasets`); 'ssl4mis' =
 * SSL4MIS's RandomGenerator (`augmentSsl4mis`).
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
  z.enum(values as unknown as [T[number], ...T[number][]], {
    errorMap: (_issue, ctx) => ({ message: `${name} must be one of ${values.join(', ')}; got ${JSON.stringify(ctx.data)}` }),
  });

/** The groups of the options, in the order help texts and tables list them. */
export const OPTION_GROUPS = ['data', 'model', 'method', 'optimisation', 'run'] as const;

/** One training option: its schema, default, group and help, the single place each is written. */
export interface OptionSpec<S extends z.ZodTypeAny = z.ZodTypeAny> {
  schema: S;
  default: z.infer<S>;
  group: (typeof OPTION_GROUPS)[number];
  /** The flag's value placeholder (`<n>`); absent for a boolean switch. */
  arg?: string;
  /** One line for `--help` and the README table. */
  help: string;
  /** How to print the default when the value alone does not say it (null defaults). */
  defaultText?: string;
}

const spec = <S extends z.ZodTypeAny>(schema: S, dflt: z.infer<S>, group: OptionSpec['group'], arg: string | undefined, help: string, defaultText?: string): OptionSpec<S> => ({
  schema,
  default: dflt,
  group,
  ...(arg ? { arg } : {}),
  help,
  ...(defaultText ? { defaultText } : {}),
});

/**
 * Every option of `agcl train`: schema, default, group and help. The config type, the defaults, the
 * schema of `--config` files, the flags and the README's table are all derived from this table. The
 * method's defaults are `DEFAULT_SEMI_AGCL_OPTIONS` of `@agcl/semi-agcl`.
 */
export const TRAIN_OPTIONS = {
  // data
  dataset: spec(oneOf('dataset', DATASETS), 'synthetic', 'data', '<kind>', `data: ${DATASETS.join('|')} (synthetic = the cardiac phantoms of @agcl/datasets; acdc = the SSL4MIS HDF5 layout; folder/crag/glas = images/ + masks/)`),
  dataDir: spec(z.string().min(1).nullable(), null, 'data', '<folder>', 'folder of the real data (required for every dataset but synthetic)', 'none'),
  labeledPatients: spec(int('labeledPatients', 1).nullable(), null, 'data', '<n>', 'the first n training patients are labeled, the rest unlabeled (ACDC: 3 = 5%, 7 = 10%)', '4 synthetic, 7 ACDC'),
  labeledFraction: spec(num('labeledFraction', 0, 1, true).nullable(), null, 'data', '<f>', 'alternative to --labeled-patients: the fraction of training patients labeled, in (0, 1]', 'none'),
  labeledOrder: spec(oneOf('labeledOrder', LABELED_ORDERS).nullable(), null, 'data', '<order>', `${LABELED_ORDERS.join('|')}: the first patients as the data lists them (ACDC's train_slices.list, as SSL4MIS) or by name`, 'list for ACDC, sorted otherwise'),
  size: spec(int('size', 8, 4096), 64, 'data', '<px>', 'square training size, a multiple of 2^depth'),
  augment: spec(z.boolean(), true, 'data', undefined, 'random rot90, flips and small rotations of both streams (--no-augment: none)'),
  augmentScheme: spec(oneOf('augmentScheme', AUGMENT_SCHEMES), 'agcl', 'data', '<name>', `${AUGMENT_SCHEMES.join('|')}: rot90, flips and a bilinear rotation drawn independently, or SSL4MIS's RandomGenerator`),
  valCases: spec(int('valCases', 1).nullable(), null, 'data', '<n>', 'validate on the first n validation cases only', 'all'),
  syntheticCases: spec(int('syntheticCases', 2), 20, 'data', '<n>', 'synthetic training patients'),
  syntheticSlicesPerCase: spec(int('syntheticSlicesPerCase', 1), 8, 'data', '<n>', 'synthetic slices per patient'),
  syntheticValCases: spec(int('syntheticValCases', 1), 5, 'data', '<n>', 'synthetic validation volumes'),
  // model
  channels: spec(z.array(int('channels[i]', 1, 1024)).min(2, 'channels must list at least 2 widths'), [8, 16, 32, 64], 'model', '<list>', 'U-Net widths, comma separated (the reference network: 16,32,64,128,256)'),
  embeddingDim: spec(int('embeddingDim', 1, 1024), 32, 'model', '<d>', 'projection-head size d'),
  init: spec(oneOf('init', INIT_SCHEMES), 'pytorch', 'model', '<scheme>', `${INIT_SCHEMES.join('|')}: initialisation of the convolutions (pytorch = PyTorch's default, as SSL4MIS)`),
  // method
  method: spec(oneOf('method', METHOD_NAMES), 'semi-agcl', 'method', '<name>', `${METHOD_NAMES.join('|')} (METHODS of @agcl/semi-agcl)`),
  consistencyWeight: spec(num('consistencyWeight', 0, 1e3), M.weights.consistency, 'method', '<x>', 'weight lambda of the consistency loss'),
  contrastiveWeight: spec(num('contrastiveWeight', 0, 1e3), M.weights.contrastive, 'method', '<x>', 'weight lambda of the patch contrastive loss'),
  affinityWeight: spec(num('affinityWeight', 0, 1e3), M.weights.affinity, 'method', '<x>', 'weight lambda of the affinity-graph loss'),
  rampupSteps: spec(int('rampupSteps', 0), M.rampupSteps, 'method', '<n>', 'T_r of the sigmoid ramp-up exp(-5 (1 - t/T_r)^2) of the extra terms'),
  emaDecay: spec(num('emaDecay', 0, 1), M.emaDecay, 'method', '<x>', 'maximum EMA decay of the teacher (batch-norm statistics are averaged too)'),
  teacherForward: spec(oneOf('teacherForward', TEACHER_FORWARDS), M.teacher.forward, 'method', '<mode>', `${TEACHER_FORWARDS.join('|')}: the teacher's forward: batch statistics and dropout (SSL4MIS), batch statistics only, or running statistics`),
  noiseStd: spec(num('noiseStd', 0, 10), M.teacher.noiseStd, 'method', '<x>', 'std of the Gaussian noise on the teacher input'),
  noiseClip: spec(num('noiseClip', 0, 10), M.teacher.noiseClip, 'method', '<x>', 'clip of the teacher input noise'),
  patchSize: spec(int('patchSize', 1).nullable(), M.patchSize, 'method', '<px>', 'patch size = stride', 'size / 8 (16 at 128)'),
  beta: spec(num('beta', 0, 1), M.entropy.beta, 'method', '<x>', 'weight of the intensity term of the average patch entropy'),
  samplesPerClass: spec(int('samplesPerClass', 1), M.sampler.samplesPerClass, 'method', '<n>', 'patches drawn per class present'),
  samplerDraw: spec(oneOf('samplerDraw', SAMPLER_DRAWS), M.sampler.draw, 'method', '<name>', `${SAMPLER_DRAWS.join('|')}: a class's draws from the whole pool, or half from the patches of its pseudo-class`),
  delta: spec(num('delta', 0, 1), M.sampler.delta, 'method', '<x>', 'class-collision guard: a negative of class c has mean confidence < delta'),
  maxPatches: spec(int('maxPatches', 2), M.sampler.maxPatches, 'method', '<n>', 'cap on the sampled patches (the affinity graph is N x N)'),
  temperature: spec(num('temperature', 0, 100, true), M.contrastive.temperature, 'method', '<x>', 'temperature tau of the patch contrastive loss'),
  graphTemperature: spec(num('graphTemperature', 0, 100, true), M.affinity.temperature, 'method', '<x>', 'temperature tau_g of the affinity graph'),
  threshold: spec(num('threshold', 0, 1), M.affinity.threshold, 'method', '<x>', 'edge threshold T of the target affinity graph'),
  // optimisation
  steps: spec(int('steps', 1), 400, 'optimisation', '<n>', 'optimisation steps'),
  batch: spec(int('batch', 1, 256), 4, 'optimisation', '<n>', 'labeled images per step; the unlabeled stream draws the same number'),
  optimizer: spec(oneOf('optimizer', OPTIMIZERS), 'adam', 'optimisation', '<name>', `${OPTIMIZERS.join('|')} (sgd: momentum 0.9)`),
  lr: spec(num('lr', 0, 10, true).nullable(), null, 'optimisation', '<x>', 'base learning rate, poly decay (1 - t/T)^0.9', '0.01 sgd, 0.003 adam'),
  weightDecay: spec(num('weightDecay', 0, 1), 1e-4, 'optimisation', '<x>', 'L2 weight decay'),
  seed: spec(int('seed', 0, 2 ** 31 - 1), M.seed, 'optimisation', '<n>', 'seed of every random stream (init, batches, augmentation, dropout, noise, sampling)'),
  // run
  backend: spec(oneOf('backend', BACKENDS), 'auto', 'run', '<name>', `${BACKENDS.join('|')} (see @agcl/backend)`),
  threads: spec(int('threads', 1, 64).nullable(), null, 'run', '<n>', 'wasm threads', 'the backend default'),
  out: spec(z.string().min(1).nullable(), null, 'run', '<folder>', 'run folder', 'runs/<timestamp>-<method>'),
  valEvery: spec(int('valEvery', 1), 40, 'run', '<n>', 'validate (and save checkpoints/last, and best when improved) every n steps and at the end'),
  recalibrateBn: spec(z.boolean(), true, 'run', undefined, 're-estimate the batch-norm statistics without dropout on the labeled images before every validation and saved checkpoint, so checkpoints are right at inference (--no-recalibrate-bn: the benchmark protocol, statistics as training left them)'),
  logEvery: spec(int('logEvery', 1), 20, 'run', '<n>', 'progress line every n steps when stdout is not a terminal'),
} satisfies Record<string, OptionSpec>;

/** The name of a training option. */
export type OptionName = keyof typeof TRAIN_OPTIONS;

/** The resolved training configuration, saved as `config.json` in every run folder (see {@link TRAIN_OPTIONS}). */
export type TrainConfig = { -readonly [K in OptionName]: z.infer<(typeof TRAIN_OPTIONS)[K]['schema']> };

/** `--kebab-case` flag of an option name. */
export const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** How an option's default reads in help texts. */
export function defaultTextOf(o: OptionSpec): string {
  if (o.defaultText) return o.defaultText;
  if (typeof o.default === 'boolean') return o.default ? 'on' : 'off';
  if (Array.isArray(o.default)) return o.default.join(',');
  return String(o.default);
}

/** The options in group order. */
export function optionsByGroup(): Array<[OptionName, OptionSpec]> {
  const entries = Object.entries(TRAIN_OPTIONS) as Array<[OptionName, OptionSpec]>;
  return OPTION_GROUPS.flatMap((g) => entries.filter(([, o]) => o.group === g));
}

/** The README's option table (Markdown), generated from {@link TRAIN_OPTIONS}. */
export function optionsMarkdownTable(): string {
  const rows = optionsByGroup().map(([key, o]) => `| ${o.group} | \`${flagOf(key)}${o.arg ? ` ${o.arg}` : ''}\` | ${defaultTextOf(o)} | ${o.help.replace(/\|/g, '\\|')} |`);
  return ['| group | option | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
