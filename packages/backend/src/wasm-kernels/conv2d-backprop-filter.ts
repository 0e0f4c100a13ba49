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

/**
 * How the filter gradient is computed. `auto` (the registered default) picks, per shape, the fastest
 * measured: `matmul` for pointwise (1x1, stride 1, unpadded) convolutions, `im2col-transposed` for maps of
 * at most 8x8 or a single input channel, `conv` otherwise (bench/kernels.ts). `im2col` (pixel-major
 * columns, BatchMatMul with transposeA) is kept for measurement. `matmul` applies to pointwise
 * convolutions only: x reshaped to [N*H*W, Cin], transposed, times dy as [N*H*W, Cout] (no im2col copy).
 */
export type FilterGradStrategy = 'auto' | 'im2col' | 'im2col-transposed' | 'im2col-slices' | 'conv' | 'matmul';

/** True for a 1x1, stride-1, unpadded convolution: its filter gradient is x^T dy over the pixels. */
export function isPointwise(info: tf.backend_util.Conv2DInfo): boolean {
  const p = info.padInfo;
  return (
    info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 &&
    p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0 &&
    info.outHeight === info.inHeight && info.outWidth === info.inWidth
  );
}

/** The strategy `auto` resolves to for a convolution. */
export function chooseFilterGradStrategy(info: tf.backend_util.Conv2DInfo): Exclude<FilterGradStrategy, 'auto'> {
  if (isPointwise(info)) return 'matmul';
  return info.outHeight * info.outWidth <= 8 * 8 || info.inChannels === 1 ? 'im2col-transposed' : 'conv';
}

/** Pointwise filter gradient: [N*H*W, Cin]^T [N*H*W, Cout] in one BatchMatMul, reshaped to [1,1,Cin,Cout]. */
function filterGradMatmul(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const K = info.batchSize * info.outHeight * info.outWidth;
  const x3 = reshapeInfo(backend, x, [1, K, info.inChannels]);
  const dy3 = reshapeInfo(backend, dy, [1, K, info.outChannels]);
  const prod = runWasmKernel('BatchMatMul', backend, { a: x3, b: dy3 }, { transposeA: true, transposeB: false });
  disposeIntermediate(backend, x3, dy3);
  const out = reshapeInfo(backend, prod, info.filterShape);
  disposeIntermediate(backend, prod);
  return out;
}

/**
 * Writes the im2col matrix of `x` for the convolution described by `info` into `out`:
 * row p = (n, oy, ox) (an output pixel), column r = (kh, kw, ci); zero where the window is in the padding.
 * out has K x R entries, K = N*OH*OW, R = FH*FW*Cin.
 */
function im2colRows(x: Float32Array, out: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const R = FH * FW * C;
  let o = 0;
  for (let n = 0; n < batchSize; n++) {
    const xn = n * H * W * C;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let kh = 0; kh < FH; kh++) {
          const iy = oy * sh + kh * dh - top;
          if (iy < 0 || iy >= H) {
            out.fill(0, o, o + FW * C);
            o += FW * C;
            continue;
          }
          const xrow = xn + iy * W * C;
          for (let kw = 0; kw < FW; kw++) {
            const ix = ox * sw + kw * dw - left;
            if (ix < 0 || ix >= W) {
              out.fill(0, o, o + C);
            } else if (C === 1) {
              out[o] = x[xrow + ix];
            } else {
              out.set(x.subarray(xrow + ix * C, xrow + ix * C + C), o);
            }
            o += C;
          }
        }
      }
    }
  }
  if (o !== batchSize * OH * OW * R) throw new Error('im2colRows: size mismatch');
}

