import * as tf from '@tensorflow/tfjs-core';
import { heapView, type WasmKernelArgs } from './kernel-utils';

/** Attributes of MaxPoolGrad (those of the forward max-pool). */
export interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * MaxPoolGrad for the wasm backend. tfjs-backend-wasm 4.22's kernel sends the gradient of a window
 * whose values are all negative to the window's first element instead of its maximum (its running
 * maximum starts at 0, not -Infinity). This one routes each output gradient `dy[b,oy,ox,c]` to the
 * position of the maximum of `input` in that window (the first one in row-major window order on ties,
 * as the cpu backend and TensorFlow do), with the window clipped to the input (padding never wins), and
 * sums where windows overlap:
 * `dx[b,y,x,c] = sum_{(oy,ox): argmax window(oy,ox) = (y,x)} dy[b,oy,ox,c]`.
 * Inputs dy `[N,OH,OW,C]`, input `[N,H,W,C]` (output unused); attrs as the forward max-pool; output
 * `[N,H,W,C]` float32. One pass over the windows in JavaScript on the wasm heap.
 */
export function maxPoolGradWasm(args: WasmKernelArgs<MaxPoolGradAttrs>): tf.TensorInfo {
  const { backend, inputs, attrs } = args;
  const dy = inputs.dy as tf.TensorInfo;
  const input = inputs.input as tf.TensorInfo;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth, padInfo } = info;
  const out = backend.makeOutput(input.shape, 'float32');
  const dx = heapView(backend, out) as Float32Array; // the heap is reused: cleared below
  const xv = heapView(backend, input) as Float32Array;
  const dyv = heapView(backend, dy) as Float32Array;
  dx.fill(0);
  const rowStride = inWidth * channels;
  const imageStride = inHeight * rowStride;
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    const base = b * imageStride;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - padInfo.top;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(inHeight, y0 + filterHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - padInfo.left;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(inWidth, x0 + filterWidth);
        for (let c = 0; c < channels; c++, o++) {
          const g = dyv[o];
          if (g === 0 || yStart >= yEnd || xStart >= xEnd) continue;
          let best = -Infinity;
          let at = -1;
          for (let y = yStart; y < yEnd; y++) {
            let p = base + y * rowStride + xStart * channels + c;
            for (let x = xStart; x < xEnd; x++, p += channels) {
              const v = xv[p];
              if (v > best || at < 0) {
                best = v;
                at = p;
              }
            }
          }
          dx[at] += g;
        }
      }
    }
  }
  return out;
}

/** Kernel registration of {@link maxPoolGradWasm}. */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc,
};
