import { type Command, DB_OPTION } from "../command.js";

export const budgetCommand: Command = {
  name: "budget",
  summary: "Where each spend limit stands; exit code 3 when one is exceeded (scripts, CI)",
  usage: "budget [--budgets PATH] [--session ID] [--json] [--at TIME] [--db PATH]",
  description: [
    "Reads the budgets file (the limits the plugin alerts on inside opencode: daily, weekly,",
    "monthly and per session, in USD or tokens, optionally per project; schema in the README)",
    "and measures each limit on the local store: the current day, week (from Monday) or month,",
    "and for session limits --session or the latest session (of the limit's project). Prints a",
    "table, or --json. Exits 3 when a limit is exceeded, 0 otherwise (also at 80%), 2 when the",
    "file is invalid.",
  ].join("\n"),
  options: [
    {
      name: "budgets",
      value: "PATH",
      description:
        "Budgets file (default: $OPENCODE_OTEL_BUDGETS_FILE, else $XDG_CONFIG_HOME/opencode-otel/budgets.json)",
    },
    { name: "session", value: "ID", description: "The session that session limits measure" },
    { name: "json", description: "Print each limit's status as JSON" },
    {
      name: "at",
      value: "TIME",
      description: "Measure as of this time instead of now (ISO timestamp)",
    },
    DB_OPTION,
  ],
  examples: [
    "opencode-otel budget",
    "opencode-otel budget --json | jq '.[] | select(.state != \"ok\")'",
    "opencode-otel budget || echo 'over budget'",
  ],
  async run(args, io) {
    const { runBudget } = await import("./run.js");
    return runBudget(args, io);
  },
};