/** Same matrix, transposed: row r = (kh, kw, ci), column p = (n, oy, ox). */
function im2colColumns(x: Float32Array, out: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const K = batchSize * OH * OW;
  for (let kh = 0; kh < FH; kh++) {
    for (let kw = 0; kw < FW; kw++) {
      for (let c = 0; c < C; c++) {
        let o = ((kh * FW + kw) * C + c) * K;
        for (let n = 0; n < batchSize; n++) {
          const xn = n * H * W * C + c;
          for (let oy = 0; oy < OH; oy++) {
            const iy = oy * sh + kh * dh - top;
            if (iy < 0 || iy >= H) {
              out.fill(0, o, o + OW);
              o += OW;
              continue;
            }
            const xrow = xn + iy * W * C;
            for (let ox = 0; ox < OW; ox++) {
              const ix = ox * sw + kw * dw - left;
              out[o++] = ix < 0 || ix >= W ? 0 : x[xrow + ix * C];
            }
          }
        }
      }
    }
  }
}

function filterGradIm2col(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, transposed: boolean): tf.TensorInfo {
  const K = info.batchSize * info.outHeight * info.outWidth;
  const R = info.filterHeight * info.filterWidth * info.inChannels;
  const cols = backend.makeOutput(transposed ? [1, R, K] : [1, K, R], 'float32');
  // Views are taken after the allocation: growing the heap detaches earlier views.
  const xv = heapView(backend, x) as Float32Array;
  const cv = heapView(backend, cols) as Float32Array;
  if (transposed) im2colColumns(xv, cv, info);
  else im2colRows(xv, cv, info);
  const dy3 = reshapeInfo(backend, dy, [1, K, info.outChannels]);
  const prod = runWasmKernel('BatchMatMul', backend, { a: cols, b: dy3 }, { transposeA: !transposed, transposeB: false });
  disposeIntermediate(backend, cols, dy3);
  const out = reshapeInfo(backend, prod, info.filterShape);
  disposeIntermediate(backend, prod);
  return out;
}

/**
 * The filter gradient as one convolution: with X' = x transposed to [Cin, H, W, N] (batch = Cin,
 * channels = N) and F' = dy transposed to [OH, OW, N, Cout], conv2d(X', F', stride 1, dilation = the
 * forward stride) is [Cin, FH, FW, Cout], i.e. dW transposed.
 */
