export { initBackend, formatBackendReport } from './init-backend';
export type { BackendName, BackendReport, InitBackendOptions } from './init-backend';
export { registerWasmTrainingKernels } from './wasm-kernels/register-wasm-kernels';
export { registerCpuKernelFixes } from './cpu-kernels/resize-bilinear-grad';
