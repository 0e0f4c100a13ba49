import { existsSync, readFileSync, statSync } from 'node:fs';
import { DatasetError } from './dataset-error';

/** Reads a one-name-per-line list file (blank lines and surrounding spaces ignored). */
export function readListFile(fn: string, file: string): string[] {
  if (!existsSync(file)) throw new DatasetError(fn, file, 'list file not found');
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Throws a {@link DatasetError} unless `dir` is an existing folder. */
export function requireDir(fn: string, dir: string): void {
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new DatasetError(fn, dir, 'folder not found');
}
