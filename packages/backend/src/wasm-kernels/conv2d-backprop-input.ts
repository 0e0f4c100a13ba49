import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  assertChannelsLast,
  disposeIntermediate,
  heapView,
  reshapeInfo,
  runWasmKernel,
  type ConvGradAttrs,
  type WasmKernelArgs,
} from './kernel-utils';

/** How the input gradient is computed; `auto` (registered default) picks the first that applies. */
export type InputGradStrategy = 'auto' | 'matmul' | 'conv' | 'original';

/**
 * When stride equals filter size and there is no padding (2x2 stride-2 transposed conv), windows do not
 * overlap: dx = depth-to-space(dy @ W^T). Returns null when the shape does not qualify.
 */
function inputGradMatmul(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo | null {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, padInfo } = info;
  if (FH !== sh || FW !== sw || FH !== FW || padInfo.top !== 0 || padInfo.left !== 0 || OH * sh !== H || OW * sw !== W) return null;
  // dy [1, N*OH*OW, CO] @ (W [FH*FW*C, CO])^T -> [N*OH*OW, FH*FW*C], columns ordered (ky, kx, c): DepthToSpace's order.
  const dy3 = reshapeInfo(backend, dy, [1, N * OH * OW, CO]);
  const w3 = reshapeInfo(backend, filter, [1, FH * FW * C, CO]);
  const prod = runWasmKernel('BatchMatMul', backend, { a: dy3, b: w3 }, { transposeA: false, transposeB: true });
  disposeIntermediate(backend, dy3, w3);
  const prod4 = reshapeInfo(backend, prod, [N, OH, OW, FH * FW * C]);
  disposeIntermediate(backend, prod);
  const out = runWasmKernel('DepthToSpace', backend, { x: prod4 }, { blockSize: FH, dataFormat: 'NHWC' });
  disposeIntermediate(backend, prod4);
  return out;
}

/** out[kh, kw, co, ci] = w[FH-1-kh, FW-1-kw, ci, co]: the filter flipped in space, in/out channels swapped. One pass. */
function flipAndSwapFilter(backend: BackendWasm, filter: tf.TensorInfo): tf.TensorInfo {
  const [FH, FW, CI, CO] = filter.shape;
  const out = backend.makeOutput([FH, FW, CO, CI], 'float32');
  const o = heapView(backend, out) as Float32Array;
  const w = heapView(backend, filter) as Float32Array;
  for (let kh = 0; kh < FH; kh++) {
    for (let kw = 0; kw < FW; kw++) {
      const src = ((FH - 1 - kh) * FW + (FW - 1 - kw)) * CI * CO;
      const dst = (kh * FW + kw) * CO * CI;
      for (let ci = 0; ci < CI; ci++) {
        const s = src + ci * CO;
        for (let co = 0; co < CO; co++) o[dst + co * CI + ci] = w[s + co];
      }
    }
  }
  return out;
}

/**
 * The input gradient as a stride-1 convolution: dy, dilated with stride-1 zeros between its pixels, convolved
 * with the spatially flipped filter whose in/out channels are swapped. Returns null when the padding this
 * needs would be negative (unusual explicit paddings), so the caller can fall back.
 */
function inputGradConv(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo | null {
  const { batchSize: N, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const top = FH - 1 - padInfo.top;
  const left = FW - 1 - padInfo.left;
  const dilH = (OH - 1) * sh + 1;
  const dilW = (OW - 1) * sw + 1;
  const bottom = H + FH - 1 - top - dilH;
  const right = W + FW - 1 - left - dilW;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return null;
  let dyd = dy;
  if (sh > 1 || sw > 1) {
    // Zero-insertion: [N,OH,1,OW,1,C] padded to [N,OH,sh,OW,sw,C], then the trailing zeros are sliced off.
    const r6 = reshapeInfo(backend, dy, [N, OH, 1, OW, 1, CO]);
    const p6 = runWasmKernel('PadV2', backend, { x: r6 }, {
      paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0,
    });
    disposeIntermediate(backend, r6);
    const p4 = reshapeInfo(backend, p6, [N, OH * sh, OW * sw, CO]);
    disposeIntermediate(backend, p6);
    dyd = runWasmKernel('Slice', backend, { x: p4 }, { begin: [0, 0, 0, 0], size: [N, dilH, dilW, CO] });
    disposeIntermediate(backend, p4);
  }
  const swapped = flipAndSwapFilter(backend, filter);
  const out = runWasmKernel('Conv2D', backend, { x: dyd, filter: swapped }, {
    strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1],
    dimRoundingMode: undefined,
  });
  disposeIntermediate(backend, swapped);
  if (dyd !== dy) disposeIntermediate(backend, dyd);
  return out;
}

/**
 * Builds the Conv2DBackpropInput kernel for the wasm backend (the gradient of conv2d with respect to its
 * input, and the forward pass of conv2dTranspose). wasm's own kernel is a scalar loop; this one uses the
 * backend's XNNPACK kernels: a matmul + depth-to-space for non-overlapping windows (2x2 stride 2), else a
 * stride-1 convolution of the zero-dilated dy with the flipped, in/out-swapped filter. Falls back to
 * `original` (wasm's kernel) when neither applies. Inputs dy [N,OH,OW,Cout], filter [FH,FW,Cin,Cout];
 * output [N,H,W,Cin] = attrs.inputShape.
 */
export function makeConv2dBackpropInputWasm(original: tf.KernelFunc | null) {
  return function conv2dBackpropInputWasm(args: WasmKernelArgs<ConvGradAttrs>, strategy: InputGradStrategy = 'auto'): tf.TensorInfo {
    const { backend, inputs, attrs } = args;
    const dy = inputs.dy as tf.TensorInfo;
    const filter = inputs.filter as tf.TensorInfo;
    assertChannelsLast('Conv2DBackpropInput', attrs.dataFormat);
    if (attrs.inputShape == null) throw new Error('@agcl/backend Conv2DBackpropInput (wasm): attribute inputShape is missing.');
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
    );
    let out: tf.TensorInfo | null = null;
    if (strategy === 'auto' || strategy === 'matmul') out = inputGradMatmul(backend, dy, filter, info);
    if (out == null && (strategy === 'auto' || strategy === 'conv')) out = inputGradConv(backend, dy, filter, info);
    if (out == null) {
      if (original == null) throw new Error('@agcl/backend Conv2DBackpropInput (wasm): no implementation applies to this shape.');
      out = original(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    return out;
  };
}
