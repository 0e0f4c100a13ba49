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