function filterGradConv(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: FH, filterWidth: FW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const bottom = FH + (OH - 1) * sh - H - top;
  const right = FW + (OW - 1) * sw - W - left;
  let xs: tf.TensorInfo = x;
  let xsOwned = false;
  if (bottom < 0 || right < 0) {
    // The forward convolution never read the last rows/columns: crop them.
    xs = runWasmKernel('Slice', backend, { x }, { begin: [0, 0, 0, 0], size: [-1, H + Math.min(bottom, 0), W + Math.min(right, 0), -1] });
    xsOwned = true;
  }
  const xt = runWasmKernel('Transpose', backend, { x: xs }, { perm: [3, 1, 2, 0] });
  if (xsOwned) disposeIntermediate(backend, xs);
  const dyt = runWasmKernel('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const pad = [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]];
  const conv = runWasmKernel('Conv2D', backend, { x: xt, filter: dyt }, {
    strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [sh, sw], dimRoundingMode: undefined,
  });
  disposeIntermediate(backend, xt, dyt);
  const out = runWasmKernel('Transpose', backend, { x: conv }, { perm: [1, 2, 0, 3] });
  disposeIntermediate(backend, conv);
  return out;
}

/**
 * im2col built by the backend's kernels instead of a JS loop: x padded and transposed to [Cin, N, Hp, Wp]
 * once, then one (strided) slice [Cin, N, OH, OW] per filter tap, concatenated to [FH*FW*Cin, K] rows
 * ordered (kh, kw, ci), times dy [K, Cout] (plain XNNPACK matmul).
 */
function filterGradSlices(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const needH = (OH - 1) * sh + FH;
  const needW = (OW - 1) * sw + FW;
  const bottom = Math.max(0, needH - H - top);
  const right = Math.max(0, needW - W - left);
  const xp = top || bottom || left || right
    ? runWasmKernel('PadV2', backend, { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 })
    : x;
  const xt = runWasmKernel('Transpose', backend, { x: xp }, { perm: [3, 0, 1, 2] });
  if (xp !== x) disposeIntermediate(backend, xp);
  const K = N * OH * OW;
  const taps: tf.TensorInfo[] = [];
  for (let kh = 0; kh < FH; kh++) {
    for (let kw = 0; kw < FW; kw++) {
      const tap = sh === 1 && sw === 1
        ? runWasmKernel('Slice', backend, { x: xt }, { begin: [0, 0, kh, kw], size: [C, N, OH, OW] })
        : runWasmKernel('StridedSlice', backend, { x: xt }, {
          begin: [0, 0, kh, kw], end: [C, N, kh + (OH - 1) * sh + 1, kw + (OW - 1) * sw + 1], strides: [1, 1, sh, sw],
          beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
        });
      taps.push(reshapeInfo(backend, tap, [C, K]));
      disposeIntermediate(backend, tap);
    }
  }
  disposeIntermediate(backend, xt);
  const cols = taps.length === 1 ? taps[0] : runWasmKernel('Concat', backend, taps as unknown as tf.NamedTensorInfoMap, { axis: 0 });
  if (taps.length > 1) disposeIntermediate(backend, ...taps);
  const cols3 = reshapeInfo(backend, cols, [1, FH * FW * C, K]);
  disposeIntermediate(backend, cols);
  const dy3 = reshapeInfo(backend, dy, [1, K, CO]);
  const prod = runWasmKernel('BatchMatMul', backend, { a: cols3, b: dy3 }, { transposeA: false, transposeB: false });
  disposeIntermediate(backend, cols3, dy3);
  const out = reshapeInfo(backend, prod, info.filterShape);
  disposeIntermediate(backend, prod);
  return out;
}

/** Conv2DInfo of the forward convolution whose filter gradient is wanted. */
export function filterGradConvInfo(xShape: number[], attrs: ConvGradAttrs): tf.backend_util.Conv2DInfo {
  const filterShape = attrs.filterShape;
  if (filterShape == null) throw new Error('@agcl/backend Conv2DBackpropFilter (wasm): attribute filterShape is missing.');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
}

/**
 * Conv2DBackpropFilter for the wasm backend (the backend ships none): dW[kh,kw,ci,co] =
 * sum over n, oy, ox of x[n, oy*s+kh-top, ox*s+kw-left, ci] * dy[n, oy, ox, co].
 *
 * Computed with the backend's fast kernels (XNNPACK), see {@link FilterGradStrategy}: either one
 * convolution of the transposed input with the transposed output gradient (forward stride as dilation),
 * or an im2col matrix of x written into the wasm heap times dy (BatchMatMul).
 * Inputs x [N,H,W,Cin], dy [N,OH,OW,Cout]; output [FH,FW,Cin,Cout].
 */
export function conv2dBackpropFilterWasm(args: WasmKernelArgs<ConvGradAttrs>, strategy: FilterGradStrategy = 'auto'): tf.TensorInfo {
  const { backend, inputs, attrs } = args;
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  assertChannelsLast('Conv2DBackpropFilter', attrs.dataFormat);
  const info = filterGradConvInfo(x.shape, attrs);
  if (strategy === 'auto') strategy = chooseFilterGradStrategy(info);
  if (strategy === 'matmul') {
    if (!isPointwise(info)) {
      throw new Error(`@agcl/backend Conv2DBackpropFilter (wasm): strategy 'matmul' needs a 1x1, stride-1, unpadded convolution; got filter ${info.filterHeight}x${info.filterWidth}, strides ${info.strideHeight}x${info.strideWidth}.`);
    }
    return filterGradMatmul(backend, x, dy, info);
  }
  if (strategy === 'conv') return filterGradConv(backend, x, dy, info);
  if (strategy === 'im2col-slices') return filterGradSlices(backend, x, dy, info);
  return filterGradIm2col(backend, x, dy, info, strategy === 'im2col-transposed');
}

/** Kernel registration of {@link conv2dBackpropFilterWasm}. */
export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
};
