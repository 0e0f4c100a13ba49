/**
 * Shared record types of `@agcl/datasets`. Layouts are channels-last and row-major:
 * a 2D image is `[H, W, C]` flattened (`index = (y * W + x) * C + c`), a 3D volume is `[D, H, W, C]`.
 */

/** One 2D image with its class map (and optionally its instance map). */
export interface Slice2D {
  /** Unique id, e.g. `patient001_frame01_slice_3` or an image file stem. */
  id: string;
  /** Case (patient / tile / volume) the slice belongs to; splits are made on this. */
  caseId: string;
  /** Intensities, `[H, W, C]` row-major float32 (in [0, 1] for every reader and phantom). */
  image: Float32Array;
  /** Class map `[H, W]` (values in `0..numClasses-1`). */
  label: Uint8Array;
  height: number;
  width: number;
  channels: number;
  /** Instance ids `[H, W]` (0 = background), when the source has instances and they were asked for. */
  instances?: Int32Array;
  /** Height before any resize (set by readers and `resizeSlice`); use it to map predictions back. */
  originalHeight?: number;
  /** Width before any resize. */
  originalWidth?: number;
  /** In-plane pixel spacing `[y, x]` in mm, where the source says it. */
  spacing?: [number, number];
  /** File the slice was read from, where it came from a file. */
  source?: string;
}

/** One 3D volume with its class map. */
export interface Volume3D {
  /** Unique id, e.g. `patient001_frame01`. */
  id: string;
  /** Patient / case id (e.g. `patient001`). */
  caseId?: string;
  /** Intensities `[D, H, W, C]` row-major float32. */
  image: Float32Array;
  /** Class map `[D, H, W]`. */
  label: Uint8Array;
  depth: number;
  height: number;
  width: number;
  channels: number;
  /** Voxel spacing `[z, y, x]` in mm, where the source says it. */
  spacing?: [number, number, number];
  /** In-plane size before any resize (readers keep volumes at their original size). */
  originalHeight?: number;
  originalWidth?: number;
  /** Cardiac phase for ACDC volumes read from the official layout. */
  phase?: 'ED' | 'ES';
  /** File the image was read from. */
  source?: string;
}

/** Progress report passed to `onProgress` after each case. */
export interface ReadProgress {
  /** Cases handled so far (read or skipped). */
  done: number;
  /** Cases to handle in total. */
  total: number;
  /** File or case just handled. */
  item: string;
  /** Milliseconds since the read started. */
  elapsedMs: number;
}

/** A case that `skipBad` left out, with the reason. */
export interface SkippedCase {
  /** File (or case) that could not be used. */
  file: string;
  /** The error message. */
  reason: string;
}

/** Options common to every reader. */
export interface ReadOptions {
  /** Called after each case (read or skipped). Default: none. */
  onProgress?: (progress: ReadProgress) => void;
  /**
   * Skip unreadable or inconsistent cases instead of throwing: each is reported through `onWarning`
   * and listed in the result's `skipped`. Default `false` (the first bad case throws).
   */
  skipBad?: boolean;
  /** Receives a message for each skipped case. Default `console.warn`. */
  onWarning?: (message: string) => void;
}

/** Fields common to every reader's result. */
export interface ReadResultBase {
  /** Cases left out by `skipBad` (empty when none). */
  skipped: SkippedCase[];
  /** Wall-clock milliseconds the read took. */
  elapsedMs: number;
}
