import { type Command, DB_OPTION } from "../command.js";

export const PROTOCOLS = ["http/protobuf", "http/json", "grpc"] as const;

export const exportCommand: Command = {
  name: "export",
  summary: "Send stored history to an OTLP backend (resumable)",
  usage:
    "export --endpoint URL [--protocol http/protobuf|http/json|grpc] [--headers-file FILE] [--since DATE] [--batch N] [--restart] [--db PATH]",
  description: [
    "Sends every stored span, log record and metric point to an OTLP endpoint (a Collector, or a",
    "vendor's OTLP gateway), in batches, with a progress line on stderr. The position reached is",
    "saved per endpoint after each accepted batch (in <store>.exports.json), so running the same",
    "command again, after an interruption or later on, sends only what that endpoint has not had.",
    "HTTP endpoints get /v1/traces, /v1/metrics and /v1/logs appended; gRPC takes host:port as a",
    "URL (http://host:4317). Credentials go in request headers: from --headers-file (one k=v per",
    "line, or a k=v,... list) or $OPENCODE_OTEL_EXPORT_HEADERS, which keep them out of `ps`.",
  ].join("\n"),
  options: [
    { name: "endpoint", value: "URL", description: "OTLP base URL (required)" },
    {
      name: "protocol",
      value: "PROTOCOL",
      description: "Wire protocol",
      choices: PROTOCOLS,
      default: "http/protobuf",
    },
    {
      name: "headers-file",
      value: "FILE",
      description: "Request headers from FILE, percent-decoded, e.g. authorization=Bearer%20TOKEN",
    },
    {
      name: "headers",
      value: "k=v,...",
      description:
        "The same on the command line (visible in `ps`; prefer the file or the variable)",
    },
    {
      name: "since",
      value: "DATE",
      description: "Skip telemetry older than DATE (still marked as done)",
    },
    { name: "batch", value: "N", description: "Rows per request", default: "500" },
    {
      name: "restart",
      description: "Forget the saved position for this endpoint and send everything",
    },
    DB_OPTION,
  ],
  examples: [
    "opencode-otel export --endpoint http://localhost:4318",
    "OPENCODE_OTEL_EXPORT_HEADERS=x-honeycomb-team=$KEY opencode-otel export --endpoint https://api.honeycomb.io",
    "opencode-otel export --endpoint http://collector:4317 --protocol grpc --since 2025-01-01",
  ],
  async run(args, io) {
    const { runExport } = await import("./run.js");
    return runExport(args, io);
  },
};
