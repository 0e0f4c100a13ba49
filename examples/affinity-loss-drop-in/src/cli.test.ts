import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseFlags, program } from './flags';

describe('the command line of the example', () => {
  it('parses its flags (--name value, --name=value, a lone -- from pnpm) and prints its help', () => {
    expect(parseFlags(['--', '--steps', '20', '--backend=cpu', '--affinity-weight', '0'])).toEqual({ steps: 20, backend: 'cpu', seed: 0, affinityWeight: 0 });
    let help = '';
    const cli = program().configureOutput({ writeOut: (s) => (help += s) });
    expect(() => parseFlags(['--help'], cli)).toThrow(expect.objectContaining({ exitCode: 0, code: 'commander.helpDisplayed' }));
    expect(help).toContain('--affinity-weight <x>');
  });

  it.each([
    [['--steps', '0'], "option '--steps <n>' argument '0' is invalid. Expected an integer >= 1."],
    [['--steps', '2.5'], "option '--steps <n>' argument '2.5' is invalid. Expected an integer >= 1."],
    [['--steps'], "option '--steps <n>' argument missing"],
    [['--backend', 'gpu'], "option '--backend <name>' argument 'gpu' is invalid. Allowed choices are wasm, cpu, auto."],
    [['--affinity-weight', 'lots'], "option '--affinity-weight <x>' argument 'lots' is invalid. Expected a number >= 0."],
    [['--stepz', '5'], "unknown option '--stepz'\n(Did you mean --steps?)"],
    [['40'], 'too many arguments. Expected 0 arguments but got 1.'],
  ])('%j is refused: %s', (argv, message) => {
    const silent = () => program().configureOutput({ writeErr: () => {} });
    expect(() => parseFlags(argv, silent())).toThrow(CommanderError);
    expect(() => parseFlags(argv, silent())).toThrow(message);
  });

  it('prints an unknown option and its suggestion on one line, then the --help hint', () => {
    let stderr = '';
    expect(() => parseFlags(['--stepz', '5'], program().configureOutput({ writeErr: (s) => (stderr += s) }))).toThrow(CommanderError);
    expect(stderr).toBe("affinity-loss-drop-in: unknown option '--stepz' (Did you mean --steps?)\n(run with --help for the options)\n");
  });

  it('src/main.ts exits 2 on a bad flag with the message and no stack trace', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--conditions=@agcl/source', '--import', 'tsx', main, '--backend', 'gpu'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("affinity-loss-drop-in: option '--backend <name>' argument 'gpu' is invalid. Allowed choices are wasm, cpu, auto.\n(run with --help for the options)\n");
    expect(r.stdout).toBe('');
  });
});
