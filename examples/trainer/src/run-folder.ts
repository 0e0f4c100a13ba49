import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Default run folder name: `runs/<timestamp>-<method>` (the method's ':' replaced by '-'),
 * with a local-time stamp like `20261126-143005`.
 */
export function defaultRunFolder(method: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return path.join('runs', `${stamp}-${method.replace(/[^a-z0-9-]/gi, '-')}`);
}

/** A file-system error in words: `no space left on device (ENOSPC)` for the common codes, else its message. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const words: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EIO: 'input/output error',
  };
  if (code && words[code]) return `${words[code]} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

/** Runs a write to `file`, turning a file-system error into one that names the file (`cannot write metrics.jsonl: no space left ...`). */
function writing<T>(file: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (!(err as NodeJS.ErrnoException).code) throw err;
    throw Object.assign(new Error(`cannot write ${file}: ${describeFsError(err)}`), { code: (err as NodeJS.ErrnoException).code, path: file });
  }
}

/** Writes a JSON file atomically (temp file in the same folder, then rename); an error names the file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writing(file, () => {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  });
}

/** Reads a JSON file. */
export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Appends one JSON object as a line (JSON Lines); an error names the file. */
export function appendJsonl(file: string, record: unknown): void {
  writing(file, () => appendFileSync(file, `${JSON.stringify(record)}\n`));
}

/** Reads a JSON Lines file; a missing file gives []; a torn last line (crash mid-write) is skipped. */
export function readJsonl<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const out: T[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a partially written last line: ignore
    }
  }
  return out;
}

/**
 * Keeps only the records with `step < upTo` in a JSON Lines file (used on resume, so steps that ran
 * after the last checkpoint, and are run again, are not logged twice).
 */
export function truncateJsonl(file: string, upTo: number): void {
  if (!existsSync(file)) return;
  const kept = readJsonl<{ step?: number }>(file).filter((r) => typeof r.step !== 'number' || r.step < upTo);
  const tmp = `${file}.tmp-${process.pid}`;
  writing(file, () => {
    writeFileSync(tmp, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    renameSync(tmp, file);
  });
}

/** Paths of the files in a run folder. */
export function runPaths(runDir: string) {
  return {
    dir: runDir,
    config: path.join(runDir, 'config.json'),
    run: path.join(runDir, 'run.json'),
    metrics: path.join(runDir, 'metrics.jsonl'),
    val: path.join(runDir, 'val.jsonl'),
    checkpoints: path.join(runDir, 'checkpoints'),
    best: path.join(runDir, 'checkpoints', 'best'),
    last: path.join(runDir, 'checkpoints', 'last'),
    summary: path.join(runDir, 'summary.json'),
    reportHtml: path.join(runDir, 'report.html'),
    reportMd: path.join(runDir, 'report.md'),
    figures: path.join(runDir, 'figures'),
    evalDir: path.join(runDir, 'eval'),
  };
}

/** What `run.json` holds: the command's own switches that are not training options, kept for `--resume`. */
export interface RunSwitches {
  /** false: `--no-report` (no report.html / report.md, also when resumed). */
  report: boolean;
}

/** The files and folders a run writes (what `--overwrite` removes). */
export const RUN_ENTRIES = ['config.json', 'run.json', 'metrics.jsonl', 'val.jsonl', 'summary.json', 'report.html', 'report.md', 'checkpoints', 'figures', 'eval'] as const;

/** The run files `dir` already holds among config.json, metrics.jsonl and checkpoints/ (none: not a run folder). */
export function existingRunFiles(dir: string): string[] {
  return ['config.json', 'metrics.jsonl', 'checkpoints'].filter((f) => existsSync(path.join(dir, f)));
}
