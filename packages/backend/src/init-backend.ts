import * as tf from '@tensorflow/tfjs-core';
// Side effect: registers every gradient and chained op of tfjs-core, which registers none itself.
import './register-gradients';
// Each of these has a browser variant (`*.browser.ts`) that the browser build uses instead.
import { loadTensorflow } from './load-tensorflow';
import { loadWasm } from './load-wasm';
import { loadWebGpu } from './load-webgpu';
import { registerWasmTrainingKernels } from './wasm-kernels/register-wasm-kernels';
import { registerCpuKernelFixes } from './cpu-kernels/resize-bilinear-grad';

/** Names accepted by {@link initBackend}. `auto` picks the fastest one that works here. */
export type BackendName = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Which backend to use; `auto` (default) tries tensorflow, webgpu, wasm, cpu in that order. */
  backend?: BackendName;
  /**
   * Threads for the wasm backend (XNNPACK's pool). Default 1. With 2 or more, the threaded build is
   * started under Node, which tfjs does not do by itself (see the package README); the count is fixed
   * at wasm's first initialisation in a process. In a browser, tfjs runs threads only on a
   * cross-origin-isolated page. Other backends ignore it.
   */
  threads?: number;
  /**
   * Where the wasm backend's `.wasm` files are served: a URL prefix ending in `/` (tfjs'
   * `setWasmPaths`). Default: in Node, the installed `@tensorflow/tfjs-backend-wasm`'s own folder; in
   * a browser, tfjs' default (beside the page). Other backends ignore it.
   */
  wasmPaths?: string;
  /** Print the one-line report to stderr (the console in a browser). Default false. */
  verbose?: boolean;
}

/** What {@link initBackend} chose, and why. */
export interface BackendReport {
  /** The active backend, as confirmed by `tf.getBackend()`. */
  name: string;
  /** The backend that was asked for. */
  requested: BackendName;
  /** Threads the backend computes with (1 where it is single-threaded or unknown). */
  threads: number;
  /** Kernels this package registered or replaced on the active backend. */
  patchedKernels: string[];
  /** Why this backend was chosen. */
  reason: string;
  /** Every candidate tried, in order, with why it was or was not used. */
  tried: Array<{ name: string; ok: boolean; why: string }>;
}

