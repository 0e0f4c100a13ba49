/** A regular grid of square patches over an `H x W` map ("valid" windows, no padding). */
export interface PatchGrid {
  /** Side of a square patch, in pixels. */
  patchSize: number;
  /** Step between neighbouring patches, in pixels. */
  stride: number;
  /** Number of patch rows: `floor((H - patchSize) / stride) + 1`. */
  rows: number;
  /** Number of patch columns: `floor((W - patchSize) / stride) + 1`. */
  cols: number;
}

/** Options of {@link patchGrid}. */
export interface PatchGridOptions {
  /** Side of a square patch in pixels. Default 16. */
  patchSize?: number;
  /** Step between patches in pixels. Default 16 (non-overlapping tiles). */
  stride?: number;
}

/**
 * The grid of `patchSize x patchSize` windows taken every `stride` pixels over an `H x W` map.
 *
 * Patch `(r, c)` covers rows `r*stride .. r*stride + patchSize - 1` and columns
 * `c*stride .. c*stride + patchSize - 1`; windows never cross the border ("valid" padding), which is
 * exactly what `tf.avgPool(x, patchSize, stride, 'valid')` computes over.
 *
 * `rows = floor((H - patchSize) / stride) + 1`, `cols = floor((W - patchSize) / stride) + 1`.
 *
 * @param height - map height H (positive integer, at least `patchSize`).
 * @param width - map width W (positive integer, at least `patchSize`).
 * @param options - `patchSize` (default 16) and `stride` (default 16).
 * @returns the grid description (plain numbers, nothing to dispose).
 * @throws Error naming `patchGrid` and the argument when a size is not a positive integer or the
 *   patch does not fit.
 *
 * @example
 * ```ts
 * patchGrid(128, 128); // { patchSize: 16, stride: 16, rows: 8, cols: 8 }
 * patchGrid(128, 128, { patchSize: 32, stride: 16 }); // rows: 7, cols: 7
 * ```
 */
export function patchGrid(height: number, width: number, options: PatchGridOptions = {}): PatchGrid {
  const patchSize = options.patchSize ?? 16;
  const stride = options.stride ?? 16;
  checkPositiveInteger('patchGrid', 'height', height);
  checkPositiveInteger('patchGrid', 'width', width);
  checkPositiveInteger('patchGrid', 'options.patchSize', patchSize);
  checkPositiveInteger('patchGrid', 'options.stride', stride);
  if (patchSize > height || patchSize > width) {
    throw new Error(
      `patchGrid: option 'patchSize' (${patchSize}) must not exceed the map size ${height}x${width}.`,
    );
  }
  return {
    patchSize,
    stride,
    rows: Math.floor((height - patchSize) / stride) + 1,
    cols: Math.floor((width - patchSize) / stride) + 1,
  };
}

/** @internal Throws when `value` is not a positive integer. */
export function checkPositiveInteger(fn: string, arg: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`${fn}: argument '${arg}' must be a positive integer; got ${String(value)}.`);
  }
}
