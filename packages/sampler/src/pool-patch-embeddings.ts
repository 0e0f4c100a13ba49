import * as tf from '@tensorflow/tfjs-core';
import { checkPositiveInteger, patchGrid } from './patch-grid';
import type { PatchSample } from './sample-patches';

/** Options of {@link poolPatchEmbeddings}: the grid the sample was drawn on, plus numerics. */
export interface PoolPatchEmbeddingsOptions {
  /** Side of a square patch in pixels (as given to `averagePatchEntropy`). Default 16. */
  patchSize?: number;
  /** Step between patches in pixels. Default 16. */
  stride?: number;
  /** Norm floor of the L2 normalisation: `z / max(||z||, epsilon)`. Default 1e-6. */
  epsilon?: number;
  /**
   * How the sampled rows are selected: `'gather'` (`tf.gather`, whose gradient needs the
   * `UnsortedSegmentSum` kernel), `'matmul'` (a one-hot `[P, N*rows*cols]` selection matrix, only
   * MatMul in the gradient), or `'auto'` (default): gather when the active backend has
   * `UnsortedSegmentSum`, else matmul. Both give the same values and gradients.
   */
  method?: 'auto' | 'gather' | 'matmul';
}

/**
 * Patch embeddings `z(k)`: the L2-normalised average of the pixel embeddings E over each sampled patch.
 *
 * `zbar(k) = mean_{i in patch k} E(i)` (an average pool with the patch size and stride: a reshape and
 * a mean for non-overlapping patches, `tf.avgPool` otherwise), then the
 * rows of the sample are selected from the flattened `[N * rows * cols, d]` pool at
 * `image * rows * cols + row * cols + col`, and `z(k) = zbar(k) / max(||zbar(k)||_2, epsilon)`.
 * Differentiable with respect to `embeddings` (use it inside `tf.variableGrads` for the student;
 * for the teacher, compute it outside the gradient tape).
 *
 * @param embeddings - pixel embeddings `[N, H, W, d]` (e.g. the projection head output).
 * @param sample - the {@link PatchSample} drawn on the same grid (its `numImages`, `gridRows`,
 *   `gridCols`, when present, must match `embeddings` and the grid; every patch must lie on it).
 * @param grid - `{ patchSize, stride }` (defaults 16, 16), `epsilon` (1e-6), `method` (`'auto'`).
 * @returns `[P, d]` unit-norm rows in sample order; the caller disposes it. With P = 0 the result
 *   has shape `[0, d]`.
 * @throws Error naming `poolPatchEmbeddings` and the argument on a shape or grid mismatch.
 *
 * @example
 * ```ts
 * const zS = poolPatchEmbeddings(studentEmb, sample, { patchSize: 16, stride: 16 }); // [P, 64]
 * ```
 */
export function poolPatchEmbeddings(
  embeddings: tf.Tensor4D,
  sample: PatchSample,
  grid: PoolPatchEmbeddingsOptions = {},
): tf.Tensor2D {
  const fn = 'poolPatchEmbeddings';
  if (!(embeddings instanceof tf.Tensor) || embeddings.rank !== 4) {
    throw new Error(`${fn}: argument 'embeddings' must be a rank-4 tensor [N, H, W, d].`);
  }
  const [n, height, width, d] = embeddings.shape;
  const patchSize = grid.patchSize ?? 16;
  const stride = grid.stride ?? 16;
  const epsilon = grid.epsilon ?? 1e-6;
  const method = grid.method ?? 'auto';
  checkPositiveInteger(fn, 'grid.patchSize', patchSize);
  checkPositiveInteger(fn, 'grid.stride', stride);
  if (!(epsilon > 0)) throw new Error(`${fn}: option 'epsilon' must be a positive number; got ${String(epsilon)}.`);
  if (method !== 'auto' && method !== 'gather' && method !== 'matmul') {
    throw new Error(`${fn}: option 'method' must be 'auto', 'gather' or 'matmul'; got '${String(method)}'.`);
  }
  const { rows, cols } = patchGrid(height, width, { patchSize, stride });
  if (!sample || typeof sample.count !== 'number' || !(sample.image instanceof Int32Array)) {
    throw new Error(`${fn}: argument 'sample' must be a PatchSample from samplePatches.`);
  }
  const gridKnown = sample.numImages !== undefined && sample.gridRows !== undefined && sample.gridCols !== undefined;
  if (gridKnown && (sample.numImages !== n || sample.gridRows !== rows || sample.gridCols !== cols)) {
    throw new Error(
      `${fn}: argument 'sample' was drawn on a ${sample.numImages}x${sample.gridRows}x${sample.gridCols} grid, ` +
        `but 'embeddings' [${embeddings.shape}] with patchSize ${patchSize} and stride ${stride} give ${n}x${rows}x${cols}.`,
    );
  }
  const count = sample.count;
  const flat = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const [b, r, c] = [sample.image[i], sample.row[i], sample.col[i]];
    if (!(b >= 0 && b < n && r >= 0 && r < rows && c >= 0 && c < cols)) {
      throw new Error(
        `${fn}: argument 'sample' patch ${i} at (image ${b}, row ${r}, col ${c}) lies outside the ${n}x${rows}x${cols} grid of 'embeddings'.`,
      );
    }
    flat[i] = (b * rows + r) * cols + c;
  }
  const useGather =
    method === 'gather' || (method === 'auto' && tf.getKernel('UnsortedSegmentSum', tf.getBackend()) !== undefined);

  return tf.tidy(() => {
    const pooled = tf.reshape(patchMeans(embeddings, patchSize, stride, rows, cols), [n * rows * cols, d]) as tf.Tensor2D;
    let selected: tf.Tensor2D;
    if (useGather) {
      selected = tf.gather(pooled, tf.tensor1d(flat, 'int32'));
    } else {
      // One-hot selection rows built on the host (tf.oneHot rejects a depth of 1, and a broadcast
      // equal() is slow on the wasm backend).
      const cells = n * rows * cols;
      const selectRows = new Float32Array(count * cells);
      for (let i = 0; i < count; i++) selectRows[i * cells + flat[i]] = 1;
      const select = tf.tensor2d(selectRows, [count, cells]);
      selected = tf.matMul(select, pooled);
    }
    const squaredNorm = tf.sum(tf.square(selected), 1, true);
    return tf.mul(selected, tf.rsqrt(tf.maximum(squaredNorm, epsilon * epsilon))) as tf.Tensor2D;
  });
}

/**
 * Mean of every grid window, `[N, rows, cols, d]`. Non-overlapping windows (`stride == patchSize`)
 * use a reshape and a mean, whose gradient is a broadcast multiply; `tf.avgPool` is used otherwise
 * (its gradient kernel is slow on the wasm backend: over 0.5 s for 8 x 128 x 128 x 64). Call in a tidy.
 * (A `tf.broadcastTo` gradient was tried and is slower still: the 6-D Tile takes over a second on wasm.)
 */
function patchMeans(x: tf.Tensor4D, patchSize: number, stride: number, rows: number, cols: number): tf.Tensor4D {
  if (stride !== patchSize) return tf.avgPool(x, patchSize, stride, 'valid');
  const [n, height, width, d] = x.shape;
  const cropped = rows * patchSize === height && cols * patchSize === width ? x : tf.slice(x, [0, 0, 0, 0], [n, rows * patchSize, cols * patchSize, d]);
  return tf.mean(tf.reshape(cropped, [n, rows, patchSize, cols, patchSize, d]), [2, 4]) as tf.Tensor4D;
}
