/** Normalisation used after every 3x3 convolution (and in the projection head). */
export type UNetNormalization = 'batch' | 'instance' | 'none';

/** How the decoder doubles the resolution before concatenating the skip connection. */
export type UNetUpsampling = 'bilinear' | 'transpose';

/** Size of the projection head (1x1 conv `channels[0] -> hidden`, norm, ReLU, 1x1 conv `hidden -> dim`). */
export interface UNetProjectionConfig {
  /** Embedding size d of the pixel embeddings. Default 64. */
  dim?: number;
  /** Width of the hidden 1x1 convolution. Default 64. */
  hidden?: number;
}

/**
 * Configuration of {@link UNet}; every field is optional and defaults to the SSL4MIS 2D U-Net
 * (`networks/unet.py` of HiLab-git/SSL4MIS) for 1-channel input and 4 classes.
 */
export interface UNetConfig {
  /** Input channels C of `x [N,H,W,C]` (1 for MRI, 3 for RGB histology). Default 1. */
  inChannels?: number;
  /** Output classes K of the logits `[N,H,W,K]`. Default 4. */
  numClasses?: number;
  /**
   * Feature channels per resolution level, from full resolution to the bottleneck.
   * Its length minus one is the number of 2x2 max-pools (the depth). Default `[16, 32, 64, 128, 256]`.
   */
  channels?: number[];
  /** Dropout rate inside each encoder block (one per level, in `[0, 1)`). Default `[0.05, 0.1, 0.2, 0.3, 0.5]`. */
  dropout?: number[];
  /** Dropout rate inside each decoder block. Default 0 (as SSL4MIS). */
  decoderDropout?: number;
  /** Normalisation after each 3x3 convolution. Default `'batch'`. */
  normalization?: UNetNormalization;
  /**
   * `'bilinear'`: 1x1 conv to the skip's channels, then bilinear x2 with aligned corners (SSL4MIS default).
   * `'transpose'`: a 2x2 stride-2 transposed convolution to the skip's channels. Default `'bilinear'`.
   */
  upsampling?: UNetUpsampling;
  /** Projection head for pixel embeddings, or `false` for none. Default `{ dim: 64, hidden: 64 }`. */
  projection?: UNetProjectionConfig | false;
  /** Momentum of the batch-norm running statistics, PyTorch convention (`new = (1-m) old + m batch`). Default 0.1. */
  bnMomentum?: number;
  /** Epsilon added to the variance in every normalisation. Default 1e-5 (PyTorch). */
  normEpsilon?: number;
  /**
   * Initialisation of the convolution weights and biases. `'pytorch'` (default): PyTorch's own default,
   * used as-is by SSL4MIS: kernel and bias uniform in `+-1/sqrt(fanIn)` (`kaiming_uniform_(a=sqrt(5))`).
   * `'he'`: kernel normal with std `sqrt(2 / fanIn)` (`kaiming_normal_(mode='fan_in')`), biases 0.
   * With the SSL4MIS network's dropout before batch norm, He initialisation leaves the running statistics
   * far from the batch statistics at short budgets (eval-mode Dice collapses; measured on ACDC, also in
   * PyTorch: see experiments/acdc/README.md).
   */
  init?: UNetInitScheme;
  /** Seed of the weight initialisation and of the dropout masks. Default 1337. */
  seed?: number;
}

/** Initialisation scheme of the convolutions (see {@link UNetConfig.init}). */
export type UNetInitScheme = 'pytorch' | 'he';

/** A {@link UNetConfig} with every default filled in (see {@link resolveUNetConfig}). */
export interface ResolvedUNetConfig {
  inChannels: number;
  numClasses: number;
  channels: number[];
  dropout: number[];
  decoderDropout: number;
  normalization: UNetNormalization;
  upsampling: UNetUpsampling;
  projection: { dim: number; hidden: number } | false;
  bnMomentum: number;
  normEpsilon: number;
  init: UNetInitScheme;
  seed: number;
}

