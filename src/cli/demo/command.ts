import type { Command } from "../command.js";

export const demoCommand: Command = {
  name: "demo",
  summary: "Run real opencode with the plugin and a scripted model, then show the report",
  usage:
    "demo [--via auto|local|otlp] [--ui [--open]] [--keep] [--opencode PATH] [--timeout SECONDS]",
  description: [
    "Shows the whole product working on this machine, offline and without an API key: runs the",
    "pinned opencode (installed by scripts/provision.mjs, or opencode on PATH) with this package's built plugin (dist/) and",
    "a scripted OpenAI-compatible model on 127.0.0.1, in a throwaway folder with its own HOME,",
    "for two turns of one session (shell and file tools, a retried request, a subagent). The",
    "plugin writes to a throwaway store, through its local exporter (--via local) or over",
    "OTLP/HTTP to an in-process `opencode-otel serve` (--via otlp); --via auto does both and shows",
    "the local store when the plugin build has that exporter. Then prints the report and the",
    "session's trace as a tree. With --ui it then serves the viewer (`opencode-otel ui`) on that",
    "store and prints its URL, until Ctrl-C; when its output is not a terminal it keeps the store",
    "and prints the `opencode-otel ui` command instead. Needs `npm run build` first.",
  ].join("\n"),
  options: [
    {
      name: "via",
      value: "MODE",
      description: "How telemetry reaches the store",
      choices: ["auto", "local", "otlp"],
      default: "auto",
    },
    { name: "ui", description: "Then serve the viewer on the demo's store until Ctrl-C" },
    { name: "open", description: "With --ui: open the viewer in the default browser" },
    {
      name: "keep",
      description: "Keep the throwaway folder (store, HOME, project) and print its path",
    },
    {
      name: "opencode",
      value: "PATH",
      description:
        "opencode binary (default: the provisioned pinned opencode, else opencode on PATH)",
    },
    {
      name: "timeout",
      value: "SECONDS",
      description: "Limit for each opencode run",
      default: "120",
    },
  ],
  examples: [
    "npm run demo",
    "opencode-otel demo --ui --open",
    "opencode-otel demo --via otlp --keep",
  ],
  async run(args, io) {
    const { runDemo } = await import("./run.js");
    return runDemo(args, io);
  },
};
