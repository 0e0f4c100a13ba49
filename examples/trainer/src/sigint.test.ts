import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Ctrl-C on the real command line: the process finishes the current step, saves checkpoints/last,
// writes summary.json with status 'interrupted', and exits 0. Runs the CLI from source in a child
// process (tsx, with the workspace's source condition) and sends it SIGINT after its first steps.
const here = fileURLToPath(new URL('.', import.meta.url));
const cli = join(here, 'cli.ts');

describe('agcl train, Ctrl-C', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agcl-sigint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saves the last checkpoint and exits cleanly', async () => {
    const out = join(dir, 'run');
    const args = [
      '--conditions=@agcl/source', '--import', 'tsx', cli, 'train',
      '--method', 'semi-agcl', '--channels', '4,8,16', '--embedding-dim', '8', '--size', '32',
      '--labeled-patients', '2', '--batch', '2', '--steps', '100000', '--val-every', '100000', '--log-every', '1',
      '--synthetic-cases', '4', '--synthetic-slices-per-case', '2', '--synthetic-val-cases', '1',
      '--backend', 'wasm', '--no-report', '--out', out,
    ];
    const child = spawn(process.execPath, args, { cwd: join(here, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += String(d);
        // Interrupt once a few steps have been logged.
        if (!sent && /step 3\//.test(stdout)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('error', reject);
      child.on('exit', (c) => resolve(c));
    });
    expect(sent, `the run never logged step 3; stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(true);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/Ctrl-C/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('interrupted');
    const state = JSON.parse(readFileSync(join(out, 'checkpoints', 'last', 'state.json'), 'utf8'));
    expect(state.step).toBeGreaterThanOrEqual(3);
    expect(state.step).toBeLessThan(100000);
    expect(existsSync(join(out, 'checkpoints', 'last', 'student'))).toBe(true);
  });
});
