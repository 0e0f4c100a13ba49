import { DatasetError } from './dataset-error';
import type { ReadOptions, SkippedCase } from './types';

/**
 * Runs `read` on every item in order, reporting progress and, with `skipBad`, turning failures
 * into warnings and `skipped` entries instead of throwing. Internal helper of the readers.
 *
 * @returns the successful results (in item order), the skipped cases and the elapsed time.
 */
export async function runCases<I, R>(
  fn: string,
  items: readonly I[],
  describe: (item: I) => string,
  read: (item: I) => Promise<R> | R,
  options: ReadOptions,
): Promise<{ results: R[]; skipped: SkippedCase[]; elapsedMs: number }> {
  const start = performance.now();
  const results: R[] = [];
  const skipped: SkippedCase[] = [];
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const name = describe(item);
    try {
      results.push(await read(item));
    } catch (error) {
      const wrapped =
        error instanceof DatasetError
          ? error
          : new DatasetError(fn, name, error instanceof Error ? error.message : String(error));
      if (!options.skipBad) throw wrapped;
      skipped.push({ file: wrapped.file, reason: wrapped.problem });
      warn(`${wrapped.message} (skipped)`);
    }
    options.onProgress?.({ done: i + 1, total: items.length, item: name, elapsedMs: performance.now() - start });
  }
  return { results, skipped, elapsedMs: performance.now() - start };
}

