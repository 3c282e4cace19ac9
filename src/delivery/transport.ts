import type { Client, Metadata, ServiceError } from "@grpc/grpc-js";
import type { Compression, OtlpProtocol } from "../config/types.js";
import type { Signal } from "./encode.js";
import { gzip } from "./gzip.js";

/** What happened to one request, reduced to what the outbox decides on. */
export type SendResult =
  | { readonly kind: "ok" }
  /** Worth retrying later: network error, timeout, 429, 5xx, gRPC UNAVAILABLE and kin. */
  | { readonly kind: "retry"; readonly reason: string; readonly afterMs: number | undefined }
  /** The collector refused the size (HTTP 413, gRPC RESOURCE_EXHAUSTED on size). */
  | { readonly kind: "too-large"; readonly reason: string }
  /** Credentials refused (401/403, UNAUTHENTICATED, PERMISSION_DENIED). */
  | { readonly kind: "auth"; readonly reason: string }
  /** Rejected for good (400 and other 4xx): retrying would fail the same way. */
  | { readonly kind: "rejected"; readonly reason: string };

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

function httpTransport(options: TransportOptions): Transport {
  const contentType =
    options.protocol === "http/json" ? "application/json" : "application/x-protobuf";
  return {
    async send(body, headers) {
      let response: Response;
      try {
        const compressed = options.compression === "gzip";
        response = await fetch(options.endpoint, {
          method: "POST",
          headers: {
            ...headers,
            "content-type": contentType,
            ...(compressed ? { "content-encoding": "gzip" } : {}),
          },
          body: compressed ? gzip(body) : body,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        // The body is small (a partial-success report at most); read it so the socket is free.
        await response.arrayBuffer().catch(() => undefined);
      } catch (error) {
        return { kind: "retry", reason: describeNetworkError(error), afterMs: undefined };
      }
      const status = response.status;
      if (status >= 200 && status < 300) return { kind: "ok" };
      const reason = `HTTP ${status}`;
      if (status === 413) return { kind: "too-large", reason };
      if (status === 401 || status === 403) return { kind: "auth", reason };
      if (RETRYABLE_HTTP.has(status))
        return { kind: "retry", reason, afterMs: retryAfter(response.headers.get("retry-after")) };
      return { kind: "rejected", reason };
    },
    close() {},
  };
}

function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause;
    const code =
      typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : "";
    if (error.name === "TimeoutError") return "timed out";
    return code || error.message.split("\n", 1)[0]?.slice(0, 120) || error.name;
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

/**
 * OTLP/gRPC with the already-encoded protobuf body: the request message is the same bytes the
 * HTTP transport posts, so a spooled body can go either way. grpc-js loads only when used.
 */
function grpcTransport(options: TransportOptions): Transport {
  let client: Promise<{ client: Client; Metadata: typeof Metadata }> | undefined;
  const connect = () => {
    client ??= import("@grpc/grpc-js").then((grpc) => {
      const url = new URL(options.endpoint);
      const secure = url.protocol === "https:";
      const port = url.port || (secure ? "443" : "4317");
      const credentials = secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
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
          (error: ServiceError | null) => resolve(error ? grpcResult(error) : { kind: "ok" }),
        );
      });
    },
    close() {
      client?.then(({ client: grpc }) => grpc.close()).catch(() => undefined);
      client = undefined;
    },
  };
}

function grpcResult(error: ServiceError): SendResult {
  const reason = `gRPC ${error.code}`;
  if (error.code === 16 || error.code === 7) return { kind: "auth", reason };
  if (error.code === 8 && /larger than|too large|max/i.test(error.details ?? ""))
    return { kind: "too-large", reason };
  if (RETRYABLE_GRPC.has(error.code)) return { kind: "retry", reason, afterMs: undefined };
  return { kind: "rejected", reason };
}
