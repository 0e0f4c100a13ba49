import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { makeConv2dBackpropInputWasm } from './conv2d-backprop-input';
import { makeBatchMatMulWasm } from './batch-mat-mul';
import { makeDepthToSpaceWasm } from './depth-to-space';
import { identityConfig } from './identity';
import { makeTileWasm } from './tile';
import { maxPoolGradConfig } from './max-pool-grad';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';

const ours = new WeakSet<tf.KernelFunc>();

/** Registers `config`, replacing the backend's kernel of that name if any; returns the one replaced. */
function replaceKernel(config: tf.KernelConfig): tf.KernelConfig | undefined {
  const existing = tf.getKernel(config.kernelName, config.backendName);
  if (existing != null && ours.has(existing.kernelFunc)) return undefined; // already ours
  if (existing != null) tf.unregisterKernel(config.kernelName, config.backendName);
  ours.add(config.kernelFunc);
  tf.registerKernel(config);
  return existing;
}

function required(original: tf.KernelFunc | null, name: string): tf.KernelFunc {
  if (original == null) throw new Error(`@agcl/backend: the wasm backend has no ${name} kernel to wrap.`);
  return original;
}

/** Replaces wasm's kernel `name` with one built around it (the original stays the fallback). */
function wrapKernel(name: string, build: (original: tf.KernelFunc | null) => unknown): void {
  const existing = tf.getKernel(name, 'wasm');
  if (existing != null && ours.has(existing.kernelFunc)) return;
  replaceKernel({
    kernelName: name,
    backendName: 'wasm',
    setupFunc: existing?.setupFunc, // keeps wasm's own setup, which the fallback needs
    kernelFunc: build(existing?.kernelFunc ?? null) as tf.KernelFunc,
  });
}

/**
 * Registers the training kernels the wasm backend lacks or runs as scalar loops, built from its fast
 * kernels (XNNPACK convolution and matmul, transpose, pad). Idempotent. Returns the kernel names.
 *
 * - Conv2DBackpropFilter: missing in wasm; im2col + matmul or a convolution of the transposed tensors.
 * - Conv2DBackpropInput: replaces wasm's scalar loop (conv with the flipped filter / matmul + depth-to-space).
 * - UnsortedSegmentSum: missing in wasm (the gradient of gather); scatter-add.
 * - Tile: wasm's is a per-element loop; whole-tensor repeats (batch-norm gradient) become memcpy doublings.
 * - Identity: wasm's copies the data; this one shares it (reference-counted), as the cpu backend does.
 * - BatchMatMul: with transposeA/transposeB wasm leaves XNNPACK for a ~10x slower loop; transpose first.
 * - DepthToSpace: wasm's is a per-element loop; reshape + XNNPACK transpose.
 * - MaxPoolGrad: wasm's routes the gradient of an all-negative window to its first element; argmax.
 */
export function registerWasmTrainingKernels(): string[] {
  const names: string[] = [];
  replaceKernel(conv2dBackpropFilterConfig);
  names.push(conv2dBackpropFilterConfig.kernelName);

  wrapKernel(tf.Conv2DBackpropInput, (original) => makeConv2dBackpropInputWasm(original));
  names.push(tf.Conv2DBackpropInput);

  replaceKernel(unsortedSegmentSumConfig);
  names.push(unsortedSegmentSumConfig.kernelName);

  wrapKernel(tf.Tile, (original) => makeTileWasm(required(original, tf.Tile)));
  names.push(tf.Tile);

  replaceKernel(identityConfig);
  names.push(tf.Identity);

  wrapKernel(tf.BatchMatMul, (original) => makeBatchMatMulWasm(required(original, tf.BatchMatMul)));
  names.push(tf.BatchMatMul);

  wrapKernel(tf.DepthToSpace, (original) => makeDepthToSpaceWasm(required(original, tf.DepthToSpace)));
  names.push(tf.DepthToSpace);

  replaceKernel(maxPoolGradConfig);
  names.push(tf.MaxPoolGrad);
  return names;
}