/** The defaults of {@link UNetConfig}: the SSL4MIS U-Net, 1 input channel, 4 classes. */
export const DEFAULT_UNET_CONFIG: Readonly<ResolvedUNetConfig> = Object.freeze({
  inChannels: 1,
  numClasses: 4,
  channels: [16, 32, 64, 128, 256],
  dropout: [0.05, 0.1, 0.2, 0.3, 0.5],
  decoderDropout: 0,
  normalization: 'batch',
  upsampling: 'bilinear',
  projection: { dim: 64, hidden: 64 },
  bnMomentum: 0.1,
  normEpsilon: 1e-5,
  init: 'pytorch',
  seed: 1337,
});

const KNOWN_KEYS: ReadonlyArray<keyof UNetConfig> = [
  'inChannels',
  'numClasses',
  'channels',
  'dropout',
  'decoderDropout',
  'normalization',
  'upsampling',
  'projection',
  'bnMomentum',
  'normEpsilon',
  'init',
  'seed',
];

const MAX_LEVELS = 8;

function fail(what: string): never {
  throw new Error(`UNet config: ${what}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(`'${name}' must be a positive integer, got ${describe(value)}.`);
  }
  return value;
}

function rate(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    fail(`'${name}' must be a dropout rate in [0, 1), got ${describe(value)}.`);
  }
  return value;
}

/**
 * Fills in the defaults of a {@link UNetConfig} and checks every field, up front.
 *
 * Rules: `inChannels`, `numClasses`, every entry of `channels`, `projection.dim`, `projection.hidden`
 * are positive integers; `channels` has 2 to 8 entries (1 to 7 poolings); when `channels` is given
 * without `dropout`, the dropout defaults to SSL4MIS's rates for the first levels and 0.5 beyond;
 * `dropout` has one rate in `[0, 1)` per level; `bnMomentum` is in `[0, 1]`; `normEpsilon > 0`;
 * `init` is `'pytorch'` or `'he'`; `seed` is a finite number; unknown keys are rejected (they are usually typos).
 *
 * @param config The partial configuration (not modified).
 * @returns A new, fully resolved configuration (arrays copied).
 * @throws Error `UNet config: '<field>' must be ...` naming the field, the rule and the value given.
 * @example
 * resolveUNetConfig({ channels: [8, 16, 32] }).dropout; // [0.05, 0.1, 0.2]
 */
export function resolveUNetConfig(config: UNetConfig = {}): ResolvedUNetConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    fail(`expected an options object, got ${describe(config)}.`);
  }
  for (const key of Object.keys(config)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      fail(`unknown option '${key}' (known: ${KNOWN_KEYS.join(', ')}).`);
    }
  }
  const d = DEFAULT_UNET_CONFIG;
  const inChannels = positiveInteger('inChannels', config.inChannels ?? d.inChannels);
  const numClasses = positiveInteger('numClasses', config.numClasses ?? d.numClasses);

  const channelsIn = config.channels ?? d.channels;
  if (!Array.isArray(channelsIn) || channelsIn.length < 2 || channelsIn.length > MAX_LEVELS) {
    fail(
      `'channels' must be an array of 2 to ${MAX_LEVELS} positive integers (one per level, the last is the ` +
        `bottleneck), got ${describe(channelsIn)}.`,
    );
  }
  const channels = channelsIn.map((c, i) => positiveInteger(`channels[${i}]`, c));

  let dropoutIn: unknown = config.dropout;
  if (dropoutIn === undefined) {
    dropoutIn = channels.map((_, i) => d.dropout[i] ?? 0.5);
  }
  if (!Array.isArray(dropoutIn) || dropoutIn.length !== channels.length) {
    fail(
      `'dropout' must have one rate per level (${channels.length}, the length of 'channels'), ` +
        `got ${describe(dropoutIn)}.`,
    );
  }
  const dropout = (dropoutIn as unknown[]).map((r, i) => rate(`dropout[${i}]`, r));
  const decoderDropout = rate('decoderDropout', config.decoderDropout ?? d.decoderDropout);

  const normalization = config.normalization ?? d.normalization;
  if (normalization !== 'batch' && normalization !== 'instance' && normalization !== 'none') {
    fail(`'normalization' must be 'batch', 'instance' or 'none', got ${describe(normalization)}.`);
  }
  const upsampling = config.upsampling ?? d.upsampling;
  if (upsampling !== 'bilinear' && upsampling !== 'transpose') {
    fail(`'upsampling' must be 'bilinear' or 'transpose', got ${describe(upsampling)}.`);
  }

  let projection: ResolvedUNetConfig['projection'];
  const projIn = config.projection;
  if (projIn === false) {
    projection = false;
  } else if (projIn === undefined) {
    projection = { dim: 64, hidden: 64 };
  } else if (projIn === null || typeof projIn !== 'object' || Array.isArray(projIn)) {
    fail(`'projection' must be false or an object { dim?, hidden? }, got ${describe(projIn)}.`);
  } else {
    for (const key of Object.keys(projIn)) {
      if (key !== 'dim' && key !== 'hidden') fail(`unknown option 'projection.${key}' (known: dim, hidden).`);
    }
    projection = {
      dim: positiveInteger('projection.dim', projIn.dim ?? 64),
      hidden: positiveInteger('projection.hidden', projIn.hidden ?? 64),
    };
  }

  const bnMomentum = config.bnMomentum ?? d.bnMomentum;
  if (typeof bnMomentum !== 'number' || !(bnMomentum >= 0 && bnMomentum <= 1)) {
    fail(`'bnMomentum' must be a number in [0, 1], got ${describe(bnMomentum)}.`);
  }
  const normEpsilon = config.normEpsilon ?? d.normEpsilon;
  if (typeof normEpsilon !== 'number' || !Number.isFinite(normEpsilon) || normEpsilon <= 0) {
    fail(`'normEpsilon' must be a positive number, got ${describe(normEpsilon)}.`);
  }
  const init = config.init ?? d.init;
  if (init !== 'pytorch' && init !== 'he') {
    fail(`'init' must be 'pytorch' or 'he', got ${describe(init)}.`);
  }
  const seed = config.seed ?? d.seed;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    fail(`'seed' must be a finite number, got ${describe(seed)}.`);
  }
  return {
    inChannels,
    numClasses,
    channels,
    dropout,
    decoderDropout,
    normalization,
    upsampling,
    projection,
    bnMomentum,
    normEpsilon,
    init,
    seed,
  };
}

/** The configuration keys that change the set or the shapes of the weights. */
const ARCHITECTURE_KEYS: ReadonlyArray<keyof ResolvedUNetConfig> = [
  'inChannels',
  'numClasses',
  'channels',
  'normalization',
  'upsampling',
  'projection',
];

/**
 * Lists how two resolved configurations differ, as readable lines (`channels: [4,8] vs [16,32]`).
 *
 * @param a The first configuration (e.g. the expected one).
 * @param b The second configuration (e.g. the saved one).
 * @param options `architectureOnly` (default false): compare only the keys that change the weights
 *   (inChannels, numClasses, channels, normalization, upsampling, projection); otherwise every key but `seed` and `init` (which only set the starting values).
 * @returns One line per differing key; empty when they match.
 * @example
 * unetConfigDifferences(resolveUNetConfig(), resolveUNetConfig({ numClasses: 2 })); // ['numClasses: 4 vs 2']
 */
export function unetConfigDifferences(
  a: ResolvedUNetConfig,
  b: ResolvedUNetConfig,
  options: { architectureOnly?: boolean } = {},
): string[] {
  const keys = options.architectureOnly
    ? ARCHITECTURE_KEYS
    : (KNOWN_KEYS.filter((k) => k !== 'seed' && k !== 'init') as Array<keyof ResolvedUNetConfig>);
  const out: string[] = [];
  for (const key of keys) {
    const va = JSON.stringify(a[key]);
    const vb = JSON.stringify(b[key]);
    if (va !== vb) out.push(`${key}: ${va} vs ${vb}`);
  }
  return out;
}
