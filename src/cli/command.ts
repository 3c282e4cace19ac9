import type { OptionSpec, ParsedArgs } from "./args.js";
import type { Io } from "./io.js";

/**
 * One subcommand: its `--help` and its implementation. `run` loads its module lazily, so
 * `--help`, usage errors and the Node version check never load the store (node:sqlite).
 */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  readonly usage: string;
  /** Paragraphs shown under the usage line. */
  readonly description: string;
  readonly options: readonly OptionSpec[];
  readonly examples: readonly string[];
  run(args: ParsedArgs, io: Io): Promise<number>;
}

/** `--db PATH`, shared by every command that opens the store. */
export const DB_OPTION: OptionSpec = {
  name: "db",
  value: "PATH",
  description: "Store file (default: $OPENCODE_OTEL_STORE, else the user data folder)",
};
