import * as tf from '@tensorflow/tfjs-core';
import { DROPOUT_SEED_MIX, ForwardPass } from './unet-forward';
import { unetParameterSpecs, type UNetParameterSpec } from './parameter-specs';
import { checkUNetArtifacts, UNET_FORMAT, UNET_FORMAT_VERSION, type UNetArtifacts, type UNetSaveResult } from './unet-artifacts';
import { readUNetFolder, writeUNetFolder } from './unet-folder';
import { resolveUNetConfig, unetConfigDifferences, type ResolvedUNetConfig, type UNetConfig } from './unet-config';

/** Options of {@link UNet.forward}. */
export interface UNetForwardOptions {
  /**
   * Training mode: dropout on; batch norm normalises with the batch statistics and updates the running
   * statistics (PyTorch momentum convention). Default false (inference: no dropout, running statistics).
   */
  training?: boolean;
  /** Also return the projection-head output `embeddings [N,H,W,dim]`. Default false. */
  embeddings?: boolean;
  /** Also return the last decoder feature map `features [N,H,W,channels[0]]`. Default false. */
  features?: boolean;
  /**
   * Seed of this call's dropout masks (same seed, same masks). Default: derived from `config.seed` and an
   * internal counter, so successive training calls draw different masks, reproducibly across runs.
   */
  seed?: number;
  /**
   * In training mode, apply dropout. Default true. `false` gives the batch-statistics forward without
   * dropout that {@link UNet.recalibrateBatchNorm} uses.
   */
  dropout?: boolean;
  /**
   * In training mode, the momentum of this call's running-statistics update, in [0, 1] (default
   * `config.bnMomentum`). 1 replaces the running statistics with this batch's.
   */
  bnMomentum?: number;
}

/** What {@link UNet.forward} returns; every tensor is new and the caller disposes it. */
export interface UNetOutput {
  /** Class scores before softmax, `[N,H,W,K]`. */
  logits: tf.Tensor4D;
  /** Projection-head output (not normalised), `[N,H,W,dim]`, when `embeddings: true`. */
  embeddings?: tf.Tensor4D;
  /** Last decoder feature map, `[N,H,W,channels[0]]`, when `features: true`. */
  features?: tf.Tensor4D;
}

/** Options of {@link UNet.parameterCount}, {@link UNet.trainableVariables} and {@link UNet.bufferCount}. */
export interface UNetCountOptions {
  /** Include the projection head. Default true. */
  includeProjection?: boolean;
}

/** Options of {@link UNet.clone}. */
export interface UNetCloneOptions {
  /**
   * Mark the copy's weights trainable (default true). A teacher updated only by EMA can pass false, so
   * `tf.variableGrads` / `optimizer.minimize` without a variable list never consider it.
   */
  trainable?: boolean;
}

let instanceCounter = 0;

