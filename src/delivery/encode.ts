import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { OtlpProtocol } from "../config/types.js";
import { encodeLogs } from "./protobuf/logs.js";
import { encodeMetrics } from "./protobuf/metrics.js";
import { encodeTraces } from "./protobuf/traces.js";

export type Signal = "traces" | "metrics" | "logs";

/** Body encodings: protobuf serves both gRPC and http/protobuf; JSON only http/json. */
export type Encoding = "pb" | "json";

export function encodingOf(protocol: OtlpProtocol): Encoding {
  return protocol === "http/json" ? "json" : "pb";
}

/** Encodes an export batch into one OTLP request body. */
export interface Codec<T> {
  encode(items: T): Uint8Array;
  /** Halves of a batch, for a collector that refused it as too large; undefined: indivisible. */
  split(items: T): [T, T] | undefined;
  /** Items in a batch, in the unit OTLP counts rejections in (spans, log records, data points). */
  count(items: T): number;
}

/** One codec per signal. */
export interface Codecs {
  readonly traces: Codec<ReadableSpan[]>;
  readonly logs: Codec<ReadableLogRecord[]>;
  readonly metrics: Codec<ResourceMetrics>;
}

function halves<T>(items: readonly T[]): [T[], T[]] | undefined {
  if (items.length < 2) return undefined;
  const middle = Math.ceil(items.length / 2);
  return [items.slice(0, middle), items.slice(middle)];
}

const length = (items: readonly unknown[]) => items.length;

function dataPoints(metrics: ResourceMetrics): number {
  let points = 0;
  for (const scope of metrics.scopeMetrics)
    for (const metric of scope.metrics) points += metric.dataPoints.length;
  return points;
}

/** Metrics split by instrument: each half keeps the resource and its scopes. */
function splitMetrics(metrics: ResourceMetrics): [ResourceMetrics, ResourceMetrics] | undefined {
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
}

/**
 * OTLP protobuf, written by this package (`protobuf/`): the same bytes as the OpenTelemetry JS
 * exporters' serializers, without loading them (they bring the SDK packages along).
 */
export const PROTOBUF_CODECS: Codecs = {
  traces: { encode: encodeTraces, split: halves, count: length },
  logs: { encode: encodeLogs, split: halves, count: length },
  metrics: { encode: encodeMetrics, split: splitMetrics, count: dataPoints },
};

/**
 * OTLP JSON (http/json), through `@opentelemetry/otlp-transformer`'s serializers, loaded only
 * when a signal uses that protocol: JSON's protobuf mapping (hex ids, int64 as strings, enum
 * numbers) is the library's job, and the default protocol never pays for loading it.
 */
export async function loadJsonCodecs(): Promise<Codecs> {
  const { JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer } = await import(
    "@opentelemetry/otlp-transformer"
  );
  return {
    traces: {
      encode: (spans) => JsonTraceSerializer.serializeRequest(spans) ?? new Uint8Array(),
      split: halves,
      count: length,
    },
    logs: {
      encode: (logs) => JsonLogsSerializer.serializeRequest(logs) ?? new Uint8Array(),
      split: halves,
      count: length,
    },
    metrics: {
      encode: (metrics) => JsonMetricsSerializer.serializeRequest(metrics) ?? new Uint8Array(),
      split: splitMetrics,
      count: dataPoints,
    },
  };
}
