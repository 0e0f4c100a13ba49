/**
 * An error in what the user asked for (a bad flag, a bad config file, a missing data folder).
 *
 * The command line prints only its message (no stack trace) and exits with code 2.
 *
 * @example
 * ```ts
 * throw new UsageError("option '--steps' must be an integer >= 1; got 0");
 * ```
 */
export class UsageError extends Error {
  /** Process exit code the command line uses for this error. */
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
