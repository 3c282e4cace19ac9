/**
 * A real OTLP receiver for tests: OTLP/HTTP (protobuf and JSON, gzip or not) and OTLP/gRPC on
 * 127.0.0.1, decoding with the generated opentelemetry-proto classes and flattening every signal
 * into plain records (`otlp-types.ts`). Tests point the plugin's real exporters at it and assert
 * what arrived, exactly as a collector would see it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  status as grpcStatus,
  type handleUnaryCall,
  type Metadata,
  type MethodDefinition,
  Server,
  ServerCredentials,
} from "@grpc/grpc-js";
import {
  decodeJsonRequest,
  decodeProtobufRequest,
  decompress,
  encodeProtobufResponse,
  grpcExportPath,
} from "./otlp-decode.js";
import { normalizeLogs, normalizeMetrics, normalizeTraces } from "./otlp-normalize.js";
import type {
  Failure,
  ReceivedLog,
  ReceivedMetricPoint,
  ReceivedRequest,
  ReceivedSpan,
  RequestCounts,
  Signal,
  Transport,
} from "./otlp-types.js";

export type * from "./otlp-types.js";

/** A running receiver. Collections fill as requests arrive; `reset()` empties them in place. */
export interface Receiver {
  /** Base URL of the OTLP/HTTP server, e.g. `http://127.0.0.1:40123`; signals post to `/v1/<signal>`. */
  readonly httpUrl: string;
  /** URL for the OTLP/gRPC exporters, e.g. `http://127.0.0.1:40124` (plaintext). */
  readonly grpcUrl: string;
  readonly spans: readonly ReceivedSpan[];
  readonly metrics: readonly ReceivedMetricPoint[];
  readonly logs: readonly ReceivedLog[];
  /** Export requests per signal and transport, including rejected ones. */
  readonly requests: RequestCounts;
  readonly requestLog: readonly ReceivedRequest[];
  /** Requests the receiver could not decode; a test that expects data should also expect none. */
  readonly errors: readonly string[];
  /** Reject upcoming requests; failures queue up and are used in order. */
  failNext(failure: Failure): void;
  /** Resolves once `predicate` holds, polling; rejects after `timeoutMs` (default 5000). */
  waitFor(predicate: (receiver: Receiver) => boolean, timeoutMs?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

const signals: readonly Signal[] = ["traces", "metrics", "logs"];

const emptyCounts = (): RequestCounts => ({
  traces: { "http/protobuf": 0, "http/json": 0, grpc: 0 },
  metrics: { "http/protobuf": 0, "http/json": 0, grpc: 0 },
  logs: { "http/protobuf": 0, "http/json": 0, grpc: 0 },
});

/**
 * gRPC's documented HTTP → gRPC status mapping, so one `failNext({ status: 503 })` means the
 * same thing to both exporter families: UNAVAILABLE is retryable in the OTLP spec, as 503 is in
 * HTTP (the OTel JS gRPC exporter 0.223 retries nothing; `otlp-receiver.test.ts` pins that).
 */
function grpcCodeFor(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return grpcStatus.INTERNAL;
    case 401:
      return grpcStatus.UNAUTHENTICATED;
    case 403:
      return grpcStatus.PERMISSION_DENIED;
    case 404:
      return grpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return grpcStatus.UNAVAILABLE;
    default:
      return grpcStatus.UNKNOWN;
  }
}

/** Starts both servers on random 127.0.0.1 ports. Call `close()` when done. */
/** Fixed ports, for a collector that comes up where the plugin already points. */
export interface ReceiverPorts {
  readonly httpPort?: number;
  readonly grpcPort?: number;
}

export async function startOtlpReceiver(ports: ReceiverPorts = {}): Promise<Receiver> {
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetricPoint[] = [];
  const logs: ReceivedLog[] = [];
  const requestLog: ReceivedRequest[] = [];
  const errors: string[] = [];
  const failures: Failure[] = [];
  let requests = emptyCounts();

  function takeFailure(signal: Signal): Failure | undefined {
    const index = failures.findIndex((f) => f.signal === undefined || f.signal === signal);
    const failure = failures[index];
    if (!failure) return undefined;
    const left = (failure.count ?? 1) - 1;
    if (left > 0) failures[index] = { ...failure, count: left };
    else failures.splice(index, 1);
    return failure;
  }

  /** Counts the request and returns the failure to answer it with, if one is queued. */
  function admit(signal: Signal, transport: Transport, headers: Record<string, string>) {
    const failure = takeFailure(signal);
    requests[signal][transport] += 1;
    requestLog.push({ signal, transport, headers, failedWith: failure?.status });
    return failure;
  }

  function store(signal: Signal, transport: Transport, request: unknown): void {
    // Each normaliser builds the whole batch before the push, so a bad request adds nothing.
    switch (signal) {
      case "traces":
        spans.push(...normalizeTraces(request, transport));
        return;
      case "metrics":
        metrics.push(...normalizeMetrics(request, transport));
        return;
      case "logs":
        logs.push(...normalizeLogs(request, transport));
        return;
    }
  }

  async function onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const signal = signals.find((s) => req.url === `/v1/${s}`);
    if (req.method !== "POST" || !signal) {
      res.writeHead(404).end();
      return;
    }
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
    const json = contentType === "application/json";
    if (!json && contentType !== "application/x-protobuf") {
      res.writeHead(415).end();
      return;
    }
    const transport: Transport = json ? "http/json" : "http/protobuf";
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.from(chunk));
    const failure = admit(signal, transport, httpHeaders(req));
    if (failure) {
      res.writeHead(failure.status, failure.headers ?? {}).end();
      return;
    }
    try {
      const body = decompress(Buffer.concat(chunks), req.headers["content-encoding"]);
      store(
        signal,
        transport,
        json ? decodeJsonRequest(body) : decodeProtobufRequest(signal, body),
      );
    } catch (error) {
      errors.push(`${transport} ${signal}: ${String(error)}`);
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { "content-type": contentType });
    res.end(json ? "{}" : encodeProtobufResponse(signal));
  }

  function grpcExport(signal: Signal): handleUnaryCall<Buffer, Uint8Array> {
    return (call, callback) => {
      const failure = admit(signal, "grpc", grpcHeaders(call.metadata));
      if (failure) {
        const code = failure.grpcCode ?? grpcCodeFor(failure.status);
        callback({ code, details: `injected failure (HTTP ${failure.status})` });
        return;
      }
      try {
        store(signal, "grpc", decodeProtobufRequest(signal, call.request));
      } catch (error) {
        errors.push(`grpc ${signal}: ${String(error)}`);
        callback({ code: grpcStatus.INVALID_ARGUMENT, details: String(error) });
        return;
      }
      callback(null, encodeProtobufResponse(signal));
    };
  }

  const http = createServer((req, res) => {
    onHttp(req, res).catch((error: unknown) => {
      errors.push(`http: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(ports.httpPort ?? 0, "127.0.0.1", () => resolve());
  });

  const grpc = new Server();
  for (const signal of signals) {
    grpc.addService({ Export: exportMethod(signal) }, { Export: grpcExport(signal) });
  }
  const grpcPort = await new Promise<number>((resolve, reject) => {
    grpc.bindAsync(
      `127.0.0.1:${ports.grpcPort ?? 0}`,
      ServerCredentials.createInsecure(),
      (error, port) => (error ? reject(error) : resolve(port)),
    );
  });

  const receiver: Receiver = {
    httpUrl: `http://127.0.0.1:${portOf(http.address())}`,
    grpcUrl: `http://127.0.0.1:${grpcPort}`,
    spans,
    metrics,
    logs,
    get requests() {
      return requests;
    },
    requestLog,
    errors,
    failNext(failure) {
      failures.push(failure);
    },
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(receiver)) {
        if (Date.now() > deadline) {
          throw new Error(
            `OTLP receiver: condition not met within ${timeoutMs} ms; received ` +
              `${spans.length} spans, ${metrics.length} metric points, ${logs.length} logs, ` +
              `errors: ${JSON.stringify(errors)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    reset() {
      for (const list of [spans, metrics, logs, requestLog, errors, failures]) list.length = 0;
      requests = emptyCounts();
    },
    async close() {
      // Exporters keep connections alive; force them shut so closing never waits on a client.
      grpc.forceShutdown();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return receiver;
}

/** Raw bytes in and out: decoding happens in the handler, so a bad payload is counted and logged. */
function exportMethod(signal: Signal): MethodDefinition<Buffer, Uint8Array> {
  return {
    path: grpcExportPath(signal),
    requestStream: false,
    responseStream: false,
    requestSerialize: (request) => request,
    requestDeserialize: (bytes) => bytes,
    responseSerialize: (response) => Buffer.from(response),
    responseDeserialize: (bytes) => bytes,
  };
}

function portOf(address: string | AddressInfo | null): number {
  if (address === null || typeof address === "string") throw new Error("HTTP server not on TCP");
  return address.port;
}

function httpHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function grpcHeaders(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata.getMap())) {
    out[name] = typeof value === "string" ? value : value.toString("base64");
  }
  return out;
}
