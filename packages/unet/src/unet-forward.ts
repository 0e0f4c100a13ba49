import * as tf from '@tensorflow/tfjs-core';
import { batchNormInference, batchNormTraining, instanceNorm, runningMomentsUpdate } from './normalize';
import { FUSED_BATCH_NORM_FLAG, fusedBatchNormActivation, fusedBatchNormActivationAvailable } from './batch-norm-activation';
import type { ResolvedUNetConfig } from './unet-config';

/** Leaky-ReLU slope of the U-Net blocks (SSL4MIS). */
export const LEAKY_SLOPE = 0.01;

/**
 * How a training forward without an explicit `seed` derives its dropout seed: from the network's seed
 * and a per-network call counter, `seed * CONFIG + call * CALL` (two primes, so distinct networks and
 * calls give distinct seeds). Each dropout layer's mask is then seeded `base * MAX_DROPOUT_LAYERS + i`.
 */
export const DROPOUT_SEED_MIX = { config: 7919, call: 104729 } as const;
/** Dropout layers per forward that get distinct seeds (a U-Net of depth d has 2d + 2 at most). */
export const MAX_DROPOUT_LAYERS = 64;

/** What a forward pass needs of the network. */
export interface ForwardContext {
  config: ResolvedUNetConfig;
  depth: number;
  /** The variable of a parameter or buffer, by name. */
  variable(name: string): tf.Variable;
}

/** The options of one forward pass, resolved and checked by `UNet.forward`. */
export interface ForwardSettings {
  training: boolean;
  useDropout: boolean;
  seedBase: number;
  bnMomentum: number;
  embeddings: boolean;
  features: boolean;
}

/**
 * One forward pass of the U-Net: encoder, decoder, output conv and projection head, as named parts.
 * The caller runs {@link ForwardPass.run} inside nothing (it makes its own `tf.tidy`).
 */
export class ForwardPass {
  private dropoutIndex = 0;
  /** Under a gradient tape: plain conv2d + add (see {@link ForwardPass.conv}). */
  private readonly taping = tf.engine().state.gradientDepth > 0;
  /** Training with batch norm on cpu / wasm: one fused bias + batch norm + activation kernel. */
  private readonly fused: boolean;

  constructor(
    private readonly net: ForwardContext,
    private readonly s: ForwardSettings,
  ) {
    this.fused = s.training && net.config.normalization === 'batch' && fusedBatchNormActivationAvailable();
  }

  /** Logits (and features, embeddings when asked); every tensor new, owned by the caller. */
  run(x: tf.Tensor4D): Record<string, tf.Tensor4D> {
    return tf.tidy(() => {
      const cfg = this.net.config;
      const skips: tf.Tensor4D[] = [];
      let h: tf.Tensor4D = x;
      for (let i = 0; i <= this.net.depth; i++) {
        if (i > 0) h = tf.maxPool(h, 2, 2, 'valid');
        h = this.block(`enc${i}`, h, cfg.dropout[i]);
        skips.push(h);
      }
      for (let l = this.net.depth - 1; l >= 0; l--) {
        const upsampled = this.up(l, h);
        h = this.block(`dec${l}`, tf.concat([skips[l], upsampled], 3), cfg.decoderDropout);
      }
      const out: Record<string, tf.Tensor4D> = { logits: this.conv('out', h) };
      if (this.s.features) out.features = h;
      if (this.s.embeddings) out.embeddings = this.conv('proj/conv2', this.convNormAct('proj/conv1', 'proj/norm', h, 0));
      return out;
    });
  }

  private v(name: string): tf.Tensor {
    return this.net.variable(name);
  }

  private dropout(h: tf.Tensor4D, rate: number): tf.Tensor4D {
    const index = this.dropoutIndex++;
    if (!this.s.useDropout || rate === 0) return h;
    return tf.dropout(h, rate, undefined, this.s.seedBase * MAX_DROPOUT_LAYERS + index) as tf.Tensor4D;
  }

  /**
   * Conv 3x3 (or 1x1) with bias. Under a gradient tape a plain conv2d + add: tfjs's fused conv2d
   * differentiates through tf.customGrad, whose saved inputs the wasm backend copies, which the engine's
   * IS_TEST leak check reports as a leak. Without a tape the fused kernel is faster.
   */
  private conv(name: string, h: tf.Tensor4D): tf.Tensor4D {
    const filter = this.v(`${name}/kernel`) as tf.Tensor4D;
    const bias = this.v(`${name}/bias`);
    if (this.taping) return tf.add(tf.conv2d(h, filter, 1, 'same'), bias);
    return tf.fused.conv2d({ x: h, filter, bias, strides: 1, pad: 'same' });
  }

