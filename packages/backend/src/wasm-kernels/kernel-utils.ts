import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Arguments every kernel function receives from the engine. */
export interface WasmKernelArgs<A = Record<string, unknown>> {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: A;
}

/**
 * Runs another kernel registered for the wasm backend, by name, from inside a kernel function.
 * The returned TensorInfo is an intermediate: dispose it with {@link disposeIntermediate} unless it is
 * the kernel's output.
 */
export function runWasmKernel(
  name: string,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: Record<string, unknown> = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel == null) {
    throw new Error(`@agcl/backend: kernel '${name}' is not registered for the wasm backend.`);
  }
  const out = kernel.kernelFunc({ inputs, backend, attrs: attrs as unknown as tf.NamedAttrMap });
  if (Array.isArray(out)) {
    throw new Error(`@agcl/backend: kernel '${name}' returned several outputs; one was expected.`);
  }
  return out as tf.TensorInfo;
}

/** Frees intermediates made inside a kernel function. */
export function disposeIntermediate(backend: BackendWasm, ...infos: Array<tf.TensorInfo | null | undefined>): void {
  for (const info of infos) if (info != null) backend.disposeData(info.dataId);
}

/** A view of a tensor's values on the wasm heap (valid until the next allocation). */
export function heapView(backend: BackendWasm, info: tf.TensorInfo): Float32Array | Int32Array {
  return backend.typedArrayFromHeap(info) as Float32Array | Int32Array;
}

/** `reshape` as the wasm backend does it: a view that shares the data (refcount +1); dispose it. */
export function reshapeInfo(backend: BackendWasm, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return runWasmKernel('Reshape', backend, { x }, { shape });
}

/** Attributes of Conv2DBackpropFilter / Conv2DBackpropInput (channels-last only). */
export interface ConvGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape?: [number, number, number, number];
  inputShape?: [number, number, number, number];
}

/** Throws unless the data format is channels-last, naming the kernel. */
export function assertChannelsLast(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new Error(`@agcl/backend ${kernel} (wasm): dataFormat must be 'NHWC'; got '${dataFormat}'.`);
  }
}
