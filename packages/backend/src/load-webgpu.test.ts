import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findVulkanLoader } from './load-webgpu';

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
