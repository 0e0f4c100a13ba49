import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './run-cli';
import { captureStream, tempDir } from './test-utils/helpers';

async function run(args: string[]) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await main(args, { stdout, stderr });
  return { code, out: stdout.text(), err: stderr.text() };
}

describe('agcl command line: bad flags and configs', () => {
  it.each([
    [['train', '--method', 'magic'], "'--method' method must be one of supervised, full, mean-teacher, semi-agcl, semi-agcl:uniform"],
    [['--steps', '0'], "agcl: invalid option: '--steps' steps must be >= 1"],
    [['train', '--size', '100'], "option '--size' must be a multiple of 2^depth = 8 for a U-Net with 4 levels"],
    [['train', '--dataset', 'acdc', '--data-dir', '/no/such/acdc'], 'agcl: --data-dir: folder not found: /no/such/acdc'],
    [['train', '--dataset', 'glas'], 'agcl: --dataset glas needs --data-dir <folder>'],
    [['train', '--dataset', 'mnist'], "'--dataset' dataset must be one of synthetic, acdc, crag, glas, folder"],
    [['train', '--stepz', '5'], "error: unknown option '--stepz'"],
    [['train', '--config', '/no/such.json'], 'agcl: --config: file not found: /no/such.json'],
    [['frobnicate'], "error: too many arguments for 'train'"],
  ])('%j exits 2 with a clear message and no stack trace', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('an unknown key in --config is rejected with the file name', async () => {
    const file = path.join(tempDir(), 'cfg.json');
    writeFileSync(file, JSON.stringify({ method: 'semi-agcl', lamdaAg: 0.2 }));
    const r = await run(['train', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`agcl: ${file}: unknown option 'lamdaAg' (known: dataset, dataDir,`);
  });

  it('--help lists the commands and train options, exit 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('train');
    expect(r.out).toContain('eval');
    expect(r.out).toContain('predict');
    const t = await run(['train', '--help']);
    expect(t.out).toContain('--labeled-patients <n>');
    expect(t.out).toContain('--affinity-weight <x>');
    expect(t.out).toContain('--no-recalibrate-bn');
  });

  it("--version and -V print the trainer's version from its package.json, exit 0", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ['--version', '-V']) {
      const r = await run([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`${version}\n`);
      expect(r.err).toBe('');
    }
    expect((await run(['--help'])).out).toContain('-V, --version');
  });
});
