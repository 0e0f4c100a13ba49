import { readFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import { METHOD_NAMES, SAMPLER_DRAWS, TEACHER_FORWARDS, methodSpec, resolvedPatchSize as patchSizeFor, type MethodName } from '@agcl/semi-agcl';
import { UsageError } from './usage-error';
import {
  AUGMENT_SCHEMES,
  BACKENDS,
  DATASETS,
  INIT_SCHEMES,
  LABELED_ORDERS,
  OPTIMIZERS,
  TRAIN_OPTIONS,
  flagOf,
  optionsMarkdownTable,
  type OptionName,
  type TrainConfig,
} from './options';

/** Training methods: the baselines and Semi-AGCL with each part removable (`METHODS` of `@agcl/semi-agcl`). */
export const METHODS = METHOD_NAMES;
/** One of {@link METHODS}. */
export type Method = MethodName;

export { AUGMENT_SCHEMES, BACKENDS, DATASETS, INIT_SCHEMES, LABELED_ORDERS, OPTIMIZERS, SAMPLER_DRAWS, TEACHER_FORWARDS, TRAIN_OPTIONS, optionsMarkdownTable };
export type { TrainConfig };
/** One of {@link DATASETS}. */
export type DatasetKind = (typeof DATASETS)[number];

const shape = Object.fromEntries(Object.entries(TRAIN_OPTIONS).map(([k, o]) => [k, o.schema])) as { [K in OptionName]: (typeof TRAIN_OPTIONS)[K]['schema'] };

/**
 * Schema of every training option (all optional: missing ones take the defaults of
 * {@link DEFAULT_CONFIG}). Unknown keys are rejected. Used for `--config <file.json>` and for flags.
 */
export const TrainConfigSchema = z.object(shape).partial().strict();

/** Options as given (file or flags): every key optional, validated by {@link TrainConfigSchema}. */
export type TrainConfigInput = z.infer<typeof TrainConfigSchema>;

/** Defaults of every option (from {@link TRAIN_OPTIONS}; the method's from `DEFAULT_SEMI_AGCL_OPTIONS` of `@agcl/semi-agcl`). */
export const DEFAULT_CONFIG: TrainConfig = Object.fromEntries(Object.entries(TRAIN_OPTIONS).map(([k, o]) => [k, o.default])) as TrainConfig;

/**
 * Keys of earlier `config.json` files and what became of them: the loss weights were renamed (the old
 * names differed by one letter), and the test hook `nanAtStepForTest` left the configuration.
 */
const LEGACY_KEYS: Record<string, OptionName | null> = {
  lambdaCons: 'consistencyWeight',
  lambdaCon: 'contrastiveWeight',
  lambdaAg: 'affinityWeight',
  nanAtStepForTest: null,
};

/** A saved configuration with legacy keys renamed (or dropped); the names of the keys changed. */
export function migrateLegacyConfig(input: Record<string, unknown>): { config: Record<string, unknown>; renamed: string[] } {
  const config: Record<string, unknown> = {};
  const renamed: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (!(key in LEGACY_KEYS)) {
      config[key] = value;
      continue;
    }
    const next = LEGACY_KEYS[key];
    renamed.push(next ? `${key} -> ${next}` : `${key} (dropped)`);
    if (next) config[next] = value;
  }
  return { config, renamed };
}

/** Turns a zod error into lines like "config.json: steps must be >= 1". */
function describeZodError(error: z.ZodError, where: string, keyName: (key: string) => string): string {
  // one line per option: an infinite value fails both "finite" and the range, say it once
  const seen = new Set<string>();
  return error.issues
    .filter((issue) => {
      const key = issue.code === 'unrecognized_keys' ? '' : String(issue.path[0] ?? '');
      if (!key) return true;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
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

const kebab = flagOf;
/** Flag placeholders whose values are numbers. */
const NUMERIC_ARGS = new Set(['<n>', '<x>', '<f>', '<px>', '<d>']);

/**
 * Converts command-line flag strings (commander's camelCase keys) to typed options and validates
 * them; error messages name the flag (`--labeled-patients`).
 */
export function parseFlagValues(flags: Record<string, unknown>): TrainConfigInput {
  const out: Record<string, unknown> = {};
  const numeric = new Set(Object.entries(TRAIN_OPTIONS).filter(([, o]) => NUMERIC_ARGS.has(o.arg ?? '')).map(([k]) => k));
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    if (key === 'channels' && typeof value === 'string') {
      out[key] = value.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s)));
    } else if (numeric.has(key) && typeof value === 'string') {
      const n = value.trim() === '' ? Number.NaN : Number(value);
      if (Number.isNaN(n)) throw new UsageError(`option '${kebab(key)}': expected a number, got '${value}'`);
      if (!Number.isFinite(n)) throw new UsageError(`option '${kebab(key)}': expected a finite number, got '${value}'`);
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
 * Learning rate after defaults: the given one, else 0.01 for SGD (docs/method.md) and 3e-3 for Adam
 * (docs/method.md suggests 1e-3; 3e-3 reached a clearly higher Dice within a 240-step run).
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
