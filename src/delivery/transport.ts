import type { Client, Metadata, ServiceError } from "@grpc/grpc-js";
import type { Compression, OtlpProtocol } from "../config/types.js";
import { encodingOf, type Signal } from "./encode.js";
import { gzip } from "./gzip.js";
import { type PartialSuccess, readExportResponse } from "./response.js";

/** What happened to one request, reduced to what the outbox decides on. */
export type SendResult =
  /** Accepted; `partial` when the collector refused some items inside it (OTLP partial success). */
  | { readonly kind: "ok"; readonly partial?: PartialSuccess }
  /** Worth retrying later: network error, timeout, 429, 5xx, a redirect, gRPC UNAVAILABLE… */
  | { readonly kind: "retry"; readonly reason: string; readonly afterMs: number | undefined }
  /** The collector refused the size (HTTP 413, gRPC RESOURCE_EXHAUSTED on size). */
  | { readonly kind: "too-large"; readonly reason: string }
  /** Credentials refused (401/403, UNAUTHENTICATED, PERMISSION_DENIED). */
  | { readonly kind: "auth"; readonly reason: string }
  /** This request is rejected for good (400 and other 4xx): retrying would fail the same way. */
  | { readonly kind: "rejected"; readonly reason: string }
  /**
   * Every request would fail the same way until the configuration changes (TLS failure, not a
   * gRPC server, method not implemented): retrying in this process only fills the spool.
   */
  | { readonly kind: "misconfigured"; readonly reason: string };

export interface Transport {
  send(body: Uint8Array, headers: Readonly<Record<string, string>>): Promise<SendResult>;
  close(): void;
}

export interface TransportOptions {
  readonly signal: Signal;
  readonly protocol: OtlpProtocol;
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly compression: Compression;
}

export function createTransport(options: TransportOptions): Transport {
  return options.protocol === "grpc" ? grpcTransport(options) : httpTransport(options);
}

const RETRYABLE_HTTP = new Set([408, 429, 500, 502, 503, 504]);

/** 307/308 (which keep the method and body) are followed at most this many times per request. */
const MAX_REDIRECTS = 3;

function httpTransport(options: TransportOptions): Transport {
  const encoding = encodingOf(options.protocol);
  const contentType = encoding === "json" ? "application/json" : "application/x-protobuf";
  const origin = new URL(options.endpoint).origin;
  return {
    async send(body, headers) {
      const compressed = options.compression === "gzip";
      const payload = compressed ? gzip(body) : body;
      let url = options.endpoint;
      for (let hop = 0; ; hop++) {
        let response: Response;
        let answer: Uint8Array;
        try {
          // Redirects are handled here: fetch would turn a 301/302/303 into a GET without the
          // body, and the 200 of whatever page answers that would count as delivered.
          response = await fetch(url, {
            method: "POST",
            redirect: "manual",
            headers: {
              // Credentials go only to the origin they were configured for.
              ...(new URL(url).origin === origin ? headers : {}),
              "content-type": contentType,
              ...(compressed ? { "content-encoding": "gzip" } : {}),
            },
            body: payload,
            signal: AbortSignal.timeout(options.timeoutMs),
          });
          // The body is small (a partial-success report at most); read it so the socket is free.
          answer = new Uint8Array(await response.arrayBuffer());
        } catch (error) {
          return networkFailure(error);
        }
        const status = response.status;
        if (status >= 300 && status < 400) {
          const next = redirectTarget(url, status, response.headers.get("location"));
          if (next.kind !== "follow") return next.result;
          if (hop >= MAX_REDIRECTS)
            return {
              kind: "retry",
              reason: `HTTP ${status}: more than ${MAX_REDIRECTS} redirects from ${options.endpoint}`,
              afterMs: undefined,
            };
          url = next.url;
          continue;
        }
        return classify(options.signal, encoding, response, answer, url);
      }
    },
    close() {},
  };
}

type Redirect =
  | { readonly kind: "follow"; readonly url: string }
  | { readonly kind: "stop"; readonly result: SendResult };

/**
 * 307 and 308 keep the method and body, so they are followed (an https endpoint is never
 * followed to plain http). 301, 302 and 303 would be re-sent as a body-less GET by a browser:
 * for an exporter that is no delivery at all, so they are failures that name the new address.
 */
function redirectTarget(from: string, status: number, location: string | null): Redirect {
  let target: URL | undefined;
  try {
    target = location ? new URL(location, from) : undefined;
  } catch {
    target = undefined;
  }
  const stop = (reason: string): Redirect => ({
    kind: "stop",
    result: { kind: "retry", reason, afterMs: undefined },
  });
  if (!target) return stop(`HTTP ${status} redirect without a usable Location from ${from}`);
  if (status === 307 || status === 308) {
    if (new URL(from).protocol === "https:" && target.protocol !== "https:")
      return stop(`HTTP ${status} redirect from https to ${target.href} refused`);
    return { kind: "follow", url: target.href };
  }
  return stop(
    `HTTP ${status} redirect to ${target.href}; an OTLP request is not re-sent as a GET, set the endpoint to the new address`,
  );
}

function classify(
  signal: Signal,
  encoding: "pb" | "json",
  response: Response,
  answer: Uint8Array,
  url: string,
): SendResult {
  const status = response.status;
  if (status >= 200 && status < 300) {
    const read = readExportResponse(signal, encoding, response.headers.get("content-type"), answer);
    if (!read.otlp)
      return {
        kind: "retry",
        reason: `HTTP ${status} with ${read.reason} from ${url} (is it a collector?)`,
        afterMs: undefined,
      };
    return read.partial ? { kind: "ok", partial: read.partial } : { kind: "ok" };
  }
  const reason = `HTTP ${status}`;
  if (status === 413) return { kind: "too-large", reason };
  if (status === 401 || status === 403) return { kind: "auth", reason };
  if (RETRYABLE_HTTP.has(status))
    return { kind: "retry", reason, afterMs: retryAfter(response.headers.get("retry-after")) };
  return { kind: "rejected", reason };
}

