import * as tf from '@tensorflow/tfjs-core';

// The start of loading the wasm backend, shared by load-wasm.ts (Node) and load-wasm.browser.ts.

/** What `loadWasm` set up. */
export interface WasmInfo {
  /** Threads XNNPACK computes with, as reported by the backend after initialisation. */
  threads: number;
  /** Why the thread count is what it is. */
  note: string;
}

/** The part of `@tensorflow/tfjs-backend-wasm` that `loadWasm` uses. */
export interface WasmPackage {
  setThreadsCount: (n: number) => void;
  getThreadsCount: () => number;
  setWasmPaths: (prefix: string) => void;
}

/**
 * Checks the thread count and imports `@tensorflow/tfjs-backend-wasm`. When wasm is already
 * initialised here, activates it and returns its thread count as `existing` (the count is fixed at the
 * first initialisation in a process or page).
 */
export async function importWasm(threads: number | undefined): Promise<{ wasm: WasmPackage; requested: number; existing?: WasmInfo }> {
  const requested = threads ?? 1;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new Error(`initBackend: option 'threads' must be a positive integer; got ${String(threads)}.`);
  }
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmPackage;
  const engine = tf.engine() as unknown as { registry: Record<string, unknown> };
  if (engine.registry.wasm == null) return { wasm, requested };
  await tf.setBackend('wasm');
  const actual = wasm.getThreadsCount();
  const note = actual === requested ? '' : ` (requested ${requested}; wasm was already initialised here, the count is fixed then)`;
  return { wasm, requested, existing: { threads: actual, note } };
}
