import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError, helpText, parseFlags } from './cli-args';
import { FLAGS } from './flags';

describe('the command line of the example', () => {
  it('parses its flags (--name value, --name=value, a lone -- from pnpm)', () => {
    expect(parseFlags(['--', '--steps', '20', '--backend=cpu', '--affinity-weight', '0'], FLAGS)).toEqual({
      values: { steps: 20, backend: 'cpu', 'affinity-weight': 0 },
      help: false,
    });
    expect(parseFlags(['--help'], FLAGS).help).toBe(true);
    expect(helpText('usage: x', FLAGS)).toContain('--affinity-weight <x>');
  });

  it.each([
    [['--steps', '0'], "option '--steps' must be >= 1; got 0"],
    [['--steps', '2.5'], "option '--steps' must be an integer; got '2.5'"],
    [['--steps'], "option '--steps' needs a value <n>"],
    [['--backend', 'gpu'], "option '--backend' must be one of wasm, cpu, auto; got 'gpu'"],
    [['--affinity-weight', 'lots'], "option '--affinity-weight' must be a number; got 'lots'"],
    [['--stepz', '5'], "unknown option '--stepz' (known: --steps, --backend, --seed, --affinity-weight, --help)"],
    [['40'], "unexpected argument '40'"],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseFlags(argv, FLAGS)).toThrow(UsageError);
    expect(() => parseFlags(argv, FLAGS)).toThrow(message);
  });

  it('src/main.ts exits 2 on a bad flag with the message and no stack trace', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--conditions=@agcl/source', '--import', 'tsx', main, '--backend', 'gpu'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("affinity-loss-drop-in: option '--backend' must be one of wasm, cpu, auto; got 'gpu'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });
});
