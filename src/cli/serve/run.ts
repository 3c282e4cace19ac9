import { type ParsedArgs, portValue, stringValue } from "../args.js";
import { EXIT_OK, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { openStore } from "../store.js";
import { isLoopback } from "./host.js";
import { startReceiver } from "./receiver.js";
import { mountViewer } from "./viewer.js";

/** How often the status line is rewritten at most, so a busy receiver does not flood stderr. */
const STATUS_INTERVAL_MS = 1000;

export async function runServe(args: ParsedArgs, io: Io): Promise<number> {
  const host = stringValue(args, "host") ?? "127.0.0.1";
  const token = stringValue(args, "token");
  if (token === "") throw new UsageError("--token must not be empty");
  const httpPort = portValue(args, "port", 4318);
  const grpcPort = args.values["no-grpc"] ? undefined : portValue(args, "grpc-port", 4317);
  const store = await openStore(stringValue(args, "db"), io.env, { create: true });
  let counts = { traces: 0, metrics: 0, logs: 0 };
  const status = statusLine(io, () => counts);
  const viewer = mountViewer(store, (message) => io.err(`serve: ${message}\n`));
  try {
    const receiver = await startReceiver({
      sink: store,
      host,
      httpPort,
      grpcPort,
      token,
      onProblem: (message) => io.err(`serve: ${message}\n`),
      onRows: () => status.touch(),
      fallback: viewer.handle,
    });
    counts = receiver.counts;
    const viewerUrl = viewer.start({ host, origin: receiver.httpUrl });
    io.err(`opencode-otel serve: writing to ${store.path}\n`);
    io.err(`  OTLP/HTTP  ${receiver.httpUrl}  (/v1/traces, /v1/metrics, /v1/logs)\n`);
    if (receiver.grpcUrl) io.err(`  OTLP/gRPC  ${receiver.grpcUrl}\n`);
    if (viewerUrl) io.err(`  Viewer     ${viewerUrl}\n`);
    if (!isLoopback(host)) {
      io.err(
        `  warning: listening on ${host}, reachable from other machines` +
          `${token ? "" : "; consider --token"}\n`,
      );
    }
    io.err("Press Ctrl-C to stop.\n");
    await io.interrupted;
    status.stop();
    viewer.close();
    await receiver.close();
    const { traces, metrics, logs } = receiver.counts;
    io.err(`\nstopped; received ${traces} spans, ${metrics} metric points, ${logs} log records\n`);
    return EXIT_OK;
  } finally {
    store.close();
  }
}

/** A once-a-second summary on stderr (redrawn in place on a terminal, a line per change else). */
function statusLine(io: Io, counts: () => { traces: number; metrics: number; logs: number }) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const draw = () => {
    timer = undefined;
    const { traces, metrics, logs } = counts();
    const text = `received ${traces} spans, ${metrics} metric points, ${logs} log records`;
    io.err(io.errIsTty ? `\r${text}\x1b[K` : `${text}\n`);
  };
  return {
    touch() {
      timer ??= setTimeout(draw, STATUS_INTERVAL_MS);
    },
    stop() {
      if (!timer) return;
      clearTimeout(timer);
      draw();
    },
  };
}
