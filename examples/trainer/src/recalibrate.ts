import * as tf from '@tensorflow/tfjs-core';
import type { Slice2D } from '@agcl/datasets';
import type { UNet } from '@agcl/unet';
import { toBatchTensors } from '@agcl/datasets';
import { UsageError } from './usage-error';

/**
 * `UNet.recalibrateBatchNorm` on the labeled training slices (all the same size, unaugmented), in
 * batches of `batch` (a last batch of one image is left out: batch norm needs more than one). With
 * `maxImages`, at most that many slices, evenly spaced over the list. Returns the images used.
 */
export function recalibrateOnLabeled(model: UNet, labeled: Slice2D[], batch: number, maxImages = Infinity): number {
  if (labeled.length < 2) throw new UsageError('--recalibrate-bn: the run has fewer than 2 labeled training images');
  if (!(maxImages >= 2)) throw new UsageError(`recalibrateOnLabeled: argument 'maxImages' must be >= 2, got ${maxImages}`);
  const count = Math.min(labeled.length, Math.floor(maxImages));
  const chosen = count === labeled.length ? labeled : Array.from({ length: count }, (_, i) => labeled[Math.floor((i * labeled.length) / count)]);
  const size = Math.max(2, batch);
  const chunks: Slice2D[][] = [];
  for (let i = 0; i < chosen.length; i += size) chunks.push(chosen.slice(i, i + size));
  if (chunks.length > 1 && chunks[chunks.length - 1].length < 2) chunks.pop();
  // one batch at a time: the tensors of all batches at once would be the whole labeled set
  model.recalibrateBatchNorm(
    (function* () {
      for (const c of chunks) {
        const t = toBatchTensors(tf, c);
        try {
          yield t.x;
        } finally {
          tf.dispose([t.x, t.y]);
        }
      }
    })(),
  );
  return chunks.reduce((n, c) => n + c.length, 0);
}
