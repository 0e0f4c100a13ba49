import * as tf from '@tensorflow/tfjs-core';
import * as datasets from '@agcl/datasets';
import type { Slice2D } from '@agcl/datasets';
import { batchIndices } from './batch-schedule';
import { deriveSeed } from '@agcl/semi-agcl';

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
 * Draws the batch of one stream at a given step and augments it, all seeded by (seed, stream, step,
 * i): a resumed run sees the same batches as an uninterrupted one. `scheme` 'agcl' (default): random
 * rot90, flips and a bilinear rotation (up to 20 degrees), each drawn independently; 'ssl4mis':
 * SSL4MIS's `RandomGenerator` (`augmentSsl4mis` of `@agcl/datasets`).
 */
export function drawBatch(
  slices: Slice2D[],
  options: { batch: number; step: number; seed: number; stream: 'labeled' | 'unlabeled'; augment: boolean; scheme?: 'agcl' | 'ssl4mis' },
): BatchTensors {
  const idx = batchIndices(slices.length, options.batch, options.step, options.seed, options.stream);
  const scheme = options.scheme ?? 'agcl';
  if (scheme !== 'agcl' && scheme !== 'ssl4mis') throw new Error(`drawBatch: option 'scheme' must be 'agcl' or 'ssl4mis', got ${String(scheme)}`);
  const picked = idx.map((i, j) => {
    const s = slices[i];
    if (!options.augment) return s;
    const seed = deriveSeed(options.seed, `aug-${options.stream}`, options.step, j);
    if (scheme === 'ssl4mis') return datasets.augmentSsl4mis(s, { seed });
    return datasets.augment(s, { rot90: true, flip: true, rotate: true, seed });
  });
  return { ...datasets.toBatchTensors(tf, picked), ids: picked.map((s) => s.id) };
}
