import * as tf from '@tensorflow/tfjs-core';

/** Kernel name of the fused training-mode batch norm + leaky ReLU (forward). */
export const BN_ACT_KERNEL = 'AgclBatchNormLeakyRelu';
/** Kernel name of its backward pass. */
export const BN_ACT_GRAD_KERNEL = 'AgclBatchNormLeakyReluGrad';

/** Backends that get the fused kernels (plain JavaScript over the backend's memory). */
const FUSED_BACKENDS = ['cpu', 'wasm'] as const;

interface BnActAttrs {
  epsilon: number;
  alpha: number;
}

/** The part of a backend the fused kernels use: wasm's heap views, or the generic read/write. */
interface KernelBackendLike {
  readSync(dataId: tf.DataId): unknown;
  write(values: Float32Array, shape: number[], dtype: tf.DataType): tf.DataId;
  makeOutput?(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap?(info: tf.TensorInfo): Float32Array;
}

/** Values of `info` as float32: a view of the wasm heap (valid until the next allocation) or a copy. */
function valuesOf(backend: KernelBackendLike, info: tf.TensorInfo): Float32Array {
  if (backend.typedArrayFromHeap) return backend.typedArrayFromHeap(info);
  const v = backend.readSync(info.dataId) as ArrayLike<number>;
  return v instanceof Float32Array ? v : Float32Array.from(v);
}

/**
 * Allocates float32 outputs, fills them with `fill(views)` and returns them. On wasm the outputs are
 * allocated on the heap first and every view (inputs and outputs) is taken afterwards, so that no
 * allocation invalidates a view; elsewhere they are written after the fill.
 */
function withOutputs(
  backend: KernelBackendLike,
  inputs: tf.TensorInfo[],
  shapes: number[][],
  fill: (ins: Float32Array[], outs: Float32Array[]) => void,
): tf.TensorInfo[] {
  if (backend.makeOutput && backend.typedArrayFromHeap) {
    const outs = shapes.map((s) => backend.makeOutput!(s, 'float32'));
    fill(
      inputs.map((i) => valuesOf(backend, i)),
      outs.map((o) => backend.typedArrayFromHeap!(o)),
    );
    return outs;
  }
  const outValues = shapes.map((s) => new Float32Array(tf.util.sizeFromShape(s)));
  fill(
    inputs.map((i) => valuesOf(backend, i)),
    outValues,
  );
  return outValues.map((v, i) => ({ dataId: backend.write(v, shapes[i], 'float32'), shape: shapes[i], dtype: 'float32' as const }));
}

function checkFloat(kernel: string, infos: tf.TensorInfo[]): void {
  for (const i of infos) {
    if (i.dtype !== 'float32') throw new Error(`${kernel}: every input must be float32, got ${i.dtype}.`);
  }
}

// The loops, as plain functions of typed arrays (monomorphic, everything in locals). The activation is
// branch-free, `v * (alpha + (1 - alpha) [y > 0])`: the signs are random and branches would mispredict.

/** s1_k = sum (x - shift_k), s2_k = sum (x - shift_k)^2 over the m pixels, channel-last layout. */
function shiftedSums(xv: Float32Array, c: number, m: number, shift: Float64Array, s1: Float64Array, s2: Float64Array): void {
  for (let p = 0, i = 0; p < m; p++) {
    for (let k = 0; k < c; k++, i++) {
      const d = xv[i] - shift[k];
      s1[k] += d;
      s2[k] += d * d;
    }
  }
}

/** out = leaky(x scale_k + offset_k). */
function affineLeaky(xv: Float32Array, out: Float32Array, c: number, m: number, scale: Float64Array, offset: Float64Array, alpha: number): void {
  const rest = 1 - alpha;
  for (let p = 0, i = 0; p < m; p++) {
    for (let k = 0; k < c; k++, i++) {
      const y = xv[i] * scale[k] + offset[k];
      out[i] = y * (alpha + rest * +(y > 0));
    }
  }
}

/** sg_k = sum g, sgX_k = sum g x, with g = dy leaky'(A_k x + B_k). */
function gradSums(
  dyv: Float32Array, xv: Float32Array, c: number, m: number, A: Float64Array, B: Float64Array,
  alpha: number, sg: Float64Array, sgX: Float64Array,
): void {
  const rest = 1 - alpha;
  for (let p = 0, i = 0; p < m; p++) {
    for (let k = 0; k < c; k++, i++) {
      const x = xv[i];
      const g = dyv[i] * (alpha + rest * +(A[k] * x + B[k] > 0));
      sg[k] += g;
      sgX[k] += g * x;
    }
  }
}

/** dx = a_k g + P_k x + Q_k, with g = dy leaky'(A_k x + B_k). */
function inputGrad(
  dyv: Float32Array, xv: Float32Array, dx: Float32Array, c: number, m: number, A: Float64Array, B: Float64Array,
  alpha: number, a: Float64Array, P: Float64Array, Q: Float64Array,
): void {
  const rest = 1 - alpha;
  for (let p = 0, i = 0; p < m; p++) {
    for (let k = 0; k < c; k++, i++) {
      const x = xv[i];
      const g = dyv[i] * (alpha + rest * +(A[k] * x + B[k] > 0));
      dx[i] = a[k] * g + P[k] * x + Q[k];
    }
  }
}

/**
 * Forward: `u = x + bias` (per channel), batch moments `mean_c`, biased `var_c` over N,H,W (float64
 * accumulation, shifted by the first value of each channel), `y = gamma (u - mean) / sqrt(var + eps) +
 * beta`, output `alpha y` where `y < 0` (`alpha = 0`: ReLU). Outputs `[out [N,H,W,C], mean [C], var [C]]`.
 */
function bnActForward(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: unknown }): tf.TensorInfo[] {
  const { x, bias, gamma, beta } = args.inputs as Record<string, tf.TensorInfo>;
  const { epsilon, alpha } = args.attrs as BnActAttrs;
  const backend = args.backend as KernelBackendLike;
  checkFloat(BN_ACT_KERNEL, [x, bias, gamma, beta]);
  const c = x.shape[3];
  const m = x.shape[0] * x.shape[1] * x.shape[2];
  return withOutputs(backend, [x, bias, gamma, beta], [x.shape, [c], [c]], ([xv, bv, gv, btv], [out, meanOut, varOut]) => {
    const shift = new Float64Array(c);
    const s1 = new Float64Array(c);
    const s2 = new Float64Array(c);
    for (let k = 0; k < c; k++) shift[k] = xv[k];
    shiftedSums(xv, c, m, shift, s1, s2);
    const scale = new Float64Array(c);
    const offset = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      const mu = s1[k] / m;
      const variance = Math.max(0, s2[k] / m - mu * mu);
      const mean0 = shift[k] + mu; // mean of x, without the bias
      meanOut[k] = mean0 + bv[k];
      varOut[k] = variance;
      scale[k] = gv[k] / Math.sqrt(variance + epsilon);
      offset[k] = btv[k] - mean0 * scale[k];
    }
    affineLeaky(xv, out, c, m, scale, offset, alpha);
  });
}

