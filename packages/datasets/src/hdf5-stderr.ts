import { closeSync, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The part of Emscripten's file system used here: stream 2 is C's `stderr` (NODERAWFS: `nfd` = a Node fd). */
export interface EmscriptenFs {
  streams?: Array<{ nfd?: number } | null | undefined>;
}

let counter = 0;

/**
 * Captures what HDF5 prints on C's `stderr` (its `HDF5-DIAG: Error detected ...` stacks) while
 * synchronous h5wasm calls run. h5wasm's default error handler only prints those stacks and lets
 * the call return partial data, so they are the evidence of a failed read: the readers turn them
 * into a {@link DatasetError} instead of letting them reach the terminal unexplained.
 *
 * It points h5wasm's stream 2 at a temporary file until {@link stop}. Where the h5wasm build has
 * no such stream (or no temporary file can be made), nothing is captured and HDF5 prints as before.
 */
export class Hdf5Stderr {
  private readonly stream: { nfd?: number } | undefined;
  private readonly file: string;
  private readonly fd: number | undefined;
  private readonly original: number | undefined;
  private taken = 0;

  constructor(fs: EmscriptenFs | undefined) {
    this.file = path.join(os.tmpdir(), `agcl-hdf5-stderr-${process.pid}-${counter++}.txt`);
    const stream = fs?.streams?.[2] ?? undefined;
    if (!stream || typeof stream.nfd !== 'number') return;
    try {
      this.fd = openSync(this.file, 'w+');
    } catch {
      return;
    }
    this.stream = stream;
    this.original = stream.nfd;
    stream.nfd = this.fd;
  }

  /** Text printed since the last call (empty when HDF5 reported nothing). */
  take(): string {
    if (this.fd === undefined) return '';
    const size = fstatSync(this.fd).size;
    if (size <= this.taken) return '';
    const buf = Buffer.alloc(size - this.taken);
    readSync(this.fd, buf, 0, buf.length, this.taken);
    this.taken = size;
    return buf.toString('utf8');
  }

  /** Restores stream 2 and removes the temporary file. */
  stop(): void {
    if (this.fd === undefined || !this.stream) return;
    this.stream.nfd = this.original;
    closeSync(this.fd);
    try {
      unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}

/**
 * The innermost frame of an HDF5 error stack, e.g. `H5Z_pipeline(): filter returned failure during
 * read` (the frame that says what actually went wrong), or the first line when there are no frames.
 */
export function innermostHdf5Error(text: string): string {
  const frames = text.split('\n').filter((l) => /^\s*#\d+:/.test(l));
  const last = frames[frames.length - 1] ?? text.trim().split('\n')[0] ?? '';
  return last.replace(/^\s*#\d+:.* in /, '').trim();
}
