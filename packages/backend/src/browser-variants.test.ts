import { describe, expect, it } from 'vitest';
import { loadTensorflow } from './load-tensorflow.browser';
import { loadWebGpu } from './load-webgpu.browser';
import { initBackend } from './init-backend';

// The browser build's modules (tsup.shared.ts puts them in place of their Node versions), run here
// where there is no navigator.gpu.
describe('browser build', () => {
  it("has no 'tensorflow' backend", async () => {
    await expect(loadTensorflow()).rejects.toThrow(/runs only in Node\.js/);
  });

  it("'webgpu' needs navigator.gpu, then the page's @tensorflow/tfjs-backend-webgpu", async () => {
    await expect(loadWebGpu()).rejects.toThrow(/no WebGPU \(navigator\.gpu is undefined\)/);
    const g = globalThis as { navigator?: unknown };
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: {} }, configurable: true, writable: true });
    try {
      await expect(loadWebGpu()).rejects.toThrow(/import '@tensorflow\/tfjs-backend-webgpu'/);
    } finally {
      if (saved) Object.defineProperty(globalThis, 'navigator', saved);
      else delete g.navigator;
    }
  });
});

describe('initBackend option wasmPaths', () => {
  it('must be a prefix ending in a slash', async () => {
    await expect(initBackend({ backend: 'wasm', wasmPaths: '/srv/wasm' })).rejects.toThrow(/'wasmPaths' must be a URL or folder prefix ending in '\/'/);
  });
});
