/**
 * Credentials for the CLI without putting them on the command line, where every local user
 * sees them in `ps`: from a file (`--token-file`, `--headers-file`) or an environment variable.
 * A flag that takes the value itself still works, for scripts that already use it.
 */
import { readFileSync, statSync } from "node:fs";
import { type ParsedArgs, stringValue } from "./args.js";
import { CliError, UsageError } from "./errors.js";

export interface SecretSource {
  /** The option that takes the value itself (`token`), visible in the process list. */
  readonly inline: string;
  /** The option that names a file holding the value (`token-file`). */
  readonly file: string;
  /** The environment variable that holds the value. */
  readonly env: string;
}

export interface SecretValue {
  readonly value: string;
  /** Where it came from, for messages (`--token-file /path`, `$VAR`); never the value. */
  readonly from: string;
  /** A warning to print, e.g. a file other users can read. */
  readonly warning?: string;
}

/**
 * The secret from the first source given, or undefined when none is. Giving two is a usage
 * error rather than a silent precedence rule, so a stale variable cannot override a file.
 */
export function readSecret(
  args: ParsedArgs,
  env: Readonly<Record<string, string | undefined>>,
  source: SecretSource,
): SecretValue | undefined {
  const inline = stringValue(args, source.inline);
  const file = stringValue(args, source.file);
  const fromEnv = env[source.env] || undefined;
  if (inline !== undefined && file !== undefined)
    throw new UsageError(`give --${source.inline} or --${source.file}, not both`);
  if (inline !== undefined) {
    if (inline.trim() === "") throw new UsageError(`--${source.inline} must not be empty`);
    return { value: inline, from: `--${source.inline}` };
  }
  if (file !== undefined) return readSecretFile(file, `--${source.file} ${file}`);
  if (fromEnv !== undefined) {
    if (fromEnv.trim() === "") throw new UsageError(`$${source.env} must not be blank`);
    return { value: fromEnv, from: `$${source.env}` };
  }
  return undefined;
}

function readSecretFile(path: string, from: string): SecretValue {
  let text: string;
  let mode = 0;
  try {
    text = readFileSync(path, "utf8");
    mode = statSync(path).mode;
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "error";
    throw new CliError(`cannot read ${from} (${code})`);
  }
  // A trailing newline is what `echo` and editors leave; it is never part of a credential.
  const value = text.replace(/[\r\n]+$/, "");
  if (value.trim() === "") throw new UsageError(`${from} is empty`);
  const warning =
    process.platform !== "win32" && (mode & 0o077) !== 0
      ? `${from} can be read by other users (mode ${(mode & 0o777).toString(8)}); chmod 600 it`
      : undefined;
  return { value, from, ...(warning ? { warning } : {}) };
}
