/**
 * The `opencode-otel` program as a function of its arguments: dispatches to a subcommand and
 * turns failures into an exit code and one line on stderr. `main.ts` wires it to the process;
 * tests call it directly with a recording `Io`.
 */
import { budgetCommand } from "./budget/command.js";
import type { Command } from "./command.js";
import { demoCommand } from "./demo/command.js";
import { EXIT_OK, EXIT_USAGE } from "./errors.js";
import { exportCommand } from "./export/command.js";
import { commandHelp, programHelp } from "./help.js";
import type { Io } from "./io.js";
import { reportCommand } from "./report/command.js";
import { runCommand } from "./run-command.js";
import { unsupportedRuntime } from "./runtime.js";
import { serveCommand } from "./serve/command.js";
import { statuslineCommand } from "./statusline/command.js";
import { uiCommand } from "./ui/command.js";

export const VERSION = "0.1.0";

export const COMMANDS: readonly Command[] = [
  reportCommand,
  statuslineCommand,
  budgetCommand,
  serveCommand,
  uiCommand,
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
  return runCommand(command, rest, io);
}
