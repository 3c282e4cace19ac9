import { type ParsedArgs, portValue, stringValue } from "../args.js";
import { CliError, EXIT_FAILURE, EXIT_OK, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { readSecret } from "../secret-input.js";
import { openStore, withStore } from "../store.js";
import { isLoopback } from "./host.js";
import { DEFAULT_LIMITS } from "./limits.js";
import { startReceiver } from "./receiver.js";

function wholeNumber(
  args: ParsedArgs,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = stringValue(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  return value;
}

function damaged(path: string, problem: string): CliError {
  return new CliError(
    `the store at ${path} is damaged (${problem}); move it aside (or restore a backup) and ` +
      "start again: a new store is created in its place",
  );
}

/** Where the serve token may come from; the variable and the file keep it out of `ps`. */
const SERVE_TOKEN = { inline: "token", file: "token-file", env: "OPENCODE_OTEL_SERVE_TOKEN" };

/** How often the status line is rewritten at most, so a busy receiver does not flood stderr. */
const STATUS_INTERVAL_MS = 1000;

export async function runServe(args: ParsedArgs, io: Io): Promise<number> {
  const host = stringValue(args, "host") ?? "127.0.0.1";
  const secret = readSecret(args, io.env, SERVE_TOKEN);
  const token = secret?.value;
  const insecure = args.values["insecure-no-auth"] === true;
  if (!isLoopback(host) && token === undefined && !insecure) {
    throw new UsageError(
      `refusing to listen on ${host} without a token: anyone who can reach it could write to ` +
        `the store. Put a token in a file and pass --token-file FILE (or set $${SERVE_TOKEN.env}), ` +
        "or pass --insecure-no-auth if that is really what you want",
    );
  }
  if (secret?.warning) io.err(`opencode-otel serve: warning: ${secret.warning}\n`);
  const httpPort = portValue(args, "port", 4318);
  const grpcPort = args.values["no-grpc"] ? undefined : portValue(args, "grpc-port", 4317);
  const limits = {
    concurrency: wholeNumber(args, "max-requests", DEFAULT_LIMITS.concurrency, 1, 100_000),
    bodyTimeoutMs:
      wholeNumber(args, "body-timeout", DEFAULT_LIMITS.bodyTimeoutMs / 1000, 1, 3600) * 1000,
  };
  const store = await openStore(stringValue(args, "db"), io.env, {
    create: true,
    // About 40 MB of log between checkpoints: a tenth of the fsyncs of SQLite's default.
    checkpointPages: 10_000,
  });
  let counts = { traces: 0, metrics: 0, logs: 0 };
  const status = statusLine(io, () => counts);
  let stopBroken: (message: string) => void = () => undefined;
  const broken = new Promise<string>((resolve) => {
    stopBroken = resolve;
  });
  try {
    // A damaged file would pass the open and then fail every write; find it now, once.
    const check = withStore(store, () => store.quickCheck());
    if (check !== "ok") throw damaged(store.path, check);
    const receiver = await startReceiver({
      sink: store,
      host,
      httpPort,
      grpcPort,
      token,
      limits,
      onProblem: (message) => io.err(`serve: ${message}\n`),
      onRows: () => status.touch(),
      onBroken: (failure) => stopBroken(failure.message),
    });
    counts = receiver.counts;
    // Listen for Ctrl-C and SIGTERM before telling anyone where to send: a signal sent as soon
    // as the addresses are printed would otherwise end the process without closing the store.
    const interrupted = io.interrupted;
    io.err(`opencode-otel serve: writing to ${store.path}\n`);
    io.err(`  OTLP/HTTP  ${receiver.httpUrl}  (/v1/traces, /v1/metrics, /v1/logs)\n`);
    if (receiver.grpcUrl) io.err(`  OTLP/gRPC  ${receiver.grpcUrl}\n`);
    if (token !== undefined) io.err(`  requires a bearer token (from ${secret?.from})\n`);
    if (!isLoopback(host)) {
      io.err(
        `  warning: listening on ${host}, reachable from other machines` +
          `${token ? "" : ", WITHOUT authentication (--insecure-no-auth)"}\n`,
      );
    }
    io.err("Press Ctrl-C to stop.\n");
    const reason = await Promise.race([interrupted.then(() => undefined), broken]);
    status.stop();
    await receiver.close();
    const { traces, metrics, logs } = receiver.counts;
    io.err(`\nstopped; received ${traces} spans, ${metrics} metric points, ${logs} log records\n`);
    if (reason === undefined) return EXIT_OK;
    io.err(`opencode-otel serve: ${damaged(store.path, reason).message}\n`);
    return EXIT_FAILURE;
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
