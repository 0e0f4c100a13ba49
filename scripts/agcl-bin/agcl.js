#!/usr/bin/env node
// The `agcl` command of the workspace: `pnpm exec agcl ...` from anywhere in the repository. The root
// package.json has this folder as a `link:` dev dependency, so `pnpm install` links this file into
// node_modules/.bin. (Not @agcl/trainer itself: turbo hashes the files of every workspace package the
// root depends on into every task's hash, so any trainer edit would rebuild every package.)
// It runs the trainer's built command line, examples/trainer/dist/cli.js. When the trainer has not
// been built yet (a fresh clone after `pnpm install`), it first builds it and the packages it uses
// with turbo, writing turbo's output to stderr so that stdout stays the command's own. `pnpm agcl ...` always builds
// first; after editing sources, run that (or `pnpm build`) so that this runs the new code.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../../examples/trainer/dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  process.stderr.write('agcl: examples/trainer/dist/cli.js is missing: building the trainer and its packages first (turbo) ...\n');
  const r = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@agcl/trainer...', '--output-logs=errors-only'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' },
  });
  if (r.status !== 0 || !existsSync(cli)) {
    const why = r.error ? r.error.message : r.status !== 0 ? `exit ${r.status}` : 'it wrote no examples/trainer/dist/cli.js';
    process.stderr.write(`agcl: the build failed (${why}); run \`pnpm agcl\` at the repository root to see why.\n`);
    process.exit(1);
  }
}
await import(cli.href);
