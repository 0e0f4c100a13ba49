import * as tf from '@tensorflow/tfjs-core';
import type { WasmKernelArgs } from './kernel-utils';

/**
 * Identity (what `tf.clone` runs) for the wasm backend without a copy: the output shares the input's
 * data, reference-counted, as the cpu and webgl backends do (tensors are immutable; variables swap
 * their data rather than write into it). wasm's own Identity copies every byte, and the gradient code
 * calls it hundreds of times per U-Net step.
 */
export function identityWasm(args: WasmKernelArgs): tf.TensorInfo {
  const { backend, inputs } = args;
  const x = inputs.x as tf.TensorInfo;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

/** Kernel registration of {@link identityWasm}. */
export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identityWasm as unknown as tf.KernelFunc,
};