  /** Training-mode batch norm: running <- (1 - momentum) running + momentum batch (unbiased variance). */
  private updateRunningMoments(normName: string, mean: tf.Tensor1D, variance: tf.Tensor1D, count: number): void {
    const movingMean = this.net.variable(`${normName}/movingMean`);
    const movingVariance = this.net.variable(`${normName}/movingVariance`);
    const next = runningMomentsUpdate(movingMean as tf.Tensor1D, movingVariance as tf.Tensor1D, mean, variance, count, this.s.bnMomentum);
    movingMean.assign(next.mean);
    movingVariance.assign(next.variance);
  }

  private norm(name: string, h: tf.Tensor4D): tf.Tensor4D {
    const cfg = this.net.config;
    if (cfg.normalization === 'none') return h;
    const gamma = this.v(`${name}/gamma`) as tf.Tensor1D;
    const beta = this.v(`${name}/beta`) as tf.Tensor1D;
    if (cfg.normalization === 'instance') return instanceNorm(h, gamma, beta, cfg.normEpsilon);
    if (!this.s.training) {
      return batchNormInference(h, this.v(`${name}/movingMean`) as tf.Tensor1D, this.v(`${name}/movingVariance`) as tf.Tensor1D, gamma, beta, cfg.normEpsilon);
    }
    const { y, mean, variance } = batchNormTraining(h, gamma, beta, cfg.normEpsilon);
    this.updateRunningMoments(name, mean, variance, h.shape[0] * h.shape[1] * h.shape[2]);
    return y;
  }

  /** conv -> norm -> activation (alpha: leaky-ReLU slope, 0 for ReLU), by the fastest path that applies. */
  private convNormAct(convName: string, normName: string, h: tf.Tensor4D, alpha: number): tf.Tensor4D {
    const cfg = this.net.config;
    if (!this.s.training && !this.taping && cfg.normalization === 'batch' && tf.env().getBool(FUSED_BATCH_NORM_FLAG)) {
      return this.foldedInference(convName, normName, h, alpha);
    }
    if (!this.fused) {
      const y = this.norm(normName, this.conv(convName, h));
      return alpha === 0 ? tf.relu(y) : tf.leakyRelu(y, alpha);
    }
    const z = tf.conv2d(h, this.v(`${convName}/kernel`) as tf.Tensor4D, 1, 'same');
    const { out, mean, variance } = fusedBatchNormActivation(z, this.v(`${convName}/bias`), this.v(`${normName}/gamma`), this.v(`${normName}/beta`), cfg.normEpsilon, alpha);
    this.updateRunningMoments(normName, mean, variance, h.shape[0] * h.shape[1] * h.shape[2]);
    return out;
  }

  /**
   * Inference: the running statistics are constants, so batch norm folds into the convolution
   * (W' = W s, b' = (b - runningMean) s + beta, s = gamma / sqrt(runningVar + eps)) and the activation
   * into the fused conv kernel: one kernel per layer instead of three.
   */
  private foldedInference(convName: string, normName: string, h: tf.Tensor4D, alpha: number): tf.Tensor4D {
    const filter = this.v(`${convName}/kernel`) as tf.Tensor4D;
    const s = tf.div(this.v(`${normName}/gamma`), tf.sqrt(tf.add(this.v(`${normName}/movingVariance`), this.net.config.normEpsilon)));
    const bias = tf.add(tf.mul(tf.sub(this.v(`${convName}/bias`), this.v(`${normName}/movingMean`)), s), this.v(`${normName}/beta`));
    return tf.fused.conv2d({
      x: h,
      filter: tf.mul(filter, s) as tf.Tensor4D,
      bias,
      strides: 1,
      pad: 'same',
      activation: alpha === 0 ? 'relu' : 'leakyrelu',
      leakyreluAlpha: alpha,
    });
  }

  private block(name: string, h: tf.Tensor4D, rate: number): tf.Tensor4D {
    const y = this.dropout(this.convNormAct(`${name}/conv1`, `${name}/norm1`, h, LEAKY_SLOPE), rate);
    return this.convNormAct(`${name}/conv2`, `${name}/norm2`, y, LEAKY_SLOPE);
  }

  private up(level: number, h: tf.Tensor4D): tf.Tensor4D {
    const cfg = this.net.config;
    const [n, hh, ww] = h.shape;
    if (cfg.upsampling === 'bilinear') return tf.image.resizeBilinear(this.conv(`up${level}`, h), [2 * hh, 2 * ww], true);
    const kernel = this.v(`up${level}/kernel`) as tf.Tensor4D;
    const y = tf.conv2dTranspose(h, kernel, [n, 2 * hh, 2 * ww, cfg.channels[level]], 2, 'valid');
    return tf.add(y, this.v(`up${level}/bias`));
  }
}
