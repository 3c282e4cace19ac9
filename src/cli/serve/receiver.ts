/**
 * The `serve` receiver: OTLP/HTTP and OTLP/gRPC listeners writing into a `RowSink` (the store).
 * Usable in-process (`demo` runs one when the plugin's local exporter is not available).
 */
import { createServer, type Server as HttpServer } from "node:http";
import { CliError } from "../errors.js";
import type { Signal } from "../otlp/protos.js";
import { type ReceiverContext, receiverContext } from "./context.js";
import { hostPort, urlOf } from "./host.js";
import { handleHttp } from "./http.js";
import type { IngestCounts } from "./ingest.js";
import { DEFAULT_LIMITS, type ServeLimits } from "./limits.js";
import { type RowSink, type WriteFailure, WriteQueue } from "./write-queue.js";

export interface ReceiverOptions {
  readonly sink: RowSink;
  /** Limits other than the defaults (tests make them small). */
  readonly limits?: Partial<ServeLimits>;
  /** How long a write may wait for the store's lock before the request gets 503. */
  readonly lockWaitMs?: number;
  /** Called once if the store turns out to be damaged; every later request is refused. */
  readonly onBroken?: (failure: WriteFailure) => void;
  readonly host: string;
  /** 0 picks a free port. */
  readonly httpPort: number;
  /** 0 picks a free port; undefined: no gRPC listener. */
  readonly grpcPort: number | undefined;
  readonly token?: string;
  readonly onProblem?: (message: string) => void;
  readonly onRows?: (signal: Signal, rows: number) => void;
}

export interface RunningReceiver {
  readonly httpUrl: string;
  readonly grpcUrl: string | undefined;
  /** Rows written so far per signal. */
  readonly counts: Readonly<IngestCounts>;
  close(): Promise<void>;
}

function portInUse(kind: string, host: string, port: number, flag: string): CliError {
  return new CliError(
    `${kind} port ${port} on ${host} is in use (another \`opencode-otel serve\` or a Collector?); ` +
      `stop it or pick another port with ${flag}`,
  );
}

function listenHttp(server: HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") reject(portInUse("HTTP", host, port, "--port"));
      else if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND")
        reject(new CliError(`cannot listen on ${host}: no such local address`));
      else reject(error);
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

export async function startReceiver(options: ReceiverOptions): Promise<RunningReceiver> {
  const counts: IngestCounts = { traces: 0, metrics: 0, logs: 0 };
  const limits: ServeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const ctx: ReceiverContext = receiverContext({
    queue: new WriteQueue(options.sink, {
      ...(options.lockWaitMs !== undefined ? { lockWaitMs: options.lockWaitMs } : {}),
      ...(options.onBroken ? { onBroken: options.onBroken } : {}),
    }),
    token: options.token,
    limits,
    onRows: (signal, rows) => {
      counts[signal] += rows;
      options.onRows?.(signal, rows);
    },
    onProblem: options.onProblem ?? (() => undefined),
  });
  const http = createServer((req, res) => {
    handleHttp(ctx, req, res).catch((error: unknown) => {
      ctx.onProblem(`http: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Node's own slow-client guards; the body deadline is the receiver's (`body.ts`).
  http.headersTimeout = 20_000;
  http.requestTimeout = limits.bodyTimeoutMs + 5_000;
  http.keepAliveTimeout = 30_000;
  const httpPort = await listenHttp(http, options.host, options.httpPort);
  const closeHttp = () =>
    new Promise<void>((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    });

  let grpc: { port: number; shutdown: () => void } | undefined;
  if (options.grpcPort !== undefined) {
    try {
      grpc = await startGrpc(ctx, options.host, options.grpcPort);
    } catch (error) {
      await closeHttp();
      throw error;
    }
  }
  return {
    httpUrl: urlOf(options.host, httpPort),
    grpcUrl: grpc ? urlOf(options.host, grpc.port) : undefined,
    counts,
    async close() {
      grpc?.shutdown();
      await closeHttp();
    },
  };
}

/** grpc-js loads only when gRPC is on: it is the heaviest part of the receiver. */
async function startGrpc(ctx: ReceiverContext, host: string, port: number) {
  const grpc = await import("@grpc/grpc-js");
  const { addOtlpServices } = await import("./grpc.js");
  // grpc-js logs bind failures itself ("No address added..."); the CLI reports them in words.
  grpc.setLogVerbosity(grpc.logVerbosity.NONE);
  const server = new grpc.Server({
    // grpc-js checks this against the decompressed message, while decompressing.
    "grpc.max_receive_message_length": ctx.limits.maxDecodedBytes,
    "grpc.max_concurrent_streams": ctx.limits.concurrency,
  });
  addOtlpServices(server, ctx, () => new grpc.Metadata());
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(hostPort(host, port), grpc.ServerCredentials.createInsecure(), (error, p) => {
      if (!error) return resolve(p);
      if (/EADDRINUSE|address already in use/i.test(error.message)) {
        reject(portInUse("gRPC", host, port, "--grpc-port"));
      } else reject(new CliError(`cannot listen for gRPC on ${host}:${port}: ${error.message}`));
    });
  });
  return { port: bound, shutdown: () => server.forceShutdown() };
}
