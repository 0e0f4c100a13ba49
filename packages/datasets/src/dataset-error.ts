/**
 * Error thrown by the readers of `@agcl/datasets`. The message names the reader, the file and the
 * problem, e.g. `readAcdcH5: /data/acdc/data/x.h5: truncated file (2713 of 5427 bytes)`.
 *
 * @example
 * try { await readAcdcH5(root, { split: 'train' }); }
 * catch (e) { if (e instanceof DatasetError) console.error(e.file, e.problem); }
 */
export class DatasetError extends Error {
  /** The reader or function that failed (e.g. `readAcdcH5`). */
  readonly fn: string;
  /** The file (or folder) concerned. */
  readonly file: string;
  /** What is wrong with it. */
  readonly problem: string;

  /**
   * @param options.cause the underlying error, e.g. an `Error` whose message is HDF5's full error
   *   stack for a corrupt HDF5 file (the message itself keeps only its innermost line).
   */
  constructor(fn: string, file: string, problem: string, options?: { cause?: unknown }) {
    super(`${fn}: ${file}: ${problem}`, options);
    this.name = 'DatasetError';
    this.fn = fn;
    this.file = file;
    this.problem = problem;
  }
}
