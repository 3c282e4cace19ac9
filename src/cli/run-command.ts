/**
 * Runs one subcommand with its arguments: `--help`, then the command, with failures turned into
 * an exit code and one line on stderr. Its own module so that `main.ts` can run the statusline
 * (on every prompt) without loading the other commands' definitions.
 */
import { parseArgs } from "./args.js";
import type { Command } from "./command.js";
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, messageOf } from "./errors.js";
import { commandHelp } from "./help.js";
import type { Io } from "./io.js";

export async function runCommand(
  command: Command,
  argv: readonly string[],
  io: Io,
): Promise<number> {
  const { name } = command;
  try {
    const args = parseArgs(argv, command.options);
    if (args.help) {
      io.out(commandHelp(command));
      return EXIT_OK;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof CliError) {
      const hint = error.exitCode === EXIT_USAGE ? `; see \`opencode-otel ${name} --help\`` : "";
      io.err(`opencode-otel ${name}: ${error.message}${hint}\n`);
      return error.exitCode;
    }
    io.err(`opencode-otel ${name}: unexpected error: ${messageOf(error)}\n`);
    if (io.env.OPENCODE_OTEL_DEBUG && error instanceof Error && error.stack)
      io.err(`${error.stack}\n`);
    return EXIT_FAILURE;
  }
}
