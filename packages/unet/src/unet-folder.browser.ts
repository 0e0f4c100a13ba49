import type { UNetArtifacts, UNetSaveResult } from './unet-artifacts';

// The browser build's `unet-folder.ts` (see tsup.shared.ts): there is no file system to save to.

function noFolders(fn: string, what: string): Error {
  return new Error(
    `${fn}: ${what} needs Node.js (node:fs), and this is the browser build of @agcl/unet. ` +
      "In a browser, use save('memory') and UNet.load(artifacts), and store the artifacts yourself (e.g. in IndexedDB).",
  );
}

/** Browser build: always rejects (folders need Node.js); see the Node build's `writeUNetFolder`. */
export async function writeUNetFolder(artifacts: UNetArtifacts, folder: string, fn = 'writeUNetFolder'): Promise<UNetSaveResult> {
  void artifacts;
  throw noFolders(fn, `saving to the folder '${folder}'`);
}

/** Browser build: always rejects (folders need Node.js); see the Node build's `readUNetFolder`. */
export async function readUNetFolder(source: string, fn = 'readUNetFolder'): Promise<UNetArtifacts> {
  throw noFolders(fn, `loading from the folder '${source}'`);
}
