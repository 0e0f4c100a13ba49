import * as tf from '@tensorflow/tfjs-core';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What {@link loadWebGpu} found. */
export interface WebGpuInfo {
  /** Adapter description (vendor / architecture / device) when the adapter reports it. */
  adapter: string;
}

const HOW_TO_GET =
  "The webgpu backend needs the optional packages 'webgpu' (Dawn's Node bindings) and " +
  "'@tensorflow/tfjs-backend-webgpu@4.22.0' installed in your project, and a GPU with a Vulkan, Metal or D3D12 driver.";

interface DawnModule {
  create: (flags: string[]) => { requestAdapter: (o?: object) => Promise<unknown> };
  globals: Record<string, unknown>;
}

/** Imports through `load` (a literal `import()`, so that bundlers include the module); explains failures. */
async function importOrExplain(specifier: string, load: () => Promise<unknown>): Promise<unknown> {
  try {
    return await load();
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Error(`'${specifier}' could not be loaded (${why}). ${HOW_TO_GET}`);
  }
}

const VULKAN_LOADER_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/local/lib',
];

/**
 * Where Dawn would find the Vulkan loader on Linux (`libvulkan.so.1`), or null when it is in none of
 * the usual library folders nor in `LD_LIBRARY_PATH`. Without it Dawn can only fail (after printing a
 * warning), so {@link loadWebGpu} stops first. Other platforms use Metal or D3D12: not checked.
 */
export function findVulkanLoader(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): string | null | undefined {
  if (platform !== 'linux') return undefined;
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...VULKAN_LOADER_DIRS];
  for (const dir of dirs) {
    const file = join(dir, 'libvulkan.so.1');
    if (existsSync(file)) return file;
  }
  return null;
}

/** Where the Vulkan loader looks for driver manifests (ICDs) on Linux, besides the environment variables. */
const VULKAN_ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/local/etc/vulkan/icd.d'];
/** Where NVIDIA's container toolkit mounts the driver's manifest: outside the loader's search path. */
const NVIDIA_CONTAINER_ICD = '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json';

/**
 * The Vulkan driver manifests (ICD `.json` files) the loader would use on Linux: the files named by
 * `VK_DRIVER_FILES` / `VK_ICD_FILENAMES` when set, else those in the standard folders and
 * `$XDG_DATA_DIRS/vulkan/icd.d`. Without any, Dawn prints driver warnings and finds no adapter, so
 * {@link loadWebGpu} stops first. `undefined` off Linux (not checked).
 */
export function findVulkanDrivers(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): string[] | undefined {
  if (platform !== 'linux') return undefined;
  const named = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  if (named) return named.split(':').filter((f) => f && existsSync(f));
  const dirs = [...VULKAN_ICD_DIRS, ...(env.XDG_DATA_DIRS ?? '').split(':').filter(Boolean).map((d) => join(d, 'vulkan', 'icd.d'))];
  const found: string[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.json')) found.push(join(dir, f));
  }
  return found;
}

/** Options of {@link loadWebGpu}. */
export interface LoadWebGpuOptions {
  /**
   * Ask Dawn for an adapter in a child process first, with its stdout and stderr captured, and go on
   * in this process only when it found one. `initBackend`'s `auto` mode sets it: on a machine with a
   * Vulkan loader and driver manifests but no usable GPU, Dawn and the Vulkan drivers print warnings
   * (`error: XDG_RUNTIME_DIR is invalid ...`, `Warning: Vulkan ... required`) straight to the
   * process's stderr, where they read as failures of a run that merely skipped webgpu. What the
   * probe printed goes into the error message instead. Default false: a backend asked for by name
   * shows Dawn's own diagnostics.
   */
  quietProbe?: boolean;
}

/** What {@link probeWebGpuAdapter} found. */
export interface WebGpuProbe {
  /** Dawn returned an adapter. */
  adapter: boolean;
  /** Why not (the probe's error, or the first lines Dawn printed), when no adapter was found. */
  why: string;
}

/** How long the child-process probe may take (loading Dawn and enumerating adapters takes about 1 s). */
const PROBE_TIMEOUT_MS = 30_000;