function uniquePrefix(): string {
  const taken = new Set(Object.keys(tf.engine().registeredVariables).map((n) => n.split('/')[0]));
  for (;;) {
    instanceCounter += 1;
    const prefix = `unet_${instanceCounter}`;
    if (!taken.has(prefix)) return prefix;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value as object)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The SSL4MIS 2D U-Net (HiLab-git/SSL4MIS, `networks/unet.py`) with a projection head for pixel
 * embeddings, on TensorFlow.js, channels-last.
 *
 * Structure (depth D = `channels.length - 1`):
 * - encoder level 0: block(inChannels -> c0); level i > 0: 2x2 max-pool, block(c[i-1] -> c[i]);
 * - block = conv3x3-norm-LeakyReLU(0.01)-dropout-conv3x3-norm-LeakyReLU (dropout `dropout[i]` in the
 *   encoder, `decoderDropout` (0) in the decoder);
 * - decoder level l = D-1..0: up-sample the deeper map to `c[l]` channels at twice the size
 *   (`'bilinear'`: 1x1 conv then bilinear x2 with aligned corners; `'transpose'`: 2x2 stride-2 transposed
 *   conv), concatenate `[skip, up]` (skip first), block(2 c[l] -> c[l]);
 * - `out`: conv3x3 c0 -> K (logits); projection head on the last decoder map F:
 *   conv1x1 c0 -> hidden, norm, ReLU, conv1x1 hidden -> dim.
 *
 * Initialisation (seeded by `config.seed`; `config.init`): by default PyTorch's own, used as-is by SSL4MIS:
 * every convolution kernel and bias uniform in `+-1/sqrt(fanIn)`, fan-in `kh * kw * in`
 * (`kaiming_uniform_(a=sqrt(5))`); with `init: 'he'`, kernels normal with std `sqrt(2 / fanIn)`
 * (`kaiming_normal_(mode='fan_in')`) and biases 0. Norm gamma 1, beta 0; running mean 0, variance 1.
 *
 * Sizes: with the defaults (1 input channel, 4 classes, 16-32-64-128-256, batch norm) the U-Net has
 * 1,813,764 trainable scalars and 2,944 running values (1,944,324 with `upsampling: 'transpose'`); the
 * default projection head adds 5,376 trainable and 128 running values.
 *
 * Input height and width must be multiples of `2^depth` (16 for the default depth 4).
 *
 * @example
 * const net = new UNet({ channels: [16, 32, 64, 128, 256], numClasses: 4 });
 * const { logits } = net.forward(x);            // x [N,128,128,1] -> logits [N,128,128,4]
 * const teacher = net.clone({ trainable: false });
 * logits.dispose(); teacher.dispose(); net.dispose();
 */
export class UNet {
  /** The resolved configuration (frozen). */
  readonly config: Readonly<ResolvedUNetConfig>;
  /** Number of 2x2 poolings, `channels.length - 1`. */
  readonly depth: number;
  /** Input height and width must be multiples of this, `2^depth`. */
  readonly inputMultiple: number;

  private readonly specs: UNetParameterSpec[];
  private readonly vars = new Map<string, tf.Variable>();
  private readonly prefix: string;
  private callCounter = 0;
  private disposed = false;

  /**
   * Builds the network and its variables (seeded; PyTorch's default initialisation unless `init: 'he'`).
   *
   * @param config Partial configuration; see {@link UNetConfig} for the defaults.
   * @throws Error `UNet config: ...` for an invalid configuration.
   */
  constructor(config: UNetConfig = {}) {
    const resolved = resolveUNetConfig(config);
    this.config = deepFreeze(resolved);
    this.depth = resolved.channels.length - 1;
    this.inputMultiple = 2 ** this.depth;
    this.specs = unetParameterSpecs(resolved);
    this.prefix = uniquePrefix();
    const seed = resolved.seed;
    this.specs.forEach((spec, index) => {
      const init = tf.tidy(() => {
        switch (spec.init) {
          case 'he-normal':
            return tf.randomNormal(spec.shape, 0, Math.sqrt(2 / spec.fanIn), 'float32', seed * 1009 + index);
          case 'uniform-fan-in': {
            const bound = 1 / Math.sqrt(spec.fanIn);
            return tf.randomUniform(spec.shape, -bound, bound, 'float32', seed * 1009 + index);
          }
          case 'ones':
            return tf.ones(spec.shape, 'float32');
          default:
            return tf.zeros(spec.shape, 'float32');
        }
      });
      this.vars.set(spec.name, tf.variable(init, spec.trainable, `${this.prefix}/${spec.name}`, 'float32'));
      init.dispose();
    });
  }

  private assertAlive(fn: string): void {
    if (this.disposed) throw new Error(`UNet.${fn}: this network has been disposed.`);
  }

  private v(name: string): tf.Variable {
    const found = this.vars.get(name);
    if (!found) throw new Error(`UNet: internal error, no weight named '${name}'.`);
    return found;
  }

  private checkInput(x: tf.Tensor, training: boolean): void {
    if (!(x instanceof tf.Tensor)) {
      throw new Error(`UNet.forward: argument 'x' must be a tf.Tensor4D [N,H,W,${this.config.inChannels}].`);
    }
    if (x.isDisposed) throw new Error(`UNet.forward: argument 'x' has been disposed.`);
    if (x.rank !== 4) {
      throw new Error(
        `UNet.forward: argument 'x' must be rank 4 [N,H,W,${this.config.inChannels}] (channels-last), got shape [${x.shape}].`,
      );
    }
    if (x.dtype !== 'float32') {
      throw new Error(`UNet.forward: argument 'x' must be float32, got ${x.dtype}.`);
    }
    const [n, h, w, c] = x.shape;
    if (c !== this.config.inChannels) {
      throw new Error(
        `UNet.forward: argument 'x' must have ${this.config.inChannels} channel(s) (config.inChannels), got shape [${x.shape}].`,
      );
    }
    const m = this.inputMultiple;
    if (n < 1 || h < m || w < m || h % m !== 0 || w % m !== 0) {
      const ceil = (s: number) => Math.max(m, Math.ceil(s / m) * m);
      throw new Error(
        `UNet.forward: input height and width must be positive multiples of 2^${this.depth} = ${m} (depth ${this.depth}); ` +
          `got ${h}x${w} (x shape [${x.shape}]). Resize or pad the input, e.g. to ${ceil(h)}x${ceil(w)}.`,
      );
    }
    const bottleneck = (h / m) * (w / m);
    if (training && this.config.normalization === 'batch' && n * bottleneck < 2) {
      throw new Error(
        `UNet.forward: batch normalisation in training needs more than one value per channel, but the bottleneck ` +
          `has ${n}x${h / m}x${w / m} = ${n * bottleneck} (x shape [${x.shape}]); use a larger batch or input.`,
      );
    }
    if (this.config.normalization === 'instance' && bottleneck < 2) {
      throw new Error(
        `UNet.forward: instance normalisation needs more than one pixel per channel, but the bottleneck is ` +
          `${h / m}x${w / m} (x shape [${x.shape}]); use a larger input.`,
      );
    }
  }

  /**
   * Runs the network.
   *
   * Training mode (`training: true`) applies dropout and, with batch norm, normalises with the batch
   * moments and assigns the new running statistics (`new = 0.9 old + 0.1 batch`, unbiased batch variance,
   * as PyTorch) inside this call. It is safe inside `tf.variableGrads` / `tf.grads` /
   * `optimizer.minimize`: the running-statistics update is not on the path to the loss, and the
   * variables keep their own reference to the new values. Inference mode uses the running statistics
   * and no dropout, so it is deterministic.
   *
   * @param x `[N,H,W,inChannels]` float32, H and W multiples of `2^depth`. Not disposed.
   * @param options `training` (false), `embeddings` (false), `features` (false), `seed` (see {@link UNetForwardOptions}).
   * @returns `{ logits [N,H,W,K], embeddings?, features? }`; the caller disposes every tensor.
   * @throws Error `UNet.forward: ...` naming the bad size or argument.
   * @example
   * const { logits, embeddings } = net.forward(x, { training: true, embeddings: true });
   */
  forward(x: tf.Tensor4D, options: UNetForwardOptions = {}): UNetOutput {
    this.assertAlive('forward');
    const training = options.training ?? false;
    this.checkInput(x, training);
    if (options.seed !== undefined && !Number.isFinite(options.seed)) {
      throw new Error(`UNet.forward: option 'seed' must be a finite number, got ${options.seed}.`);
    }
    const cfg = this.config;
    if (options.embeddings && !cfg.projection) {
      throw new Error(`UNet.forward: option 'embeddings' needs a projection head, but config.projection is false.`);
    }
    const bnMomentum = options.bnMomentum ?? cfg.bnMomentum;
    if (!(bnMomentum >= 0 && bnMomentum <= 1)) {
      throw new Error(`UNet.forward: option 'bnMomentum' must be in [0, 1], got ${options.bnMomentum}.`);
    }
    let seedBase = 0;
    if (training) {
      this.callCounter += 1;
      seedBase = options.seed ?? cfg.seed * DROPOUT_SEED_MIX.config + this.callCounter * DROPOUT_SEED_MIX.call;
    }
    const pass = new ForwardPass(
      { config: cfg, depth: this.depth, variable: (name) => this.v(name) },
      { training, useDropout: training && options.dropout !== false, seedBase, bnMomentum, embeddings: options.embeddings ?? false, features: options.features ?? false },
    );
    return pass.run(x) as unknown as UNetOutput;
  }

  /**
   * The trainable weights, in the network's stable order (encoder, decoder, out, projection head).
   *
   * @param options `includeProjection` (default true).
   * @returns The live `tf.Variable`s (not copies; do not dispose them).
   */
  trainableVariables(options: UNetCountOptions = {}): tf.Variable[] {
    this.assertAlive('trainableVariables');
    const includeProjection = options.includeProjection ?? true;
    return this.specs
      .filter((s) => s.trainable && (includeProjection || !s.projection))
      .map((s) => this.v(s.name));
  }

  /**
   * The batch-norm running statistics (`movingMean`, `movingVariance` per norm layer), stable order.
   * Empty for instance norm and no norm.
   *
   * @returns The live `tf.Variable`s (not copies; do not dispose them).
   */
  nonTrainableVariables(options: UNetCountOptions = {}): tf.Variable[] {
    this.assertAlive('nonTrainableVariables');
    const includeProjection = options.includeProjection ?? true;
    return this.specs
      .filter((s) => !s.trainable && (includeProjection || !s.projection))
      .map((s) => this.v(s.name));
  }

  /**
   * Re-estimates the batch-norm running statistics from `batches`, with dropout off: the running mean
   * and variance become the averages of the batches' means and unbiased variances (PyTorch's
   * `momentum=None` cumulative average; the projection head's too when the network has one). The
   * weights are unchanged. Use it when the running statistics gathered with dropout on disagree with
   * the statistics the layers see in inference (dropout in front of batch norm): run it on training
   * images before evaluating.
   *
   * @param batches Input batches `[N,H,W,C]` (each N > 1 at the bottleneck); not disposed.
   * @throws Error when `config.normalization` is not `'batch'` or `batches` is empty.
   * @example
   * net.recalibrateBatchNorm([x1, x2, x3]); // then net.forward(x) uses the new statistics
   */
  recalibrateBatchNorm(batches: Iterable<tf.Tensor4D>): void {
    this.assertAlive('recalibrateBatchNorm');
    if (this.config.normalization !== 'batch') {
      throw new Error(`UNet.recalibrateBatchNorm: the network has no batch norm (normalization '${this.config.normalization}').`);
    }
    let k = 0;
    for (const x of batches) {
      tf.tidy(() => {
        this.forward(x, { training: true, dropout: false, bnMomentum: 1 / (k + 1), embeddings: this.config.projection !== false });
      });
      k += 1;
    }
    if (k === 0) throw new Error('UNet.recalibrateBatchNorm: argument \'batches\' is empty.');
  }

  /** Stable names of all weights (trainable then running, in spec order), as used by {@link getWeights}. */
  weightNames(): string[] {
    return this.specs.map((s) => s.name);
  }

  /**
   * Number of trainable scalars. `parameterCount({ includeProjection: false })` is the U-Net alone
   * (1,813,764 for the defaults); the default also counts the projection head (+5,376).
   */
  parameterCount(options: UNetCountOptions = {}): number {
    return this.trainableVariables(options).reduce((n, v) => n + v.size, 0);
  }

  /** Number of batch-norm running values (2,944 for the default U-Net, +128 for the projection head). */
  bufferCount(options: UNetCountOptions = {}): number {
    return this.nonTrainableVariables(options).reduce((n, v) => n + v.size, 0);
  }

  /**
   * Copies of every weight (trainable and running statistics) under their stable names
   * (e.g. `enc0/conv1/kernel`), independent of this instance.
   *
   * @returns A new map; the caller disposes its tensors (e.g. `tf.dispose(Object.values(map))`).
   */
  getWeights(): tf.NamedTensorMap {
    this.assertAlive('getWeights');
    const out: tf.NamedTensorMap = {};
    for (const s of this.specs) out[s.name] = tf.clone(this.v(s.name));
    return out;
  }

  /**
   * Sets every weight from `weights`, which must hold exactly the names of {@link weightNames} with the
   * same shapes and float32 dtype; nothing is assigned unless everything matches.
   *
   * @param weights Name -> tensor. Not disposed; the network keeps its own reference to the values.
   * @throws Error `UNet.setWeights: ...` listing missing, unexpected or mis-shaped weights.
   */
  setWeights(weights: tf.NamedTensorMap): void {
    this.assertAlive('setWeights');
    if (weights === null || typeof weights !== 'object') {
      throw new Error(`UNet.setWeights: argument 'weights' must be a map from weight name to tensor.`);
    }
    const problems: string[] = [];
    const names = new Set(this.specs.map((s) => s.name));
    const missing = this.specs.filter((s) => !(s.name in weights)).map((s) => s.name);
    const unexpected = Object.keys(weights).filter((k) => !names.has(k));
    if (missing.length > 0) {
      problems.push(`missing ${missing.length} weight(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
    }
    if (unexpected.length > 0) {
      problems.push(
        `${unexpected.length} unexpected weight(s): ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ', ...' : ''}`,
      );
    }
    for (const s of this.specs) {
      const t = weights[s.name];
      if (!t) continue;
      if (!(t instanceof tf.Tensor) || t.isDisposed) {
        problems.push(`'${s.name}' is not a live tensor`);
      } else if (!sameShape(t.shape, s.shape)) {
        problems.push(`'${s.name}' has shape [${t.shape}], expected [${s.shape}]`);
      } else if (t.dtype !== 'float32') {
        problems.push(`'${s.name}' has dtype ${t.dtype}, expected float32`);
      }
    }
    if (problems.length > 0) {
      throw new Error(
        `UNet.setWeights: the weights do not match this network (channels [${this.config.channels}], ` +
          `upsampling '${this.config.upsampling}', normalization '${this.config.normalization}'): ${problems.join('; ')}.`,
      );
    }
    for (const s of this.specs) this.v(s.name).assign(weights[s.name]);
  }

  /**
   * Copies every weight (and running statistic) of `other`, which must have the same architecture.
   *
   * @param other A network with identical weight names and shapes.
   * @throws Error when the architectures differ.
   */
  copyWeightsFrom(other: UNet): void {
    this.assertAlive('copyWeightsFrom');
    if (!(other instanceof UNet)) throw new Error(`UNet.copyWeightsFrom: argument 'other' must be a UNet.`);
    other.assertAlive('copyWeightsFrom');
    if (other === this) return;
    const map: tf.NamedTensorMap = {};
    for (const s of other.specs) map[s.name] = other.v(s.name);
    this.setWeights(map);
  }

  /**
   * A new network with the same configuration and a copy of the weights and running statistics, with
   * its own variables (e.g. the mean teacher). The caller disposes it.
   *
   * @param options `trainable` (default true): see {@link UNetCloneOptions}.
   */
  clone(options: UNetCloneOptions = {}): UNet {
    this.assertAlive('clone');
    const copy = new UNet(this.config as ResolvedUNetConfig);
    copy.copyWeightsFrom(this);
    copy.callCounter = this.callCounter;
    if (options.trainable === false) {
      for (const v of copy.trainableVariables()) v.trainable = false;
    }
    return copy;
  }

  /**
   * Saves the configuration and weights (TensorFlow.js weight format, `tf.io.encodeWeights`).
   *
   * - `'memory'`: returns {@link UNetArtifacts} (config, weightSpecs, weightData).
   * - a folder path: writes `model.json` (format, config, weightsManifest) and `weights.bin`, each
   *   atomically (temporary file + rename), creating the folder; returns the paths. Node only: the
   *   browser build rejects folders.
   *
   * @example
   * const artifacts = await net.save('memory');
   * await net.save('/tmp/run1/student');
   */
  save(target: 'memory'): Promise<UNetArtifacts>;
  save(target: string): Promise<UNetSaveResult>;
  async save(target: string): Promise<UNetArtifacts | UNetSaveResult> {
    this.assertAlive('save');
    if (typeof target !== 'string' || target.length === 0) {
      throw new Error(`UNet.save: argument 'target' must be 'memory' or a folder path, got ${String(target)}.`);
    }
    const weights = this.getWeights();
    let encoded: { data: ArrayBuffer; specs: tf.io.WeightsManifestEntry[] };
    try {
      encoded = await tf.io.encodeWeights(this.specs.map((s) => ({ name: s.name, tensor: weights[s.name] })));
    } finally {
      tf.dispose(Object.values(weights));
    }
    const artifacts: UNetArtifacts = {
      format: UNET_FORMAT,
      formatVersion: UNET_FORMAT_VERSION,
      config: JSON.parse(JSON.stringify(this.config)) as ResolvedUNetConfig,
      weightSpecs: encoded.specs,
      weightData: encoded.data,
    };
    if (target === 'memory') return artifacts;
    return writeUNetFolder(artifacts, target, 'UNet.save');
  }

  /**
   * Loads a network saved by {@link UNet.save}.
   *
   * @param source A folder (or its `model.json` path; Node only), or in-memory {@link UNetArtifacts}.
   * @param expectedConfig When given, the saved configuration must match it (every key but `seed`,
   *   after filling defaults), else an error lists the differences.
   * @returns A new network; the caller disposes it.
   * @throws Error `UNet.load: ...` for a missing/malformed source, a configuration mismatch, or weights
   *   that do not fit the saved configuration.
   * @example
   * const net = await UNet.load('/tmp/run1/student', { channels: [16, 32, 64, 128, 256] });
   */
  static async load(source: string | UNetArtifacts, expectedConfig?: UNetConfig): Promise<UNet> {
    const fn = 'UNet.load';
    const artifacts =
      typeof source === 'string' ? await readUNetFolder(source, fn) : checkUNetArtifacts(source, fn);
    if (expectedConfig !== undefined) {
      const expected = resolveUNetConfig(expectedConfig);
      const diff = unetConfigDifferences(expected, artifacts.config);
      if (diff.length > 0) {
        throw new Error(
          `${fn}: the saved network's configuration does not match the expected one (expected vs saved): ${diff.join('; ')}.`,
        );
      }
    }
    const net = new UNet(artifacts.config);
    let decoded: tf.NamedTensorMap | undefined;
    try {
      decoded = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
      net.setWeights(decoded);
    } catch (err) {
      net.dispose();
      throw new Error(`${fn}: ${(err as Error).message}`);
    } finally {
      if (decoded) tf.dispose(Object.values(decoded));
    }
    return net;
  }

  /** Frees every variable; the network cannot be used afterwards. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.disposed = true;
  }

  /** True once {@link dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }
}
