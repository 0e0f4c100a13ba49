import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError, parseFlags } from './cli-args';
import { FLAGS } from './flags';

describe('the command line of the example', () => {
  it('parses its flags (--name value, --name=value, a lone -- from pnpm)', () => {
    expect(parseFlags(['--', '--out', '/tmp/pics', '--seed=3', '--mode', 'uniform'], FLAGS)).toEqual({
      values: { out: '/tmp/pics', seed: 3, mode: 'uniform' },
      help: false,
    });
  });

  it.each([
    [['--mode', 'bogus'], "option '--mode' must be one of entropy, uniform; got 'bogus'"],
    [['--seed', 'x'], "option '--seed' must be a number; got 'x'"],
    [['--seed', '0'], "option '--seed' must be >= 1; got 0"],
    [['--out', ''], "option '--out' must not be empty"],
    [['--sed', '3'], "unknown option '--sed' (known: --out, --seed, --mode, --help)"],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseFlags(argv, FLAGS)).toThrow(UsageError);
    expect(() => parseFlags(argv, FLAGS)).toThrow(message);
  });

  it('src/main.ts exits 2 on --mode bogus with the message and no stack trace', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--conditions=@agcl/source', '--import', 'tsx', main, '--mode', 'bogus'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("sampler-only: option '--mode' must be one of entropy, uniform; got 'bogus'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });
});
