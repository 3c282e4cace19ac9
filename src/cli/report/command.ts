import { type Command, DB_OPTION } from "../command.js";

export const GROUPS = [
  "day",
  "week",
  "month",
  "block",
  "session",
  "model",
  "agent",
  "tool",
  "project",
] as const;

export const reportCommand: Command = {
  name: "report",
  summary: "Cost, tokens, LLM calls, errors and tool use from the local store, as a table",
  usage:
    "report [--by day|week|month|block|session|model|agent|tool|project] [--breakdown] [--since DATE] [--until DATE] [--project P] [--utc] [--json] [--live [--interval S]] [--db PATH]",
  description: [
    "Sums the stored telemetry per group: cost, tokens by type, cache-read share, LLM calls,",
    "turns, sessions, errors and retries, tool calls with success rate and p50/p95 duration,",
    "lines changed; with a totals row. The table fits the terminal (long keys are cut, the least",
    "important columns dropped); --json prints the whole Report object instead.",
    "",
    "DATE is YYYY-MM-DD or YYYY-MM (local time), an ISO timestamp, today, yesterday, or a",
    "relative 12h / 7d / 2w. --since is inclusive, --until exclusive.",
    "",
    "--by block: 5-hour blocks, as subscription plans meter them and ccusage draws them: a block",
    "starts at its first call's hour (UTC hour boundaries) and lasts 5 hours; the first call after",
    "it starts the next. --breakdown adds a row per model under each day, week, month or block.",
    "",
    "--live: a view that refreshes in place (every --interval seconds) until Ctrl-C: today's and",
    "the current block's cost and tokens, the burn rate over the last 15 minutes, the projection",
    "to the end of the day and of the block, budgets, and the sessions at work.",
  ].join("\n"),
  options: [
    { name: "by", value: "GROUP", description: "Grouping", choices: GROUPS, default: "day" },
    { name: "since", value: "DATE", description: "Only telemetry from this time on" },
    { name: "until", value: "DATE", description: "Only telemetry before this time" },
    { name: "project", value: "P", description: "Only projects whose directory contains P" },
    { name: "utc", description: "Day, week and month boundaries in UTC (default: local time)" },
    {
      name: "breakdown",
      description: "Per model inside each day, week, month or block (a `breakdown` list in --json)",
    },
    { name: "json", description: "Print the Report object as JSON" },
    { name: "live", description: "Refresh a live view of spend in place until Ctrl-C" },
    {
      name: "interval",
      value: "S",
      description: "Seconds between refreshes of --live",
      default: "2",
    },
    DB_OPTION,
  ],
  examples: [
    "opencode-otel report",
    "opencode-otel report --by model --since 2025-06-01",
    "opencode-otel report --by tool --since 7d --project my-app",
    "opencode-otel report --by session --json | jq '.total.costUsd'",
    "opencode-otel report --by block --since 2d",
    "opencode-otel report --by week --breakdown",
    "opencode-otel report --live",
  ],
  async run(args, io) {
    const { runReport } = await import("./run.js");
    return runReport(args, io);
  },
};