/** The child's script: load Dawn from `url`, ask for an adapter, print one marker line. */
const PROBE_SCRIPT = `
const url = process.argv[process.argv.length - 1];
let answer;
try {
  const dawn = await import(url);
  const adapter = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' });
  answer = adapter ? 'adapter' : 'none';
} catch (err) {
  answer = 'failed ' + String((err && err.message) || err).split('\\n')[0];
}
process.stdout.write('\\nagcl-webgpu-probe: ' + answer + '\\n', () => process.exit(0));
`;

/** A usable `XDG_RUNTIME_DIR` (an existing folder) is set. */
function hasRuntimeDir(env: NodeJS.ProcessEnv): boolean {
  const dir = env.XDG_RUNTIME_DIR;
  if (!dir) return false;
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Asks Dawn (the `webgpu` package at `dawnFile`) for an adapter in a child Node process whose output is
 * captured, so that nothing Dawn or a Vulkan driver prints reaches this process's stdout or stderr.
 * When `XDG_RUNTIME_DIR` is unset or invalid, the child gets a private empty one (Mesa's drivers
 * complain otherwise). Never throws: a probe that fails or times out reports no adapter.
 */
export function probeWebGpuAdapter(dawnFile: string): Promise<WebGpuProbe> {
  const env = { ...process.env };
  let runtimeDir: string | null = null;
  if (!hasRuntimeDir(env)) {
    runtimeDir = mkdtempSync(join(tmpdir(), 'agcl-xdg-'));
    env.XDG_RUNTIME_DIR = runtimeDir;
  }
  return new Promise<WebGpuProbe>((done) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE_SCRIPT, pathToFileURL(dawnFile).href], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    const finish = (probe: WebGpuProbe) => {
      clearTimeout(timer);
      if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
      done(probe);
    };
    child.on('error', (err) => finish({ adapter: false, why: `the probe could not start (${err.message})` }));
    child.on('close', (code, signal) => {
      const marker = /^agcl-webgpu-probe: (.*)$/m.exec(out)?.[1] ?? null;
      if (marker === 'adapter') return finish({ adapter: true, why: '' });
      const printed = out
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('agcl-webgpu-probe:') && !l.startsWith('at ') && !l.startsWith('- While'))
        .filter((l, i, all) => all.indexOf(l) === i)
        .slice(0, 3);
      const why =
        marker === null
          ? signal === 'SIGKILL'
            ? `the probe timed out after ${PROBE_TIMEOUT_MS / 1000} s`
            : `the probe exited ${code ?? signal} without an answer`
          : marker.startsWith('failed ')
            ? `Dawn failed: ${marker.slice(7)}`
            : 'Dawn found no adapter';
      finish({ adapter: false, why: printed.length ? `${why}; Dawn printed: ${printed.join(' / ')}` : why });
    });
  });
}

/** The file Node loads for the `webgpu` package, from this module's location (null when not installed). */
function resolveDawn(): string | null {
  try {
    return createRequire(import.meta.url).resolve('webgpu');
  } catch {
    return null;
  }
}

/**
 * Prepares the tfjs webgpu backend under Node: loads Dawn's bindings (`webgpu`), asks for an adapter
 * and, only when one is found, installs `navigator.gpu` and the WebGPU globals and loads
 * `@tensorflow/tfjs-backend-webgpu` (which registers the `webgpu` backend on import). Without an
 * adapter it throws at once (tens of milliseconds), leaving the globals untouched. With
 * `quietProbe` (the `auto` mode of `initBackend`), the adapter is first looked for in a child
 * process, so that a machine without a usable GPU prints nothing.
 * @throws Error naming what is missing: a package, or a GPU adapter.
 */
