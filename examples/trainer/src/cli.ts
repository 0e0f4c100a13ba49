import { main } from './run-cli';

// The `agcl` binary: everything lives in run-cli.ts so tests can call main() directly.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`agcl: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
