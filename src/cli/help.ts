/** `--help` texts, generated from the same option tables the parser uses, so they cannot drift. */
import type { Command } from "./command.js";

const PROGRAM = "opencode-otel";

function optionLines(command: Command): string[] {
  const rows = [
    ...command.options.map((o) => {
      const left = `--${o.name}${o.value ? ` ${o.value}` : ""}`;
      const extra = [
        o.choices ? `one of: ${o.choices.join(", ")}` : "",
        o.default ? `default: ${o.default}` : "",
      ].filter(Boolean);
      return [left, extra.length ? `${o.description} (${extra.join("; ")})` : o.description];
    }),
    ["-h, --help", "Show this help"],
  ];
  const width = Math.max(...rows.map(([left]) => left?.length ?? 0));
  return rows.map(([left = "", right = ""]) => `  ${left.padEnd(width)}  ${right}`);
}

export const EXIT_CODES_HELP = [
  "Exit codes:",
  "  0  success",
  "  1  runtime failure (no store yet, store locked or corrupt, port in use, export refused)",
  "  2  usage error (unknown command or option, bad value or date, unsupported Node version)",
  "  3  a spend limit is exceeded (`budget`)",
].join("\n");

export function commandHelp(command: Command): string {
  return [
    `Usage: ${PROGRAM} ${command.usage}`,
    "",
    command.description,
    "",
    "Options:",
    ...optionLines(command),
    "",
    "Examples:",
    ...command.examples.map((e) => `  ${e}`),
    "",
    EXIT_CODES_HELP,
    "",
  ].join("\n");
}

export function programHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `${PROGRAM} ${version}: local OpenTelemetry for the opencode coding agent`,
    "",
    `Usage: ${PROGRAM} <command> [options]`,
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    `Run \`${PROGRAM} <command> --help\` for a command's options.`,
    "",
    "Environment:",
    "  OPENCODE_OTEL_STORE  store file used when --db is not given",
    "",
    EXIT_CODES_HELP,
    "",
  ].join("\n");
}