export async function loadWebGpu(options: LoadWebGpuOptions = {}): Promise<WebGpuInfo> {
  if (findVulkanLoader() === null) {
    throw new Error(
      'no Vulkan loader (libvulkan.so.1) in the library folders or LD_LIBRARY_PATH, so Dawn cannot reach a GPU. ' +
        'Install the Vulkan loader (Debian/Ubuntu: libvulkan1) and your GPU driver. ' + HOW_TO_GET,
    );
  }
  let drivers = findVulkanDrivers();
  if (drivers !== undefined && drivers.length === 0 && process.env.VK_DRIVER_FILES == null && existsSync(NVIDIA_CONTAINER_ICD)) {
    // An NVIDIA driver mounted by the container toolkit: point the loader at it.
    process.env.VK_DRIVER_FILES = NVIDIA_CONTAINER_ICD;
    drivers = [NVIDIA_CONTAINER_ICD];
  }
  if (drivers !== undefined && drivers.length === 0) {
    throw new Error(
      'no Vulkan driver: the Vulkan loader is installed but no driver manifest (ICD .json) is in /usr/share/vulkan/icd.d, ' +
        '/etc/vulkan/icd.d or VK_DRIVER_FILES. Install your GPU vendor\'s Vulkan driver, or set VK_DRIVER_FILES to its manifest.',
    );
  }
  if (options.quietProbe) {
    const dawnFile = resolveDawn();
    if (dawnFile === null) {
      throw new Error(`'webgpu' could not be loaded (Cannot find package 'webgpu'). ${HOW_TO_GET}`);
    }
    const probe = await probeWebGpuAdapter(dawnFile);
    if (!probe.adapter) throw new Error(`no WebGPU adapter: ${probe.why} (probed in a child process; --backend webgpu shows Dawn's messages).`);
  }
  const dawn = (await importOrExplain('webgpu', () => import('webgpu'))) as DawnModule;
  if (typeof dawn.create !== 'function') {
    throw new Error(`'webgpu' does not export create(): not Dawn's Node bindings. ${HOW_TO_GET}`);
  }
  const gpu = dawn.create([]);
  const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as
    | { info?: { vendor?: string; architecture?: string; device?: string; description?: string } }
    | null;
  if (adapter == null) {
    throw new Error(
      "no WebGPU adapter: 'webgpu' (Dawn) loaded but found no GPU (no Vulkan/Metal/D3D12 device or driver on this machine).",
    );
  }
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  Object.assign(globalThis, dawn.globals);
  if (g.navigator == null) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (g.navigator.gpu == null) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
  const mod = (await importOrExplain('@tensorflow/tfjs-backend-webgpu', () => import('@tensorflow/tfjs-backend-webgpu'))) as {
    WebGPUBackend?: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend;
  };
  if (tf.findBackendFactory('webgpu') == null) {
    // The package registers its backend on import only when navigator.gpu exists then; imported earlier
    // (by the application or a bundle), it registered its kernels but not the backend: register it as it would.
    const WebGPUBackend = mod.WebGPUBackend;
    if (WebGPUBackend == null) {
      throw new Error("'@tensorflow/tfjs-backend-webgpu' loaded but exports no WebGPUBackend (expected version 4.22.0).");
    }
    tf.registerBackend('webgpu', async () => createWebGpuBackend(gpu, WebGPUBackend), 3);
  }
  const i = adapter.info ?? {};
  return { adapter: [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') || 'unknown adapter' };
}

interface GpuAdapterLike {
  features: { has: (name: string) => boolean };
  limits: Record<string, number>;
  info?: unknown;
  requestDevice: (descriptor: object) => Promise<unknown>;
}

/** The device and backend as tfjs-backend-webgpu 4.22's own factory makes them (features and limits). */
async function createWebGpuBackend(
  gpu: { requestAdapter: (o?: object) => Promise<unknown> },
  WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend,
): Promise<tf.KernelBackend> {
  const powerPreference = tf.env().getBool('WEBGPU_USE_LOW_POWER_GPU') ? 'low-power' : 'high-performance';
  const adapter = (await gpu.requestAdapter({ powerPreference })) as GpuAdapterLike | null;
  if (adapter == null) throw new Error('no WebGPU adapter');
  const requiredFeatures = ['timestamp-query', 'bgra8unorm-storage'].filter((f) => adapter.features.has(f));
  const l = adapter.limits;
  const requiredLimits = {
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
  };
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  return new WebGPUBackend(device, adapter.info);
}
