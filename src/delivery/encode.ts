import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { OtlpProtocol } from "../config/types.js";

export type Signal = "traces" | "metrics" | "logs";

/** Body encodings: protobuf serves both gRPC and http/protobuf; JSON only http/json. */
export type Encoding = "pb" | "json";

export function encodingOf(protocol: OtlpProtocol): Encoding {
  return protocol === "http/json" ? "json" : "pb";
}

/** Encodes an export batch into one OTLP request body (the SDK's own serializers). */
export interface Codec<T> {
  encode(items: T): Uint8Array;
  /** Halves of a batch, for a collector that refused it as too large; undefined: indivisible. */
  split(items: T): [T, T] | undefined;
}

function halves<T>(items: readonly T[]): [T[], T[]] | undefined {
  if (items.length < 2) return undefined;
  const middle = Math.ceil(items.length / 2);
  return [items.slice(0, middle), items.slice(middle)];
}

export function spanCodec(encoding: Encoding): Codec<ReadableSpan[]> {
  const serializer = encoding === "json" ? JsonTraceSerializer : ProtobufTraceSerializer;
  return {
    encode: (spans) => serializer.serializeRequest(spans) ?? new Uint8Array(),
    split: halves,
  };
}

export function logCodec(encoding: Encoding): Codec<ReadableLogRecord[]> {
  const serializer = encoding === "json" ? JsonLogsSerializer : ProtobufLogsSerializer;
  return { encode: (logs) => serializer.serializeRequest(logs) ?? new Uint8Array(), split: halves };
}

export function metricCodec(encoding: Encoding): Codec<ResourceMetrics> {
  const serializer = encoding === "json" ? JsonMetricsSerializer : ProtobufMetricsSerializer;
  return {
    encode: (metrics) => serializer.serializeRequest(metrics) ?? new Uint8Array(),
    split(metrics) {
      // Metrics split by instrument: each half keeps the resource and its scopes.
      const all = metrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.map((metric) => ({ scope: scope.scope, metric })),
      );
      const parts = halves(all);
      if (!parts) return undefined;
      const build = (part: typeof all): ResourceMetrics => ({
        resource: metrics.resource,
        scopeMetrics: part.map(({ scope, metric }) => ({ scope, metrics: [metric] })),
      });
      return [build(parts[0]), build(parts[1])];
    },
  };
}
