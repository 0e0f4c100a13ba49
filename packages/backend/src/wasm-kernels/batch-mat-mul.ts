import * as tf from '@tensorflow/tfjs-core';
import { disposeIntermediate, runWasmKernel, type WasmKernelArgs } from './kernel-utils';

/**
 * Builds the BatchMatMul kernel for the wasm backend: wasm's BatchMatMul runs XNNPACK only when neither
 * operand is transposed, and a loop about 10x slower otherwise. This one transposes a transposed operand
 * explicitly first (XNNPACK transpose, memcpy speed), then calls `original` without transposes.
 * Inputs a [..., M, K] (or [..., K, M] with transposeA), b [..., K, P] (or [..., P, K] with transposeB).
 */
export function makeBatchMatMulWasm(original: tf.KernelFunc) {
  return function batchMatMulWasm(args: WasmKernelArgs<{ transposeA: boolean; transposeB: boolean }>): tf.TensorInfo {
    const { backend, inputs, attrs } = args;
    let a = inputs.a as tf.TensorInfo;
    let b = inputs.b as tf.TensorInfo;
    if ((!attrs.transposeA && !attrs.transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return original(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const swapLast = (t: tf.TensorInfo) => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return runWasmKernel('Transpose', backend, { x: t }, { perm });
    };
    const owned: tf.TensorInfo[] = [];
    if (attrs.transposeA) owned.push((a = swapLast(a)));
    if (attrs.transposeB) owned.push((b = swapLast(b)));
    const out = original({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    disposeIntermediate(backend, ...owned);
    return out;
  };
}
