import * as tf from '@tensorflow/tfjs-core';

/**
 * Wraps the cpu backend's ResizeBilinearGrad. tfjs-backend-cpu 4.22 computes the gradient in
 * `[N, H, W, C]` order but labels the result `[N, W, H, C]`, so on a non-square input the engine rejects
 * it ("The gradient of input 'images' has shape ..."). The wrapper runs the original kernel and returns
 * the same data with the shape of `images`; nothing is copied. Inputs images `[N,H,W,C]`, dy
 * `[N,OH,OW,C]`; attrs alignCorners; output `[N,H,W,C]` float32.
 */
export function makeResizeBilinearGradCpu(original: tf.KernelFunc): tf.KernelFunc {
  return function resizeBilinearGradCpu(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
    const out = original(args) as tf.TensorInfo;
    const images = args.inputs.images as tf.TensorInfo;
    return { dataId: out.dataId, shape: images.shape.slice(), dtype: out.dtype };
  } as tf.KernelFunc;
}

const ours = new WeakSet<tf.KernelFunc>();

/**
 * Registers the corrected cpu kernels (today: ResizeBilinearGrad, see
 * {@link makeResizeBilinearGradCpu}) in place of tfjs-backend-cpu's. Idempotent; the cpu backend's
 * kernels must be registered (import `@tensorflow/tfjs-backend-cpu` first). Returns the kernel names.
 */
export function registerCpuKernelFixes(): string[] {
  const existing = tf.getKernel(tf.ResizeBilinearGrad, 'cpu');
  if (existing == null) throw new Error('@agcl/backend: the cpu backend has no ResizeBilinearGrad kernel to wrap.');
  if (!ours.has(existing.kernelFunc)) {
    const fixed = makeResizeBilinearGradCpu(existing.kernelFunc);
    ours.add(fixed);
    tf.unregisterKernel(tf.ResizeBilinearGrad, 'cpu');
    tf.registerKernel({ kernelName: tf.ResizeBilinearGrad, backendName: 'cpu', kernelFunc: fixed, setupFunc: existing.setupFunc });
  }
  return [tf.ResizeBilinearGrad];
}
