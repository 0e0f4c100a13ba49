import * as tf from '@tensorflow/tfjs-core';
import type { LoadWebGpuOptions, WebGpuInfo } from './load-webgpu';

/**
 * Browser build of load-webgpu.ts: the browser's own WebGPU, through the `webgpu` backend that
 * `@tensorflow/tfjs-backend-webgpu` registers when the page imports it (an optional peer dependency,
 * which this package does not bundle so that pages without it build unchanged).
 * `_options` (the Node build's quiet probe) has nothing to do here.
 * @throws Error naming what is missing: WebGPU in the browser, or the backend package.
 */
export async function loadWebGpu(_options: LoadWebGpuOptions = {}): Promise<WebGpuInfo> {
  const gpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
  if (gpu == null) throw new Error('this browser has no WebGPU (navigator.gpu is undefined).');
  if (tf.findBackendFactory('webgpu') == null) {
    throw new Error(
      "the webgpu backend is not registered: install '@tensorflow/tfjs-backend-webgpu@4.22.0' and add " +
        "`import '@tensorflow/tfjs-backend-webgpu';` to your page.",
    );
  }
  return { adapter: 'browser WebGPU' };
}
