import { type Command, DB_OPTION } from "../command.js";

export const serveCommand: Command = {
  name: "serve",
  summary: "Run an OTLP receiver (HTTP and gRPC) that writes into the local store",
  usage:
    "serve [--port 4318] [--grpc-port 4317 | --no-grpc] [--host 127.0.0.1] [--token-file FILE] [--db PATH]",
  description: [
    "Receives OTLP traces, metrics and logs (HTTP /v1/traces|metrics|logs with protobuf or JSON,",
    "gzip or not, and gRPC) and writes them into the store that `report` reads, creating it if",
    "needed. Any OTLP source can land there: this plugin on another machine, a Collector, another",
    "agent. Listens on loopback only, unless --host names another address on purpose; then a token",
    "is required (or --insecure-no-auth, which lets anyone on the network write to the store). The",
    "token comes from --token-file or $OPENCODE_OTEL_SERVE_TOKEN (--token works too, but every local",
    "user sees it in `ps`). Runs until Ctrl-C or SIGTERM.",
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
      name: "token-file",
      value: "FILE",
      description:
        "Require `Authorization: Bearer <token>` on every request (else 401), the token read from FILE",
    },
    {
      name: "token",
      value: "TOKEN",
      description:
        "The same with the token itself (visible in `ps`; prefer the file or the variable)",
    },
    {
      name: "max-requests",
      value: "N",
      description:
        "Requests handled at once; more get 429 (gRPC RESOURCE_EXHAUSTED) with retry-after",
      default: "64",
    },
    {
      name: "body-timeout",
      value: "SECONDS",
      description: "Time a client has to send a whole request body; slower ones get 408",
      default: "30",
    },
    {
      name: "insecure-no-auth",
      description: "Allow a non-loopback --host without a token: anyone who can reach it can write",
    },
    DB_OPTION,
  ],
  examples: [
    "opencode-otel serve",
    "OPENCODE_OTLP_ENDPOINT=http://127.0.0.1:4318 OPENCODE_OTLP_PROTOCOL=http/protobuf opencode",
    "openssl rand -hex 16 > ~/.serve-token && chmod 600 ~/.serve-token",
    "opencode-otel serve --host 0.0.0.0 --token-file ~/.serve-token --port 14318",
  ],
  async run(args, io) {
    const { runServe } = await import("./run.js");
    return runServe(args, io);
  },
};
