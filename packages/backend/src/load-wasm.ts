import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { importWasm, type WasmInfo } from './wasm-import';

export type { WasmInfo } from './wasm-import';

interface EmscriptenWorker {
  unref: () => void;
}

const WORKER = 'tfjs-backend-wasm-threaded-simd.worker.js';
/** The branch of the emscripten worker that loads the main script from a URL or a Blob. */
const LOAD_BRANCH =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

let workerScriptPath: string | null = null;

function resolveWasmPackageDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/**
 * Writes (once per process) a worker script Node can run: tfjs' own emscripten worker, whose main
 * script is loaded from the package's `wasm-out/tfjs-backend-wasm-threaded-simd.js` file instead of a
 * `blob:` URL, which Node's worker_threads cannot load.
 */
function nodeWorkerScript(): string {
  if (workerScriptPath != null) return workerScriptPath;
  const dir = join(resolveWasmPackageDir(), 'wasm-out');
  const require = createRequire(import.meta.url);
  const contents = (require(join(dir, WORKER)) as { wasmWorkerContents: string }).wasmWorkerContents;
  if (!contents.includes(LOAD_BRANCH)) {
    throw new Error('the wasm worker script of @tensorflow/tfjs-backend-wasm has an unexpected form (expected version 4.22.0).');
  }
  const mainScript = JSON.stringify(join(dir, 'tfjs-backend-wasm-threaded-simd.js'));
  // As tfjs does before making its Blob: the template literal turned the script's "\n" escapes into newlines.
  const patched = contents.replace(/\n/g, '\\n').replace(LOAD_BRANCH, `importScripts(${mainScript});`);
  // One file per content in the temp folder, shared by processes; written to a private name, then renamed.
  const hash = createHash('sha256').update(patched).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `agcl-tfjs-wasm-worker-${hash}.cjs`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, patched);
    renameSync(partial, file);
  }
  workerScriptPath = file;
  return file;
}

/**
 * Loads `@tensorflow/tfjs-backend-wasm` and activates it, with `threads` XNNPACK threads.
 *
 * tfjs disables wasm threads under Node (its feature test returns false there) because its threaded
 * build starts workers from `blob:` URLs. With `threads > 1` this lifts that: it forces the flag
 * `WASM_HAS_MULTITHREAD_SUPPORT`, sets the thread count (no cap at half the cores), and serves the worker
 * script from a temporary file during initialisation. The pool's workers are unref'd so that they do not
 * keep the process alive. The count is fixed at the backend's first initialisation in a process.
 * Node only; the browser build uses load-wasm.browser.ts.
 * @throws Error when the threaded backend cannot start (the caller may fall back to one thread).
 */
export async function loadWasm(options: { threads?: number; wasmPaths?: string } = {}): Promise<WasmInfo> {
  const { wasm, requested, existing } = await importWasm(options.threads);
  if (existing) return existing; // already initialised in this process: the thread count cannot change any more
  // The emscripten loader finds its .wasm beside its own script (__dirname), which a bundler (esbuild,
  // webpack) moves; the package's folder, resolved at run time, holds the binaries either way.
  wasm.setWasmPaths(options.wasmPaths ?? `${join(resolveWasmPackageDir(), 'wasm-out')}/`);
  if (requested === 1) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setThreadsCount(1);
    await tf.setBackend('wasm');
    return { threads: wasm.getThreadsCount(), note: '' };
  }
  const workerFile = nodeWorkerScript();
  const createObjectURL = URL.createObjectURL;
  const os = createRequire(import.meta.url)('node:os') as { cpus: () => unknown[] };
  const cpus = os.cpus;
  os.cpus = () => { const c = cpus.call(os); return Array.from({ length: Math.max(c.length, 2 * requested) }, (_, i) => c[i % c.length]); };
  URL.createObjectURL = (obj: Blob) =>
    obj instanceof Blob && obj.type === 'application/javascript' ? workerFile : createObjectURL.call(URL, obj);
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(requested);
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('the threaded wasm backend did not initialise.');
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
  const backend = tf.backend() as unknown as { wasm: { PThread?: { runningWorkers: EmscriptenWorker[]; unusedWorkers: EmscriptenWorker[] } } };
  const pthread = backend.wasm.PThread;
  if (pthread == null) throw new Error('the threaded wasm module exposes no PThread pool.');
  for (const w of [...pthread.runningWorkers, ...pthread.unusedWorkers]) w.unref();
  return { threads: wasm.getThreadsCount(), note: '' };
}