/**
 * Backward, closed form. With `xh = (u - mean) / sigma`, `y = gamma xh + beta`, `g = dOut` where
 * `y > 0` else `alpha dOut`:
 * `dbeta = sum g`, `dgamma = sum g xh`, `du = gamma / sigma (g - mean(g) - xh mean(g xh))`,
 * `dx = du`, `dbias = sum du` (zero up to rounding). Outputs `[dx, dbias, dgamma, dbeta]`.
 */
function bnActBackward(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: unknown }): tf.TensorInfo[] {
  const { dy, x, bias, gamma, beta, mean, variance } = args.inputs as Record<string, tf.TensorInfo>;
  const { epsilon, alpha } = args.attrs as BnActAttrs;
  const backend = args.backend as KernelBackendLike;
  checkFloat(BN_ACT_GRAD_KERNEL, [dy, x, bias, gamma, beta, mean, variance]);
  const c = x.shape[3];
  const m = x.shape[0] * x.shape[1] * x.shape[2];
  const ins = [dy, x, bias, gamma, beta, mean, variance];
  return withOutputs(backend, ins, [x.shape, [c], [c], [c]], ([dyv, xv, bv, gv, btv, mv, vv], [dx, dbias, dgamma, dbeta]) => {
    // Per channel: y = A x + B (pre-activation), xh = I x + J (normalised input).
    const A = new Float64Array(c);
    const B = new Float64Array(c);
    const I = new Float64Array(c);
    const J = new Float64Array(c);
    const mean0 = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      mean0[k] = mv[k] - bv[k]; // mean of x (the bias is part of the saved mean)
      I[k] = 1 / Math.sqrt(vv[k] + epsilon);
      J[k] = -mean0[k] * I[k];
      A[k] = gv[k] * I[k];
      B[k] = btv[k] + gv[k] * J[k];
    }
    const sg = new Float64Array(c); // sum g
    const sgX = new Float64Array(c); // sum g x
    gradSums(dyv, xv, c, m, A, B, alpha, sg, sgX);
    // du = a g + b xh + d = a g + P x + Q, with a = gamma / sigma, b = -a mean(g xh), d = -a mean(g).
    const a = new Float64Array(c);
    const P = new Float64Array(c);
    const Q = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      const sgxh = I[k] * sgX[k] + J[k] * sg[k]; // sum g xh
      a[k] = A[k];
      const bk = (-a[k] * sgxh) / m;
      const dk = (-a[k] * sg[k]) / m;
      P[k] = bk * I[k];
      Q[k] = bk * J[k] + dk;
      dgamma[k] = sgxh;
      dbeta[k] = sg[k];
      // sum du = a sum g + P sum x + m Q, with sum x = m mean0 (zero up to rounding)
      dbias[k] = a[k] * sg[k] + P[k] * m * mean0[k] + m * Q[k];
    }
    inputGrad(dyv, xv, dx, c, m, A, B, alpha, a, P, Q);
  });
}

