import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { formatBackendReport, initBackend } from './init-backend';

describe('initBackend', () => {
  it('activates cpu and registers gradients', async () => {
    const report = await initBackend({ backend: 'cpu' });
    expect(report.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(report.patchedKernels).toEqual(['ResizeBilinearGrad']);
    // d/dx x^2 at 3 is 6: fails with "gradient function not found" if gradients are not registered.
    const g = tf.grad((x: tf.Tensor) => tf.square(x))(tf.scalar(3));
    expect(await g.data()).toEqual(new Float32Array([6]));
  });

  it('rejects unknown backend names', async () => {
    await expect(initBackend({ backend: 'cuda' as never })).rejects.toThrow(/'backend' must be one of/);
  });

  it('fails for tensorflow without tfjs-node, saying how to install it', async () => {
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toThrow(/Install @tensorflow\/tfjs-node-gpu/);
  });
});

describe('initBackend: wasm, webgpu and auto', () => {
  it('activates wasm single-threaded by default and lists the patched training kernels', async () => {
    const report = await initBackend({ backend: 'wasm' });
    expect(report.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.threads).toBe(1);
    expect(report.patchedKernels).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'UnsortedSegmentSum', 'Tile', 'Identity', 'BatchMatMul', 'DepthToSpace', 'MaxPoolGrad']);
    expect(formatBackendReport(report)).toMatch(/^backend: wasm \(1 thread, 8 training kernels patched; requested explicitly\)$/);
  });

  it('rejects a bad thread count', async () => {
    await expect(initBackend({ backend: 'wasm', threads: 0 })).rejects.toThrow(/'threads' must be a positive integer/);
    await expect(initBackend({ backend: 'wasm', threads: 1.5 })).rejects.toThrow(/'threads' must be a positive integer/);
  });

  it('fails for webgpu without a GPU adapter, saying what is missing, quickly', async () => {
    const t0 = performance.now();
    await expect(initBackend({ backend: 'webgpu' })).rejects.toThrow(/webgpu.*(no WebGPU adapter|could not be loaded|no Vulkan loader|no Vulkan driver)/);
    expect(performance.now() - t0).toBeLessThan(5000);
    // No adapter: the WebGPU globals were left alone.
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
  });

  it('auto skips tensorflow and webgpu here and lands on wasm, recording why', async () => {
    const report = await initBackend({ backend: 'auto' });
    expect(report.name).toBe('wasm');
    expect(report.tried.map((t) => [t.name, t.ok])).toEqual([
      ['tensorflow', false],
      ['webgpu', false],
      ['wasm', true],
    ]);
    expect(report.tried[1].why).toMatch(/no WebGPU adapter|could not be loaded|no Vulkan loader|no Vulkan driver/);
    expect(report.reason).toMatch(/skipped tensorflow, webgpu/);
  });
});
