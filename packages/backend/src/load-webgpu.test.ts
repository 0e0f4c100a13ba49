import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findVulkanDrivers, findVulkanLoader, loadWebGpu, probeWebGpuAdapter } from './load-webgpu';

describe('findVulkanLoader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agcl-vulkan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds libvulkan.so.1 through LD_LIBRARY_PATH', () => {
    writeFileSync(join(dir, 'libvulkan.so.1'), '');
    expect(findVulkanLoader({ LD_LIBRARY_PATH: `/nonexistent:${dir}` }, 'linux')).toBe(join(dir, 'libvulkan.so.1'));
  });

  it('is not checked off Linux (Metal, D3D12)', () => {
    expect(findVulkanLoader({}, 'darwin')).toBeUndefined();
    expect(findVulkanLoader({}, 'win32')).toBeUndefined();
  });
});

describe('findVulkanDrivers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agcl-icd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the manifests named by VK_DRIVER_FILES (existing ones only) when set', () => {
    const icd = join(dir, 'nvidia_icd.json');
    writeFileSync(icd, '{}');
    expect(findVulkanDrivers({ VK_DRIVER_FILES: `${icd}:/nonexistent/x.json` }, 'linux')).toEqual([icd]);
    expect(findVulkanDrivers({ VK_ICD_FILENAMES: icd }, 'linux')).toEqual([icd]);
    expect(findVulkanDrivers({ VK_DRIVER_FILES: '/nonexistent/x.json' }, 'linux')).toEqual([]);
  });

  it('finds manifests in $XDG_DATA_DIRS/vulkan/icd.d', () => {
    mkdirSync(join(dir, 'vulkan', 'icd.d'), { recursive: true });
    writeFileSync(join(dir, 'vulkan', 'icd.d', 'lvp_icd.x86_64.json'), '{}');
    writeFileSync(join(dir, 'vulkan', 'icd.d', 'README'), '');
    expect(findVulkanDrivers({ XDG_DATA_DIRS: dir }, 'linux')).toContain(join(dir, 'vulkan', 'icd.d', 'lvp_icd.x86_64.json'));
    expect(findVulkanDrivers({ XDG_DATA_DIRS: dir }, 'linux')).not.toContain(join(dir, 'vulkan', 'icd.d', 'README'));
  });

  it('is not checked off Linux', () => {
    expect(findVulkanDrivers({}, 'darwin')).toBeUndefined();
  });
});

describe('loadWebGpu with a Vulkan loader but no driver', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agcl-loader-'));
  const saved = { LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH, XDG_DATA_DIRS: process.env.XDG_DATA_DIRS };
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops before Dawn and says that the driver is missing', async (ctx) => {
    writeFileSync(join(dir, 'libvulkan.so.1'), '');
    process.env.LD_LIBRARY_PATH = dir;
    process.env.XDG_DATA_DIRS = dir;
    const machineHasDriver =
      (findVulkanDrivers() ?? []).length > 0 || process.env.VK_DRIVER_FILES != null || existsSync('/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json');
    if (process.platform !== 'linux' || machineHasDriver) ctx.skip();
    await expect(loadWebGpu()).rejects.toThrow(/no Vulkan driver: the Vulkan loader is installed but no driver manifest/);
  });
});

describe('probeWebGpuAdapter (the quiet probe of auto mode)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agcl-probe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** A stand-in for Dawn's `webgpu` module whose requestAdapter runs `body`. */
  const fakeDawn = (name: string, body: string) => {
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, `export const globals = {};\nexport function create() {\n  return { requestAdapter: async () => { ${body} } };\n}\n`);
    return file;
  };

  it("captures what Dawn and the drivers print and reports no adapter, with Dawn's first lines as the reason", async () => {
    const file = fakeDawn(
      'noisy',
      "console.error('error: XDG_RUNTIME_DIR is invalid or not set in the environment.'); console.log('Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.'); return null;",
    );
    const probe = await probeWebGpuAdapter(file);
    expect(probe.adapter).toBe(false);
    expect(probe.why).toMatch(/^Dawn found no adapter; Dawn printed: error: XDG_RUNTIME_DIR is invalid .* \/ Warning: Vulkan shaderUniform/);
  });

  it('finds an adapter when Dawn returns one', async () => {
    expect(await probeWebGpuAdapter(fakeDawn('gpu', 'return { info: {} };'))).toEqual({ adapter: true, why: '' });
  });

  it('gives the child a valid XDG_RUNTIME_DIR when this process has none', async () => {
    const saved = process.env.XDG_RUNTIME_DIR;
    process.env.XDG_RUNTIME_DIR = '/nonexistent/agcl-runtime';
    try {
      const file = fakeDawn('xdg', "const fs = await import('node:fs'); return fs.statSync(process.env.XDG_RUNTIME_DIR).isDirectory() ? {} : null;");
      expect((await probeWebGpuAdapter(file)).adapter).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
      else process.env.XDG_RUNTIME_DIR = saved;
    }
  });

  it('reports a module that fails to load as no adapter, never throws', async () => {
    const file = join(dir, 'broken.mjs');
    writeFileSync(file, "throw new Error('dawn.node: cannot open shared object file');\n");
    const probe = await probeWebGpuAdapter(file);
    expect(probe.adapter).toBe(false);
    expect(probe.why).toContain('Dawn failed: dawn.node: cannot open shared object file');
  });
});
