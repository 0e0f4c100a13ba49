import type * as tf from '@tensorflow/tfjs-core';

/**
 * The forward options a Semi-AGCL step passes to a model. `@agcl/unet`'s `UNet.forward` accepts them
 * as they are; a model of your own may ignore the ones it has no use for (a model without batch norm
 * ignores `bnMomentum`, one without dropout `seed` and `dropout`).
 */
export interface ModelForwardOptions {
  /** Training mode (dropout on, batch norm on batch statistics). */
  training: boolean;
  /** Also return the pixel embeddings `[N,H,W,d]` (asked only when patches are sampled). */
  embeddings?: boolean;
  /** Seed of this call's dropout masks. */
  seed?: number;
  /** In training mode, apply dropout (default true). The teacher's 'batch' mode passes false. */
  dropout?: boolean;
  /** In training mode, the momentum of the running-statistics update (the teacher passes 0: no update). */
  bnMomentum?: number;
}

/** What a model's forward returns; the step disposes every tensor. */
export interface ModelOutput {
  /** Class scores before softmax `[N,H,W,K]`. */
  logits: tf.Tensor4D;
  /** Pixel embeddings `[N,H,W,d]` when asked for (`embeddings: true`). */
  embeddings?: tf.Tensor4D;
}

/**
 * Any segmentation model a Semi-AGCL step can train: a forward that returns logits (and pixel
 * embeddings when asked) and its variables in a stable order. The student and the EMA teacher must be
 * two instances of the same architecture. `UNet` of `@agcl/unet` is one; a tfjs-layers model wraps in
 * a few lines (see the repository's `examples/own-model`).
 */
export interface SegmentationModel {
  forward(x: tf.Tensor4D, options: ModelForwardOptions): ModelOutput;
  /** Weights the optimiser updates, in a stable order. */
  trainableVariables(): tf.Variable[];
  /** Buffers (batch-norm running statistics), in a stable order; averaged into the teacher too. */
  nonTrainableVariables?(): tf.Variable[];
}
