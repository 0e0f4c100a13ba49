import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseFlags, program } from './flags';

/** The command line with its error output silenced. */
const quiet = () => program().configureOutput({ writeErr: () => {} });

describe('the command line of the example', () => {
  it('parses its flags (--name value, --name=value, a lone -- from pnpm) and has defaults', () => {
    expect(parseFlags(['--', '--out', '/tmp/pics', '--seed=3', '--mode', 'uniform'])).toEqual({ out: '/tmp/pics', seed: 3, mode: 'uniform' });
    expect(parseFlags([])).toEqual({ out: 'out', seed: 1, mode: 'entropy' });
  });

  it.each([
    [['--mode', 'bogus'], "option '--mode <mode>' argument 'bogus' is invalid. Allowed choices are entropy, uniform."],
    [['--seed', 'x'], "option '--seed <n>' argument 'x' is invalid. Expected an integer >= 1."],
    [['--seed', '0'], "option '--seed <n>' argument '0' is invalid. Expected an integer >= 1."],
    [['--out', ''], "option '--out <folder>' argument '' is invalid. Expected a folder, not an empty string."],
    [['--sed', '3'], "unknown option '--sed'"],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseFlags(argv, quiet())).toThrow(CommanderError);
    expect(() => parseFlags(argv, quiet())).toThrow(message);
  });

  it('src/main.ts exits 2 on --mode bogus with the message and no stack trace', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--conditions=@agcl/source', '--import', 'tsx', main, '--mode', 'bogus'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("sampler-only: option '--mode <mode>' argument 'bogus' is invalid. Allowed choices are entropy, uniform.\n(run with --help for the options)\n");
    expect(r.stdout).toBe('');
  });
});
