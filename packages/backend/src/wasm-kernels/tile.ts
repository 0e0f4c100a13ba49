import * as tf from '@tensorflow/tfjs-core';
import { heapView, type WasmKernelArgs } from './kernel-utils';

/**
 * True when tiling `shape` by `reps` only repeats the whole tensor: some p has reps[i] = 1 for i >= p
 * and shape[i] = 1 for i < p (e.g. [1,1,1,C] tiled by [N,H,W,1], as the batch-norm gradient does).
 */
export function isWholeRepeat(shape: number[], reps: number[]): boolean {
  let p = reps.length;
  while (p > 0 && reps[p - 1] === 1) p--;
  for (let i = 0; i < p; i++) if (shape[i] !== 1) return false;
  return true;
}

/**
 * Builds the Tile kernel for the wasm backend: wasm's Tile is a per-element index loop; when the tile
 * only repeats the whole input (the pattern of tfjs' batch-norm gradient), the output is the input
 * copied once and then doubled with `copyWithin` (memcpy speed). Other patterns go to `original`.
 * Input x; attrs reps; output shape x.shape[i] * reps[i], x's dtype.
 */
export function makeTileWasm(original: tf.KernelFunc) {
  return function tileWasm(args: WasmKernelArgs<{ reps: number[] }>): tf.TensorInfo {
    const { backend, inputs, attrs } = args;
    const x = inputs.x as tf.TensorInfo;
    const { reps } = attrs;
    if (x.dtype === 'string' || reps.length !== x.shape.length || !isWholeRepeat(x.shape, reps)) {
      return original(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const out = backend.makeOutput(outShape, x.dtype);
    const o = heapView(backend, out);
    const xv = heapView(backend, x);
    const block = xv.length;
    const total = o.length;
    if (block === 0 || total === 0) return out;
    o.set(xv, 0);
    let filled = block;
    while (filled < total) {
      const n = Math.min(filled, total - filled);
      o.copyWithin(filled, 0, n);
      filled += n;
    }
    return out;
  };
}
