import * as tf from '@tensorflow/tfjs-core';
import { resolveUNetConfig, type ResolvedUNetConfig } from './unet-config';

/** Value of the `format` field of saved networks. */
export const UNET_FORMAT = 'agcl-unet';
/** Current version of the saved format. */
export const UNET_FORMAT_VERSION = 1;
/** File names inside a saved folder. */
export const UNET_MODEL_FILE = 'model.json';
export const UNET_WEIGHTS_FILE = 'weights.bin';

/**
 * A saved {@link UNet} in memory: the resolved configuration plus the weights in TensorFlow.js's
 * standard binary layout (`tf.io.encodeWeights`: float32 little-endian, concatenated in `weightSpecs` order).
 */
export interface UNetArtifacts {
  format: typeof UNET_FORMAT;
  formatVersion: number;
  /** The configuration the network was built with. */
  config: ResolvedUNetConfig;
  /** Name, shape and dtype of each weight, in the order of `weightData`. */
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** The concatenated weight values. */
  weightData: ArrayBuffer;
}

/** What {@link UNet.save} wrote to a folder. */
export interface UNetSaveResult {
  /** Absolute path of the folder. */
  folder: string;
  /** Absolute path of `model.json` (config + weightsManifest). */
  modelJsonPath: string;
  /** Absolute path of `weights.bin`. */
  weightsPath: string;
  /** Size of `weights.bin` in bytes. */
  weightBytes: number;
}

/** Contents of `model.json` in a saved folder. */
interface UNetModelJson {
  format: typeof UNET_FORMAT;
  formatVersion: number;
  config: ResolvedUNetConfig;
  weightsManifest: tf.io.WeightsManifestConfig;
}

/**
 * Checks that `value` is a well-formed {@link UNetArtifacts} and returns it with its configuration
 * re-resolved (validated).
 *
 * @param value Anything (e.g. parsed JSON plus a buffer).
 * @param fn Function name used in error messages.
 * @throws Error `<fn>: ...` naming the field that is missing or wrong.
 */
export function checkUNetArtifacts(value: unknown, fn: string): UNetArtifacts {
  if (value === null || typeof value !== 'object') {
    throw new Error(`${fn}: argument 'source' must be a folder path or UNet artifacts, got ${String(value)}.`);
  }
  const a = value as Partial<UNetArtifacts>;
  if (a.format !== UNET_FORMAT) {
    throw new Error(`${fn}: not a saved UNet (field 'format' is ${JSON.stringify(a.format)}, expected '${UNET_FORMAT}').`);
  }
  if (a.formatVersion !== UNET_FORMAT_VERSION) {
    throw new Error(
      `${fn}: unsupported format version ${JSON.stringify(a.formatVersion)} (this version reads ${UNET_FORMAT_VERSION}).`,
    );
  }
  if (!Array.isArray(a.weightSpecs)) throw new Error(`${fn}: field 'weightSpecs' must be an array.`);
  if (!(a.weightData instanceof ArrayBuffer)) throw new Error(`${fn}: field 'weightData' must be an ArrayBuffer.`);
  let config: ResolvedUNetConfig;
  try {
    config = resolveUNetConfig(a.config as ResolvedUNetConfig);
  } catch (err) {
    throw new Error(`${fn}: the saved configuration is invalid: ${(err as Error).message}`);
  }
  let expected = 0;
  for (const spec of a.weightSpecs) {
    if (spec.dtype !== 'float32') {
      throw new Error(`${fn}: weight '${spec.name}' has dtype ${spec.dtype}; only float32 weights are stored.`);
    }
    expected += 4 * spec.shape.reduce((p, d) => p * d, 1);
  }
  if (expected !== a.weightData.byteLength) {
    throw new Error(
      `${fn}: the weight data has ${a.weightData.byteLength} bytes but the specs describe ${expected} bytes.`,
    );
  }
  return { format: UNET_FORMAT, formatVersion: UNET_FORMAT_VERSION, config, weightSpecs: a.weightSpecs, weightData: a.weightData };
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
 * @returns Paths and size written.
 */
export async function writeUNetFolder(artifacts: UNetArtifacts, folder: string): Promise<UNetSaveResult> {
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
export async function readUNetFolder(source: string, fn: string): Promise<UNetArtifacts> {
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
