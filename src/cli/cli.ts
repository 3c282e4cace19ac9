/**
 * The `opencode-otel` program as a function of its arguments: dispatches to a subcommand and
 * turns failures into an exit code and one line on stderr. `main.ts` wires it to the process;
 * tests call it directly with a recording `Io`.
 */
import { parseArgs } from "./args.js";
import { budgetCommand } from "./budget/command.js";
import type { Command } from "./command.js";
import { demoCommand } from "./demo/command.js";
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, messageOf } from "./errors.js";
import { exportCommand } from "./export/command.js";
import { commandHelp, programHelp } from "./help.js";
import type { Io } from "./io.js";
import { reportCommand } from "./report/command.js";
import { unsupportedRuntime } from "./runtime.js";
import { serveCommand } from "./serve/command.js";
import { statuslineCommand } from "./statusline/command.js";

export const VERSION = "0.1.0";

export const COMMANDS: readonly Command[] = [
  reportCommand,
  statuslineCommand,
  budgetCommand,
  serveCommand,
  exportCommand,
  demoCommand,
];

export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const unsupported = unsupportedRuntime();
  if (unsupported) {
    io.err(`${unsupported}\n`);
    return EXIT_USAGE;
  }
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    const topic = name === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(topic ? commandHelp(topic) : programHelp(COMMANDS, VERSION));
    // No command at all is a usage error for scripts; asking for help is not.
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === "--version" || name === "-v") {
    io.out(`${VERSION}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`opencode-otel: unknown command "${name}"; see \`opencode-otel --help\`\n`);
    return EXIT_USAGE;
  }
  try {
    const args = parseArgs(rest, command.options);
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
