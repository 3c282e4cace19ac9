import { type Command, DB_OPTION } from "../command.js";

export const uiCommand: Command = {
  name: "ui",
  summary: "Open the local viewer: sessions, trace waterfalls and usage charts, live",
  usage: "ui [--port 0] [--host 127.0.0.1] [--token T] [--open] [--db PATH]",
  description: [
    "Serves a viewer of the local store in the browser: the sessions (sortable, filterable), one",
    "session's waterfall (turns, LLM calls, tools and subagents, with each span's attributes),",
    "usage charts (the same figures as `report`) and what opencode is doing now, updated while",
    "opencode writes. Everything it serves is in this package: nothing is fetched, nothing is",
    "sent anywhere. Prints a URL with a random token; only requests carrying the token get data.",
    "Listens on loopback only, unless --host names another address on purpose. Runs until",
    "Ctrl-C or SIGTERM. `opencode-otel serve` serves the same viewer on its HTTP port.",
  ].join("\n"),
  options: [
    { name: "port", value: "PORT", description: "Port (0: any free port)", default: "0" },
    {
      name: "host",
      value: "ADDRESS",
      description: "Address to listen on; a non-loopback one shows the store to the network",
      default: "127.0.0.1",
    },
    {
      name: "token",
      value: "TOKEN",
      description: "Use this token instead of a new random one (a URL that stays the same)",
    },
    { name: "open", description: "Open the URL in the default browser" },
    DB_OPTION,
  ],
  examples: [
    "opencode-otel ui --open",
    "opencode-otel ui --db ./telemetry.db --port 4320",
    "opencode-otel ui --host 0.0.0.0 --port 4320   # a teammate on the LAN opens the printed URL",
  ],
  async run(args, io) {
    const { runUi } = await import("./run.js");
    return runUi(args, io);
  },
};
