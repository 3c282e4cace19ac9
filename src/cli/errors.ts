/**
 * Exit codes scripts can rely on (documented in `opencode-otel --help` and the README):
 * 0 success, 1 a runtime failure (no store, locked or corrupt store, port in use, export
 * refused), 2 a usage error (unknown command or option, bad value, bad date, unsupported Node),
 * 3 a spend limit exceeded (`budget` only).
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_OVER_BUDGET = 3;

/** A failure to report in one line on stderr, with the exit code it maps to. No stack trace. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** Bad input on the command line: exit 2, and the message points at `--help`. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/** `error.message` of anything thrown, for one-line reports. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
