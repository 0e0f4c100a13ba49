import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelForwardOptions, ModelOutput, SegmentationModel } from '@agcl/semi-agcl';

/** Options of {@link createOwnModel}. */
export interface OwnModelOptions {
  /** K, classes including background. */
  numClasses: number;
  /** d, the pixel-embedding dimension. Default 16. */
  embeddingDim?: number;
  /** Channels of the trunk. Default 16. */
  width?: number;
  /** Seed of the weight initialisers (same seed, same weights). Default 1. */
  seed?: number;
}

/**
 * A user's own small fully convolutional segmenter in tfjs-layers: a shared trunk (two 3x3 convs at
 * full resolution, a 2x2 max pool, two 3x3 convs, a 2x upsampling joined with the full-resolution
 * features, one more 3x3 conv) and two 1x1 heads: per-pixel logits `[N,H,W,K]` and pixel embeddings
 * `[N,H,W,d]`. Any H, W divisible by 2.
 */
export function createOwnModel(options: OwnModelOptions): tfl.LayersModel {
  const { numClasses, embeddingDim = 16, width = 16, seed = 1 } = options;
  let s = seed * 100;
  const conv = (filters: number, kernelSize: number, activation: 'relu' | 'linear') =>
    tfl.layers.conv2d({ filters, kernelSize, padding: 'same', activation, kernelInitializer: tfl.initializers.heNormal({ seed: ++s }) });
  const input = tfl.input({ shape: [null, null, 1] });
  const full = conv(width, 3, 'relu').apply(conv(width, 3, 'relu').apply(input)) as tfl.SymbolicTensor;
  const pooled = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(full) as tfl.SymbolicTensor;
  const coarse = conv(2 * width, 3, 'relu').apply(conv(2 * width, 3, 'relu').apply(pooled)) as tfl.SymbolicTensor;
  const up = tfl.layers.upSampling2d({ size: [2, 2] }).apply(coarse) as tfl.SymbolicTensor;
  const trunk = conv(width, 3, 'relu').apply(tfl.layers.concatenate().apply([full, up])) as tfl.SymbolicTensor;
  const logits = conv(numClasses, 1, 'linear').apply(trunk) as tfl.SymbolicTensor;
  const embeddings = conv(embeddingDim, 1, 'linear').apply(trunk) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: [logits, embeddings] });
}

/**
 * A tfjs-layers model with outputs `[logits, embeddings]` as the `SegmentationModel` that
 * `SemiAgcl` trains. `training` reaches every layer through `model.apply(x, { training })` (Dropout
 * and BatchNormalization layers read it; this model has neither). The step's `seed`, `dropout` and
 * `bnMomentum` options have no tfjs-layers counterpart per call and are ignored.
 */
export function asSegmentationModel(model: tfl.LayersModel): SegmentationModel & { model: tfl.LayersModel } {
  return {
    model,
    forward(x: tf.Tensor4D, { training, embeddings }: ModelForwardOptions): ModelOutput {
      const [logits, z] = model.apply(x, { training }) as tf.Tensor4D[];
      if (embeddings) return { logits, embeddings: z };
      z.dispose(); // not asked for: the step disposes only what it receives
      return { logits };
    },
    // LayerVariable.read() returns the tf.Variable itself (typed as tf.Tensor), the one the optimiser updates.
    trainableVariables: () => model.trainableWeights.map((w) => w.read() as tf.Variable),
    nonTrainableVariables: () => model.nonTrainableWeights.map((w) => w.read() as tf.Variable),
  };
}
