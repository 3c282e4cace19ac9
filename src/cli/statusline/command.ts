import { type Command, DB_OPTION } from "../command.js";
import { DEFAULT_FORMAT, PLACEHOLDERS } from "./format.js";

export const statuslineCommand: Command = {
  name: "statusline",
  summary: "One line of spend for a shell prompt, tmux or an editor (session, today, 5-hour block)",
  usage:
    "statusline [--format FMT] [--json] [--session ID] [--dir PATH] [--budgets PATH] [--utc] [--at TIME] [--db PATH]",
  description: [
    "Prints where spend stands now: the session's cost (--session, or the latest session of the",
    "project the current directory is in), today's cost, the current 5-hour block's cost and",
    "tokens and the time left in it, and the cache-hit share. Cheap enough for every prompt: a",
    "few narrow index reads of recent calls. A part between ` · ` or ` | ` separators is left",
    "out when one of its placeholders has no value (no session, no block running).",
    "",
    `Default format: ${DEFAULT_FORMAT}`,
    "",
    "Placeholders:",
    ...Object.entries(PLACEHOLDERS).map(([name, p]) => `  {${name}}  ${p.about}`),
  ].join("\n"),
  options: [
    { name: "format", value: "FMT", description: "The line, with {placeholders}" },
    { name: "json", description: "Print every figure as JSON instead" },
    {
      name: "session",
      value: "ID",
      description: "The session to show (default: the latest one here)",
    },
    {
      name: "dir",
      value: "PATH",
      description: "The directory whose project counts (default: the current one)",
    },
    {
      name: "budgets",
      value: "PATH",
      description:
        "Budgets file for {budget} (default: $OPENCODE_OTEL_BUDGETS_FILE, else ~/.config/opencode-otel/budgets.json)",
    },
    { name: "utc", description: "Today in UTC (default: local time)" },
    {
      name: "at",
      value: "TIME",
      description: "Figures as of this time instead of now (ISO timestamp)",
    },
    DB_OPTION,
  ],
  examples: [
    "opencode-otel statusline",
    "opencode-otel statusline --format '{today_cost} · {block_left} left'",
    "opencode-otel statusline --json | jq .block.costUsd",
  ],
  async run(args, io) {
    const { runStatusline } = await import("./run.js");
    return runStatusline(args, io);
  },
};