let gradientRegistered = false;

/**
 * tfjs environment flag (default true) that turns the U-Net's fused paths on: the fused kernels in
 * training and the batch norm folded into the convolution in inference. `false` makes it use the composed
 * ops (batch norm from moments, activation) as on other backends: for benchmarks and checks.
 */
export const FUSED_BATCH_NORM_FLAG = 'AGCL_FUSED_BATCH_NORM';
tf.env().registerFlag(FUSED_BATCH_NORM_FLAG, () => true);

/**
 * Registers the fused kernels for the active backend when it is one of cpu / wasm (and the gradient
 * once). Returns whether the fused op can run on the active backend.
 */
export function fusedBatchNormActivationAvailable(): boolean {
  if (!tf.env().getBool(FUSED_BATCH_NORM_FLAG)) return false;
  const backend = tf.getBackend();
  if (!(FUSED_BACKENDS as readonly string[]).includes(backend)) return false;
  if (tf.getKernel(BN_ACT_KERNEL, backend) == null) {
    tf.registerKernel({ kernelName: BN_ACT_KERNEL, backendName: backend, kernelFunc: bnActForward as unknown as tf.KernelFunc });
  }
  if (tf.getKernel(BN_ACT_GRAD_KERNEL, backend) == null) {
    tf.registerKernel({ kernelName: BN_ACT_GRAD_KERNEL, backendName: backend, kernelFunc: bnActBackward as unknown as tf.KernelFunc });
  }
  if (!gradientRegistered && tf.getGradient(BN_ACT_KERNEL) == null) {
    tf.registerGradient({
      kernelName: BN_ACT_KERNEL,
      inputsToSave: ['x', 'bias', 'gamma', 'beta'],
      outputsToSave: [false, true, true],
      gradFunc: (dys, saved, attrs) => {
        const dOut = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
        const [x, bias, gamma, beta, mean, variance] = saved;
        const [dx, dbias, dgamma, dbeta] = tf
          .engine()
          .runKernel(BN_ACT_GRAD_KERNEL, { dy: dOut, x, bias, gamma, beta, mean, variance }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        return { x: () => dx, bias: () => dbias, gamma: () => dgamma, beta: () => dbeta };
      },
    });
  }
  gradientRegistered = true;
  return true;
}

/**
 * Training-mode batch norm of `x + bias` followed by leaky ReLU (slope `alpha`; 0 gives ReLU), as one
 * kernel with a closed-form gradient (the autodiff chain of moments, batch norm and activation is about
 * 30 small kernels per layer). Same values as `leakyRelu(batchNormTraining(x + bias, gamma, beta))`.
 * The gradient flows to x, bias, gamma and beta through `out`; `mean` and `variance` (of `x + bias`,
 * biased) are for the running statistics and carry no gradient.
 * Call {@link fusedBatchNormActivationAvailable} first (cpu and wasm backends).
 *
 * @param x `[N,H,W,C]` float32; `bias`, `gamma`, `beta` `[C]`.
 * @returns `{ out [N,H,W,C], mean [C], variance [C] }`; the caller disposes.
 */
export function fusedBatchNormActivation(
  x: tf.Tensor4D,
  bias: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  alpha: number,
): { out: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const [out, mean, variance] = tf
    .engine()
    .runKernel(BN_ACT_KERNEL, { x, bias, gamma, beta }, { epsilon, alpha } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { out: out as tf.Tensor4D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}