function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function networkFailure(error: unknown): SendResult {
  const reason = describeNetworkError(error);
  // A certificate or TLS version the client refuses fails every request the same way.
  if (TLS_FAILURE.test(reason)) return { kind: "misconfigured", reason: `TLS failure: ${reason}` };
  return { kind: "retry", reason, afterMs: undefined };
}

const TLS_FAILURE =
  /CERT|SSL|TLS|self[- ]signed|certificate|WRONG_VERSION_NUMBER|ServerName|handshake/i;

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause;
    const code =
      typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : "";
    if (error.name === "TimeoutError") return "timed out";
    const own = "code" in error && typeof error.code === "string" ? error.code : "";
    return code || own || error.message.split("\n", 1)[0]?.slice(0, 120) || error.name;
  }
  return "network error";
}

const SERVICES: Record<Signal, string> = {
  traces: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
  metrics: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
  logs: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
};

// gRPC status codes (grpc/doc/statuscodes.md) the OTLP spec calls retryable.
const RETRYABLE_GRPC = new Set([1, 4, 8, 10, 11, 14, 15]);

const GRPC_STATUS = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/**
 * OTLP/gRPC with the already-encoded protobuf body: the request message is the same bytes the
 * HTTP transport posts, so a spooled body can go either way. grpc-js loads only when used.
 */
function grpcTransport(options: TransportOptions): Transport {
  let client: Promise<{ client: Client; Metadata: typeof Metadata }> | undefined;
  const connect = () => {
    client ??= import("@grpc/grpc-js").then(async (grpc) => {
      const url = new URL(options.endpoint);
      const secure = url.protocol === "https:";
      const port = url.port || (secure ? "443" : "4317");
      const address = url.hostname.replace(/^\[(.*)\]$/, "$1");
      const credentials = !secure
        ? grpc.credentials.createInsecure()
        : (await import("node:net")).isIP(address)
          ? (await import("./grpc-ip-tls.js")).ipTlsCredentials(grpc, address)
          : grpc.credentials.createSsl();
      return {
        client: new grpc.Client(`${url.hostname}:${port}`, credentials),
        Metadata: grpc.Metadata,
      };
    });
    return client;
  };
  return {
    async send(body, headers) {
      const { client: grpc, Metadata: MetadataClass } = await connect();
      const metadata = new MetadataClass();
      for (const [name, value] of Object.entries(headers)) metadata.set(name.toLowerCase(), value);
      return new Promise<SendResult>((resolve) => {
        grpc.makeUnaryRequest(
          SERVICES[options.signal],
          (bytes: Uint8Array) => Buffer.from(bytes),
          (bytes: Buffer) => bytes,
          body,
          metadata,
          { deadline: Date.now() + options.timeoutMs },
          (error: ServiceError | null, answer?: Buffer) => {
            if (error) return resolve(grpcResult(error));
            const read = readExportResponse(options.signal, "pb", null, answer ?? new Uint8Array());
            if (!read.otlp)
              return resolve({
                kind: "retry",
                reason: `gRPC OK with ${read.reason}`,
                afterMs: undefined,
              });
            resolve(read.partial ? { kind: "ok", partial: read.partial } : { kind: "ok" });
          },
        );
      });
    },
    close() {
      client?.then(({ client: grpc }) => grpc.close()).catch(() => undefined);
      client = undefined;
    },
  };
}

/** A gRPC failure in words: the status name, what went wrong, and whether retrying can help. */
export function grpcResult(error: Pick<ServiceError, "code" | "details">): SendResult {
  const name = GRPC_STATUS[error.code] ?? `status ${error.code}`;
  const cause = grpcCause(error.details ?? "");
  const reason = cause ? `gRPC ${name}: ${cause}` : `gRPC ${name}`;
  if (error.code === 16 || error.code === 7) return { kind: "auth", reason };
  if (error.code === 8 && /larger than|too large|max/i.test(error.details ?? ""))
    return { kind: "too-large", reason };
  if (error.code === 12)
    return { kind: "misconfigured", reason: `${reason} (the endpoint is not an OTLP receiver)` };
  if (error.code === 14 && TLS_FAILURE.test(cause))
    return { kind: "misconfigured", reason: `gRPC ${name}: TLS failure: ${cause}` };
  if (error.code === 14 && /protocol error/i.test(cause))
    return {
      kind: "misconfigured",
      reason: `gRPC ${name}: the endpoint does not speak gRPC (HTTP/2); is it an OTLP/HTTP port?`,
    };
  if (RETRYABLE_GRPC.has(error.code)) return { kind: "retry", reason, afterMs: undefined };
  return { kind: "rejected", reason };
}

/**
 * grpc-js reports connection failures as "No connection established. Last error: <cause> (<time>).
 * Resolution note: …"; the cause is the part worth reading.
 */
function grpcCause(details: string): string {
  const last = /Last error: (.*?)(?:\. Resolution note:|$)/s.exec(details)?.[1] ?? details;
  return last
    .replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)/g, "")
    .replace(/^Error: /, "")
    .replace(/^error:[0-9a-f]+:SSL routines:[A-Z_]*:/i, "SSL ")
    .trim()
    .slice(0, 200);
}
