import * as tf from '@tensorflow/tfjs-core';
import { disposeIntermediate, reshapeInfo, runWasmKernel, type WasmKernelArgs } from './kernel-utils';

/**
 * Builds the DepthToSpace kernel for the wasm backend (NHWC): wasm's is a per-element loop; this one
 * is reshape [N,H,W,b,b,C] -> transpose [0,1,3,2,4,5] -> reshape [N,H*b,W*b,C] (XNNPACK transpose).
 * NCHW goes to `original`. Input x [N,H,W,b*b*C]; output [N,H*b,W*b,C].
 */
export function makeDepthToSpaceWasm(original: tf.KernelFunc) {
  return function depthToSpaceWasm(args: WasmKernelArgs<{ blockSize: number; dataFormat: 'NHWC' | 'NCHW' }>): tf.TensorInfo {
    const { backend, inputs, attrs } = args;
    const x = inputs.x as tf.TensorInfo;
    const { blockSize: bs, dataFormat } = attrs;
    if (dataFormat !== 'NHWC' || x.shape.length !== 4 || x.shape[3] % (bs * bs) !== 0) {
      return original(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const [N, H, W, D] = x.shape;
    const C = D / (bs * bs);
    const x6 = reshapeInfo(backend, x, [N, H, W, bs, bs, C]);
    const t6 = runWasmKernel('Transpose', backend, { x: x6 }, { perm: [0, 1, 3, 2, 4, 5] });
    disposeIntermediate(backend, x6);
    const out = reshapeInfo(backend, t6, [N, H * bs, W * bs, C]);
    disposeIntermediate(backend, t6);
    return out;
  };
}
