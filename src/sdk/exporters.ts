import type { Metadata } from "@grpc/grpc-js";
import type { AggregationTemporalityPreference } from "@opentelemetry/exporter-metrics-otlp-http";
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { OtlpProtocol, SignalConfig, TemporalityPreference } from "../config/types.js";

/** Builds one signal's exporter for the given headers (called again after a header refresh). */
export type ExporterFactory<E> = (headers: Record<string, string>) => E;

/** What every OTLP exporter constructor here accepts (gRPC takes metadata, HTTP headers). */
interface OtlpOptions {
  readonly url: string;
  readonly timeoutMillis: number;
  readonly headers?: Record<string, string>;
  readonly metadata?: Metadata;
  readonly temporalityPreference?: AggregationTemporalityPreference;
}

type Constructor<E> = new (options: OtlpOptions) => E;
type Loaders<E> = Record<OtlpProtocol, () => Promise<Constructor<E>>>;

/**
 * Exporter modules are imported only for the protocol in use: the gRPC stack alone costs tens of
 * milliseconds to load, and opencode waits for plugin factories at startup.
 */
const TRACE_EXPORTERS: Loaders<SpanExporter> = {
  grpc: async () => (await import("@opentelemetry/exporter-trace-otlp-grpc")).OTLPTraceExporter,
  "http/json": async () =>
    (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter,
  "http/protobuf": async () =>
    (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter,
};

const LOG_EXPORTERS: Loaders<LogRecordExporter> = {
  grpc: async () => (await import("@opentelemetry/exporter-logs-otlp-grpc")).OTLPLogExporter,
  "http/json": async () => (await import("@opentelemetry/exporter-logs-otlp-http")).OTLPLogExporter,
  "http/protobuf": async () =>
    (await import("@opentelemetry/exporter-logs-otlp-proto")).OTLPLogExporter,
};

const METRIC_EXPORTERS: Loaders<PushMetricExporter> = {
  grpc: async () => (await import("@opentelemetry/exporter-metrics-otlp-grpc")).OTLPMetricExporter,
  "http/json": async () =>
    (await import("@opentelemetry/exporter-metrics-otlp-http")).OTLPMetricExporter,
  "http/protobuf": async () =>
    (await import("@opentelemetry/exporter-metrics-otlp-proto")).OTLPMetricExporter,
};

export async function traceExporterFactory(
  signal: SignalConfig,
): Promise<ExporterFactory<SpanExporter>> {
  if (signal.exporter === "console") {
    const { ConsoleSpanExporter } = await import("@opentelemetry/sdk-trace-base");
    return () => new ConsoleSpanExporter();
  }
  return otlpFactory(signal, TRACE_EXPORTERS);
}

export async function logExporterFactory(
  signal: SignalConfig,
): Promise<ExporterFactory<LogRecordExporter>> {
  if (signal.exporter === "console") {
    const { ConsoleLogRecordExporter } = await import("@opentelemetry/sdk-logs");
    return () => new ConsoleLogRecordExporter();
  }
  return otlpFactory(signal, LOG_EXPORTERS);
}

export async function metricExporterFactory(
  signal: SignalConfig,
  temporality: TemporalityPreference,
): Promise<ExporterFactory<PushMetricExporter>> {
  if (signal.exporter === "console") {
    const { ConsoleMetricExporter } = await import("@opentelemetry/sdk-metrics");
    return () => new ConsoleMetricExporter();
  }
  const { AggregationTemporalityPreference: Preference } = await import(
    "@opentelemetry/exporter-metrics-otlp-http"
  );
  const temporalityPreference =
    temporality === "delta"
      ? Preference.DELTA
      : temporality === "lowmemory"
        ? Preference.LOWMEMORY
        : Preference.CUMULATIVE;
  return otlpFactory(signal, METRIC_EXPORTERS, { temporalityPreference });
}

async function otlpFactory<E>(
  signal: SignalConfig,
  loaders: Loaders<E>,
  extra: Partial<OtlpOptions> = {},
): Promise<ExporterFactory<E>> {
  const Exporter = await loaders[signal.protocol]();
  const base = { ...extra, url: signal.endpoint, timeoutMillis: signal.timeoutMs };
  if (signal.protocol !== "grpc")
    return (headers) => new Exporter({ ...base, headers: { ...signal.headers, ...headers } });
  const { Metadata } = await import("@grpc/grpc-js");
  return (headers) => {
    const metadata = new Metadata();
    for (const [name, value] of Object.entries({ ...signal.headers, ...headers }))
      metadata.set(name.toLowerCase(), value);
    return new Exporter({ ...base, metadata });
  };
}
