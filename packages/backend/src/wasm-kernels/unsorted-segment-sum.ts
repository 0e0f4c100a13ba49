import * as tf from '@tensorflow/tfjs-core';
import { heapView, type WasmKernelArgs } from './kernel-utils';

/**
 * UnsortedSegmentSum for the wasm backend (the gradient of `gather`; the backend ships none):
 * out[s, ...] = sum over i with segmentIds[i] = s of x[i, ...]. A scatter-add written straight into
 * the output on the wasm heap; ids outside [0, numSegments) are dropped, as on the cpu backend.
 * Inputs x [...segmentIds.shape, ...rest], segmentIds int32; output [numSegments, ...rest], x's dtype.
 */
export function unsortedSegmentSumWasm(args: WasmKernelArgs<{ numSegments: number }>): tf.TensorInfo {
  const { backend, inputs, attrs } = args;
  const x = inputs.x as tf.TensorInfo;
  const segmentIds = inputs.segmentIds as tf.TensorInfo;
  const { numSegments } = attrs;
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`@agcl/backend UnsortedSegmentSum (wasm): numSegments must be a non-negative integer; got ${numSegments}.`);
  }
  if (segmentIds.dtype !== 'int32') {
    throw new Error(`@agcl/backend UnsortedSegmentSum (wasm): segmentIds must be int32; got ${segmentIds.dtype}.`);
  }
  const idsRank = segmentIds.shape.length;
  if (segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(
      `@agcl/backend UnsortedSegmentSum (wasm): segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}].`,
    );
  }
  const rest = x.shape.slice(idsRank);
  const inner = tf.util.sizeFromShape(rest);
  const count = tf.util.sizeFromShape(segmentIds.shape);
  const out = backend.makeOutput([numSegments, ...rest], x.dtype);
  // Views after the allocation (a heap growth detaches older views).
  const o = heapView(backend, out);
  const xv = heapView(backend, x);
  const ids = heapView(backend, segmentIds) as Int32Array;
  o.fill(0);
  for (let i = 0; i < count; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) o[dst + j] += xv[src + j];
  }
  return out;
}

/** Kernel registration of {@link unsortedSegmentSumWasm}. */
export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc,
};
