import { main, type CliIo } from '../run-cli';
import { captureStream } from './helpers';

/** Runs the command line in this process with captured streams: exit code, stdout and stderr. */
export async function runMain(args: string[], io: Pick<CliIo, 'stepHooks'> = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await main(args, { stdout, stderr, ...io });
  return { code, out: stdout.text(), err: stderr.text() };
}
