import { describe, expect, it } from 'vitest';
import { readUNetFolder, writeUNetFolder } from './unet-folder.browser';
import type { UNetArtifacts } from './unet-artifacts';

// The browser build's folder functions (tsup.shared.ts puts them in place of unet-folder.ts).
describe('folders in the browser build', () => {
  it('save to a folder rejects, naming the caller and what to use instead', async () => {
    await expect(writeUNetFolder({} as UNetArtifacts, '/tmp/run1', 'UNet.save')).rejects.toThrow(
      /^UNet\.save: saving to the folder '\/tmp\/run1' needs Node\.js .*save\('memory'\)/,
    );
  });

  it('load from a folder rejects', async () => {
    await expect(readUNetFolder('/tmp/run1', 'UNet.load')).rejects.toThrow(/^UNet\.load: loading from the folder '\/tmp\/run1' needs Node\.js/);
    await expect(readUNetFolder('/tmp/run1')).rejects.toThrow(/^readUNetFolder: /);
  });
});
