import { resolveUNetConfig, type ResolvedUNetConfig, type UNetConfig } from './unet-config';

/** How a weight is initialised (see {@link unetParameterSpecs}). */
export type UNetInit = 'he-normal' | 'uniform-fan-in' | 'zeros' | 'ones';

/** One weight of a {@link UNet}: its name, shape, role and initialiser. */
export interface UNetParameterSpec {
  /** Stable name, unique within a network, e.g. `enc0/conv1/kernel`, `dec2/norm2/movingMean`. */
  name: string;
  /** Shape; convolution kernels are `[kh, kw, in, out]`, transposed ones `[kh, kw, out, in]` (tfjs layouts). */
  shape: number[];
  /** Trained by the optimiser (false for the batch-norm running statistics). */
  trainable: boolean;
  /** Part of the projection head rather than the U-Net. */
  projection: boolean;
  /** Initialiser. */
  init: UNetInit;
  /** Fan-in used by `he-normal` and `uniform-fan-in` (kh * kw * input channels; PyTorch's for transposed kernels). */
  fanIn: number;
}

function push(
  out: UNetParameterSpec[],
  name: string,
  shape: number[],
  init: UNetInit,
  opts: { trainable?: boolean; projection?: boolean; fanIn?: number } = {},
): void {
  out.push({
    name,
    shape,
    init,
    trainable: opts.trainable ?? true,
    projection: opts.projection ?? false,
    fanIn: opts.fanIn ?? 0,
  });
}

/** Kernel and bias initialisers of a convolution under `cfg.init`. */
function convInits(cfg: ResolvedUNetConfig): [UNetInit, UNetInit] {
  return cfg.init === 'he' ? ['he-normal', 'zeros'] : ['uniform-fan-in', 'uniform-fan-in'];
}

function conv(
  out: UNetParameterSpec[],
  prefix: string,
  k: number,
  cin: number,
  cout: number,
  cfg: ResolvedUNetConfig,
  projection = false,
): void {
  const [kernelInit, biasInit] = convInits(cfg);
  const fanIn = k * k * cin;
  push(out, `${prefix}/kernel`, [k, k, cin, cout], kernelInit, { fanIn, projection });
  push(out, `${prefix}/bias`, [cout], biasInit, { fanIn, projection });
}

function norm(
  out: UNetParameterSpec[],
  prefix: string,
  c: number,
  cfg: ResolvedUNetConfig,
  projection = false,
): void {
  if (cfg.normalization === 'none') return;
  push(out, `${prefix}/gamma`, [c], 'ones', { projection });
  push(out, `${prefix}/beta`, [c], 'zeros', { projection });
  if (cfg.normalization === 'batch') {
    push(out, `${prefix}/movingMean`, [c], 'zeros', { trainable: false, projection });
    push(out, `${prefix}/movingVariance`, [c], 'ones', { trainable: false, projection });
  }
}

function convBlock(out: UNetParameterSpec[], prefix: string, cin: number, cout: number, cfg: ResolvedUNetConfig): void {
  conv(out, `${prefix}/conv1`, 3, cin, cout, cfg);
  norm(out, `${prefix}/norm1`, cout, cfg);
  conv(out, `${prefix}/conv2`, 3, cout, cout, cfg);
  norm(out, `${prefix}/norm2`, cout, cfg);
}

/**
 * Every weight of the U-Net described by `config`, in the network's stable order: encoder blocks
 * `enc0..encD`, then per decoder level `l = D-1..0` the up-sampling `up<l>` and the block `dec<l>`,
 * then `out` (3x3 conv to K classes), then the projection head `proj/*`.
 *
 * Structure (SSL4MIS `networks/unet.py`): a block is conv3x3-norm-LeakyReLU-dropout-conv3x3-norm-LeakyReLU,
 * convolutions have biases; `'bilinear'` up-sampling has a 1x1 conv `channels[l+1] -> channels[l]`,
 * `'transpose'` a 2x2 transposed conv; decoder block `l` maps `2 channels[l] -> channels[l]`.
 * Batch norm has gamma/beta (trainable) and movingMean/movingVariance (not trainable); instance norm has
 * gamma/beta only (affine); `'none'` has neither.
 *
 * @param config A partial or resolved configuration (resolved and validated here).
 * @returns A new array of specs; allocates no tensors.
 * @example
 * unetParameterSpecs({ channels: [4, 8] }).map((s) => s.name)[0]; // 'enc0/conv1/kernel'
 */
export function unetParameterSpecs(config: UNetConfig = {}): UNetParameterSpec[] {
  const cfg = resolveUNetConfig(config);
  const ch = cfg.channels;
  const depth = ch.length - 1;
  const out: UNetParameterSpec[] = [];
  convBlock(out, 'enc0', cfg.inChannels, ch[0], cfg);
  for (let i = 1; i <= depth; i++) convBlock(out, `enc${i}`, ch[i - 1], ch[i], cfg);
  for (let l = depth - 1; l >= 0; l--) {
    if (cfg.upsampling === 'bilinear') {
      conv(out, `up${l}`, 1, ch[l + 1], ch[l], cfg);
    } else {
      // He: fan-in of the input side; PyTorch's ConvTranspose2d computes its fan-in from the weight's
      // second axis, the output channels: 4 * ch[l].
      const [kernelInit, biasInit] = convInits(cfg);
      const fanIn = cfg.init === 'he' ? 4 * ch[l + 1] : 4 * ch[l];
      push(out, `up${l}/kernel`, [2, 2, ch[l], ch[l + 1]], kernelInit, { fanIn });
      push(out, `up${l}/bias`, [ch[l]], biasInit, { fanIn });
    }
    convBlock(out, `dec${l}`, 2 * ch[l], ch[l], cfg);
  }
  conv(out, 'out', 3, ch[0], cfg.numClasses, cfg);
  if (cfg.projection) {
    conv(out, 'proj/conv1', 1, ch[0], cfg.projection.hidden, cfg, true);
    norm(out, 'proj/norm', cfg.projection.hidden, cfg, true);
    conv(out, 'proj/conv2', 1, cfg.projection.hidden, cfg.projection.dim, cfg, true);
  }
  return out;
}

/** Options of {@link countUNetParameters}. */
export interface CountUNetParametersOptions {
  /** Count the projection head too. Default true. */
  includeProjection?: boolean;
  /** `true` (default): trainable scalars; `false`: the batch-norm running values instead. */
  trainable?: boolean;
}

/**
 * Number of scalars in the weights of the U-Net described by `config`, without building it.
 *
 * For the defaults (1 input channel, 4 classes, 16-32-64-128-256, batch norm): 1,813,764 trainable
 * scalars with bilinear up-sampling, 1,944,324 with transposed convolutions, 2,944 running values,
 * plus 5,376 trainable (and 128 running) in the default projection head.
 *
 * @param config A partial configuration.
 * @param options `includeProjection` (default true), `trainable` (default true).
 * @returns The count, a non-negative integer.
 * @example
 * countUNetParameters({ projection: false }); // 1813764
 */
export function countUNetParameters(config: UNetConfig = {}, options: CountUNetParametersOptions = {}): number {
  const includeProjection = options.includeProjection ?? true;
  const trainable = options.trainable ?? true;
  let total = 0;
  for (const s of unetParameterSpecs(config)) {
    if (s.trainable !== trainable) continue;
    if (s.projection && !includeProjection) continue;
    total += s.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}
