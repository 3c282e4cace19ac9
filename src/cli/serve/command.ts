import { type Command, DB_OPTION } from "../command.js";

export const serveCommand: Command = {
  name: "serve",
  summary: "Run an OTLP receiver (HTTP and gRPC) that writes into the local store",
  usage:
    "serve [--port 4318] [--grpc-port 4317 | --no-grpc] [--host 127.0.0.1] [--token T] [--db PATH]",
  description: [
    "Receives OTLP traces, metrics and logs (HTTP /v1/traces|metrics|logs with protobuf or JSON,",
    "gzip or not, and gRPC) and writes them into the store that `report` reads, creating it if",
    "needed. Any OTLP source can land there: this plugin on another machine, a Collector, another",
    "agent. Listens on loopback only, unless --host names another address on purpose. Runs until",
    "Ctrl-C or SIGTERM. The HTTP port also serves the viewer (see `opencode-otel ui`), behind a",
    "token of its own that the URL it prints carries.",
  ].join("\n"),
  options: [
    {
      name: "port",
      value: "PORT",
      description: "OTLP/HTTP port (0: any free port)",
      default: "4318",
    },
    {
      name: "grpc-port",
      value: "PORT",
      description: "OTLP/gRPC port (0: any free port)",
      default: "4317",
    },
    { name: "no-grpc", description: "Do not listen for gRPC" },
    {
      name: "host",
      value: "ADDRESS",
      description: "Address to listen on; a non-loopback one exposes the store to the network",
      default: "127.0.0.1",
    },
    {
      name: "token",
      value: "TOKEN",
      description: "Require `Authorization: Bearer TOKEN` on every request (else 401)",
    },
    DB_OPTION,
  ],
  examples: [
    "opencode-otel serve",
    "OPENCODE_OTLP_ENDPOINT=http://127.0.0.1:4318 OPENCODE_OTLP_PROTOCOL=http/protobuf opencode",
    'opencode-otel serve --host 0.0.0.0 --token "$(openssl rand -hex 16)" --port 14318',
  ],
  async run(args, io) {
    const { runServe } = await import("./run.js");
    return runServe(args, io);
  },
};