const KNOWN: readonly BackendName[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

interface Candidate {
  name: Exclude<BackendName, 'auto'>;
  /** Loads and prepares the backend; throws with an actionable message when unavailable. */
  load: (options: InitBackendOptions & { auto: boolean }) => Promise<{ threads: number; patchedKernels: string[]; note?: string }>;
}

const candidates: Record<Exclude<BackendName, 'auto'>, Candidate> = {
  tensorflow: {
    name: 'tensorflow',
    load: async () => {
      await loadTensorflow();
      return { threads: 0, patchedKernels: [] };
    },
  },
  webgpu: {
    name: 'webgpu',
    load: async (options) => {
      // In auto mode Dawn is first asked for an adapter in a child process, so that a machine without
      // a usable GPU prints none of Dawn's or the Vulkan drivers' warnings.
      await loadWebGpu({ quietProbe: options.auto });
      return { threads: 1, patchedKernels: [] };
    },
  },
  wasm: {
    name: 'wasm',
    load: async (options) => {
      await import('@tensorflow/tfjs-backend-wasm'); // registers wasm's kernels, some of which are replaced next
      const patchedKernels = registerWasmTrainingKernels();
      const requested = options.threads ?? 1;
      const wasmPaths = options.wasmPaths;
      try {
        const { threads, note } = await loadWasm({ threads: requested, wasmPaths });
        return { threads, patchedKernels, note };
      } catch (err) {
        if (requested === 1) throw err;
        // The threaded build could not start: use one thread rather than fail, and say so.
        const why = err instanceof Error ? err.message : String(err);
        const { threads } = await loadWasm({ threads: 1, wasmPaths });
        return { threads, patchedKernels, note: ` (requested ${requested} threads; the threaded build failed: ${why})` };
      }
    },
  },
  cpu: {
    name: 'cpu',
    load: async () => {
      await import('@tensorflow/tfjs-backend-cpu');
      return { threads: 1, patchedKernels: registerCpuKernelFixes() };
    },
  },
};

const AUTO_ORDER: Array<Exclude<BackendName, 'auto'>> = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/**
 * Chooses, initialises and confirms a TensorFlow.js backend that can train, and registers the
 * gradients that tfjs-core alone does not register (on import of this package).
 *
 * An explicitly requested backend that is unavailable is an error that says how to get it; there
 * is never a silent fallback. `auto` tries `tensorflow`, `webgpu`, `wasm`, `cpu` in that order
 * (`webgpu` is skipped in tens of milliseconds when Dawn finds no GPU adapter). In the browser
 * build, `tensorflow` is never available and `webgpu` is the one your page registered by importing
 * `@tensorflow/tfjs-backend-webgpu`.
 *
 * On wasm it registers the training kernels of {@link registerWasmTrainingKernels} (listed in
 * `report.patchedKernels`) and, with `threads >= 2`, starts the threaded build under Node; the report's
 * `threads` is the count the backend reports. Safe to call again (kernels are registered once).
 *
 * @example
 * ```ts
 * const report = await initBackend({ backend: 'auto' });
 * console.log(report.name, report.reason);
 * ```
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const requested = options.backend ?? 'auto';
  if (!KNOWN.includes(requested)) {
    throw new Error(
      `initBackend: option 'backend' must be one of ${KNOWN.map((k) => `'${k}'`).join(', ')}; got '${String(requested)}'.`,
    );
  }
  // Silences tfjs' "install tfjs-node" banner and platform warnings. (IS_TEST would do it too, but it turns
  // on a per-kernel leak check that wrongly fails custom-gradient ops such as softmaxCrossEntropy on wasm.)
  tf.env().set('PROD', true);
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new Error(`initBackend: option 'threads' must be a positive integer; got ${String(options.threads)}.`);
  }
  if (options.wasmPaths !== undefined && (typeof options.wasmPaths !== 'string' || !options.wasmPaths.endsWith('/'))) {
    throw new Error(`initBackend: option 'wasmPaths' must be a URL or folder prefix ending in '/'; got ${String(options.wasmPaths)}.`);
  }
  const order = requested === 'auto' ? AUTO_ORDER : [requested];
  const tried: BackendReport['tried'] = [];
  for (const name of order) {
    try {
      const { threads, patchedKernels, note } = await candidates[name].load({ ...options, auto: requested === 'auto' });
      const ok = await tf.setBackend(name);
      await tf.ready();
      if (!ok || tf.getBackend() !== name) {
        throw new Error(`tf.setBackend('${name}') did not activate it (active: '${tf.getBackend()}').`);
      }
      const reason =
        requested === 'auto'
          ? `first available of ${AUTO_ORDER.join(' > ')}` + (tried.length ? ` (skipped ${tried.map((t) => t.name).join(', ')})` : '')
          : 'requested explicitly';
      const reasonWithNote = reason + (note ?? '');
      tried.push({ name, ok: true, why: 'loaded and active' });
      const report: BackendReport = { name, requested, threads, patchedKernels, reason: reasonWithNote, tried };
      if (options.verbose) printLine(formatBackendReport(report));
      return report;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      tried.push({ name, ok: false, why });
      if (requested !== 'auto') {
        throw new Error(`initBackend: backend '${name}' is not available: ${why}`);
      }
    }
  }
  throw new Error(`initBackend: no backend could be initialised: ${tried.map((t) => `${t.name}: ${t.why}`).join('; ')}`);
}

/** Writes a line to stderr in Node, to the console elsewhere. */
function printLine(line: string): void {
  const stderr = (globalThis as { process?: { stderr?: { write?: (s: string) => unknown } } }).process?.stderr;
  if (typeof stderr?.write === 'function') stderr.write(`${line}\n`);
  else console.error(line);
}

/** One line that says which backend is active, with how many threads, and why. */
export function formatBackendReport(report: BackendReport): string {
  const kernels = report.patchedKernels.length ? `, ${report.patchedKernels.length} training kernels patched` : '';
  return `backend: ${report.name} (${report.threads} thread${report.threads === 1 ? '' : 's'}${kernels}; ${report.reason})`;
}
