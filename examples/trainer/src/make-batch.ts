import * as tf from '@tensorflow/tfjs-core';
import * as datasets from '@agcl/datasets';
import type { Slice2D } from '@agcl/datasets';
import { batchIndices } from './batch-schedule';
import { deriveSeed } from './random';

/** Tensors of one stream of a batch. Caller disposes. */
export interface BatchTensors {
  /** Images [N,H,W,C] float32 in [0,1]. */
  x: tf.Tensor4D;
  /** Class maps [N,H,W] int32. */
  y: tf.Tensor3D;
  /** Ids of the slices drawn. */
  ids: string[];
}

/**
 * Packs slices (all the same size) into tensors. Caller disposes `x` and `y`.
 */
export function slicesToTensors(slices: Slice2D[]): BatchTensors {
  const { height: h, width: w, channels: c } = slices[0];
  const x = new Float32Array(slices.length * h * w * c);
  const y = new Int32Array(slices.length * h * w);
  slices.forEach((s, i) => {
    if (s.height !== h || s.width !== w || s.channels !== c) {
      throw new Error(`slicesToTensors: slice '${s.id}' is ${s.height}x${s.width}x${s.channels}, expected ${h}x${w}x${c}`);
    }
    x.set(s.image, i * h * w * c);
    y.set(s.label, i * h * w);
  });
  return {
    x: tf.tensor4d(x, [slices.length, h, w, c]),
    y: tf.tensor3d(y, [slices.length, h, w], 'int32'),
    ids: slices.map((s) => s.id),
  };
}

/**
 * Draws the batch of one stream at a given step and augments it (random rot90 and flips, as the
 * SSL4MIS `RandomGenerator`), all seeded by (seed, stream, step, i): a resumed run sees the same
 * batches as an uninterrupted one.
 */
export function drawBatch(
  slices: Slice2D[],
  options: { batch: number; step: number; seed: number; stream: 'labeled' | 'unlabeled'; augment: boolean },
): BatchTensors {
  const idx = batchIndices(slices.length, options.batch, options.step, options.seed, options.stream);
  const picked = idx.map((i, j) => {
    const s = slices[i];
    if (!options.augment) return s;
    return datasets.augment(s, { rot90: true, flip: true, rotate: true, seed: deriveSeed(options.seed, `aug-${options.stream}`, options.step, j) });
  });
  return slicesToTensors(picked);
}
