/**
 * Hand-written argument parsing (no dependency): `--name value`, `--name=value`, boolean flags,
 * `-h`/`--help` anywhere. Anything unknown is a usage error rather than silently ignored, so a
 * typo in a script fails loudly (exit 2) instead of reporting over the wrong range.
 */
import { UsageError } from "./errors.js";

/** One `--option`, also the source of its line in `--help`. */
export interface OptionSpec {
  readonly name: string;
  /** Placeholder for the value (`PORT`); absent for a flag that takes none. */
  readonly value?: string;
  readonly description: string;
  /** Shown in `--help` only; commands apply their own defaults. */
  readonly default?: string;
  /** Accepted values; anything else is a usage error. */
  readonly choices?: readonly string[];
}

export interface ParsedArgs {
  readonly help: boolean;
  /** Option values by name; flags map to `true`. A repeated option keeps its last value. */
  readonly values: Readonly<Record<string, string | true>>;
}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const values: Record<string, string | true> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--") || arg === "--") {
      throw new UsageError(`unexpected argument "${arg}"`);
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (!spec.value) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      values[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      // `--since --json` means the value was forgotten, not that the date is "--json".
      if (value === undefined || value.startsWith("--")) {
        throw new UsageError(`--${name} needs a value (${spec.value})`);
      }
      i++;
    }
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`--${name} must be one of ${spec.choices.join(", ")} (got "${value}")`);
    }
    values[name] = value;
  }
  return { help, values };
}

/** A string option's value, or undefined when absent. */
export function stringValue(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
}

/** A TCP port (0 picks a free one). */
export function portValue(args: ParsedArgs, name: string, fallback: number): number {
  const raw = stringValue(args, name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new UsageError(`--${name} must be a port number 0-65535 (got "${raw}")`);
  }
  return port;
}
