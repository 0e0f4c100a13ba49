import * as tf from '@tensorflow/tfjs-core';
import { importWasm, type WasmInfo } from './wasm-import';

/**
 * Browser build of load-wasm.ts: loads `@tensorflow/tfjs-backend-wasm` and activates it. The `.wasm`
 * files are fetched from `wasmPaths` when given, else from tfjs' default place (beside the page).
 * With `threads > 1`, tfjs' threaded build runs where the browser allows it (a cross-origin-isolated
 * page); elsewhere the backend reports 1 thread and the note says why. The count is fixed at the
 * backend's first initialisation on a page.
 * @throws Error when the backend cannot start (for example, the `.wasm` files are not served).
 */
export async function loadWasm(options: { threads?: number; wasmPaths?: string } = {}): Promise<WasmInfo> {
  const { wasm, requested, existing } = await importWasm(options.threads);
  if (existing) return existing; // already initialised on this page
  if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths);
  if (requested === 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setThreadsCount(requested);
  if (!(await tf.setBackend('wasm'))) {
    throw new Error(
      "the wasm backend did not initialise: are its .wasm files served? Copy node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm " +
        "beside your page, or pass initBackend({ wasmPaths: '<url prefix>/' }).",
    );
  }
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? wasm.getThreadsCount() : 1;
  const note = threads === requested ? '' : ` (requested ${requested} threads; this page is not cross-origin isolated, so wasm runs on 1)`;
  return { threads, note };
}
