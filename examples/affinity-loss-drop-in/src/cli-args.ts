/** A flag of the example's command line. */
export interface FlagSpec {
  /** Name without the dashes: `--seed` is 'seed'. */
  name: string;
  /** Placeholder of the value in the help text. */
  arg: string;
  help: string;
  /** 'int' (an integer >= min), 'number', 'choice' (one of `choices`) or 'string' (non-empty). */
  kind: 'int' | 'number' | 'choice' | 'string';
  choices?: readonly string[];
  min?: number;
  /** Default shown in the help text. */
  default: string;
}

/** A bad command line: the example prints the message (no stack trace) and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The help text of a command line. */
export function helpText(usage: string, flags: readonly FlagSpec[]): string {
  const rows = flags.map((f) => [`--${f.name} ${f.arg}`, `${f.help} (${f.kind === 'choice' ? `${f.choices!.join('|')}; ` : ''}default ${f.default})`]);
  rows.push(['--help', 'print this help']);
  const width = Math.max(...rows.map(([a]) => a.length));
  return `${usage}\n\noptions:\n${rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`).join('\n')}\n`;
}

/**
 * Parses `--name value` / `--name=value` flags (a lone `--`, which pnpm may pass on, is ignored).
 * Returns the values by name (numbers for 'int' and 'number' flags) and whether `--help` was given.
 * @throws UsageError naming the flag: unknown flags, missing or bad values, positional arguments.
 */
export function parseFlags(argv: readonly string[], flags: readonly FlagSpec[]): { values: Record<string, string | number>; help: boolean } {
  const byName = new Map(flags.map((f) => [f.name, f]));
  const values: Record<string, string | number> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue;
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument '${a}' (options are --name value)`);
    const eq = a.indexOf('=');
    const name = a.slice(2, eq >= 0 ? eq : undefined);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option '--${name}' (known: ${flags.map((f) => `--${f.name}`).join(', ')}, --help)`);
    const raw = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new UsageError(`option '--${name}' needs a value ${spec.arg}`);
    values[name] = checkValue(spec, raw);
  }
  return { values, help };
}

function checkValue(spec: FlagSpec, raw: string): string | number {
  const flag = `--${spec.name}`;
  if (spec.kind === 'choice') {
    if (!spec.choices!.includes(raw)) throw new UsageError(`option '${flag}' must be one of ${spec.choices!.join(', ')}; got '${raw}'`);
    return raw;
  }
  if (spec.kind === 'string') {
    if (raw.trim() === '') throw new UsageError(`option '${flag}' must not be empty`);
    return raw;
  }
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`option '${flag}' must be a number; got '${raw}'`);
  if (spec.kind === 'int' && !Number.isInteger(n)) throw new UsageError(`option '${flag}' must be an integer; got '${raw}'`);
  if (spec.min !== undefined && n < spec.min) throw new UsageError(`option '${flag}' must be >= ${spec.min}; got ${raw}`);
  return n;
}

/**
 * Runs an example's main: parses the flags, prints the help, runs `body`; a UsageError prints
 * `<name>: <message>` and exits 2, any other error its message and exits 1 (AGCL_DEBUG=1: the stack).
 */
export async function runMain(
  name: string,
  usage: string,
  flags: readonly FlagSpec[],
  body: (values: Record<string, string | number>) => Promise<void>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<number> {
  try {
    const { values, help } = parseFlags(argv, flags);
    if (help) {
      process.stdout.write(helpText(usage, flags));
      return 0;
    }
    await body(values);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${name}: ${message}\n`);
    if (err instanceof UsageError) {
      process.stderr.write('(run with --help for the options)\n');
      return 2;
    }
    if (process.env.AGCL_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
