import type * as tf from '@tensorflow/tfjs-core';
import type { ResolvedUNetConfig } from './unet-config';
import {
  checkUNetArtifacts,
  UNET_FORMAT,
  UNET_MODEL_FILE,
  UNET_WEIGHTS_FILE,
  type UNetArtifacts,
  type UNetSaveResult,
} from './unet-artifacts';

// Saving to and loading from a folder: Node only (node:fs). The browser build of the package uses
// `unet-folder.browser.ts` instead, which exports the same functions and says why they cannot run.

/** Contents of `model.json` in a saved folder. */
interface UNetModelJson {
  format: typeof UNET_FORMAT;
  formatVersion: number;
  config: ResolvedUNetConfig;
  weightsManifest: tf.io.WeightsManifestConfig;
}

async function writeAtomic(
  fs: typeof import('node:fs/promises'),
  file: string,
  data: Uint8Array | string,
): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes artifacts to `folder` as `model.json` (format, config, weightsManifest) and `weights.bin`.
 * Each file is written to a temporary name and renamed, so a reader never sees half a file; the
 * weights go first, so an existing `model.json` never points at missing weights.
 *
 * @param artifacts What {@link UNet.save}('memory') returns.
 * @param folder Target folder; created when missing.
 * @param fn Function name for error messages where no folder can be written (the browser build);
 *   here the file system's own errors are thrown.
 * @returns Paths and size written.
 */
export async function writeUNetFolder(artifacts: UNetArtifacts, folder: string, fn = 'writeUNetFolder'): Promise<UNetSaveResult> {
  void fn;
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const dir = path.resolve(folder);
  await fs.mkdir(dir, { recursive: true });
  const weightsPath = path.join(dir, UNET_WEIGHTS_FILE);
  const modelJsonPath = path.join(dir, UNET_MODEL_FILE);
  const json: UNetModelJson = {
    format: UNET_FORMAT,
    formatVersion: artifacts.formatVersion,
    config: artifacts.config,
    weightsManifest: [{ paths: [UNET_WEIGHTS_FILE], weights: artifacts.weightSpecs }],
  };
  await writeAtomic(fs, weightsPath, new Uint8Array(artifacts.weightData));
  await writeAtomic(fs, modelJsonPath, `${JSON.stringify(json, null, 2)}\n`);
  return { folder: dir, modelJsonPath, weightsPath, weightBytes: artifacts.weightData.byteLength };
}

/**
 * Reads a folder written by {@link writeUNetFolder} (or the path of its `model.json`).
 *
 * @param source Folder, or path ending in `.json`.
 * @param fn Function name used in error messages.
 * @returns Checked artifacts.
 * @throws Error naming the file when it is missing or malformed.
 */
export async function readUNetFolder(source: string, fn = 'readUNetFolder'): Promise<UNetArtifacts> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const modelJsonPath = source.endsWith('.json') ? path.resolve(source) : path.resolve(source, UNET_MODEL_FILE);
  let text: string;
  try {
    text = await fs.readFile(modelJsonPath, 'utf8');
  } catch (err) {
    throw new Error(`${fn}: cannot read '${modelJsonPath}' (${(err as Error).message.split('\n')[0]}).`);
  }
  let json: Partial<UNetModelJson>;
  try {
    json = JSON.parse(text) as Partial<UNetModelJson>;
  } catch (err) {
    throw new Error(`${fn}: '${modelJsonPath}' is not valid JSON (${(err as Error).message}).`);
  }
  if (!Array.isArray(json.weightsManifest)) {
    throw new Error(`${fn}: '${modelJsonPath}' has no 'weightsManifest' array.`);
  }
  const dir = path.dirname(modelJsonPath);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const file = path.resolve(dir, p);
      try {
        chunks.push(await fs.readFile(file));
      } catch (err) {
        throw new Error(`${fn}: cannot read weights file '${file}' (${(err as Error).message.split('\n')[0]}).`);
      }
    }
  }
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    data.set(c, offset);
    offset += c.byteLength;
  }
  return checkUNetArtifacts(
    { format: json.format, formatVersion: json.formatVersion, config: json.config, weightSpecs: specs, weightData: data.buffer },
    fn,
  );
}
