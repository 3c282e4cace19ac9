import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { SignalConfig, TemporalityPreference } from "../config/types.js";

/** Builds one signal's exporter for the given headers (called again after a header refresh). */
export type ExporterFactory<E> = (headers: Record<string, string>) => E;

/**
 * Exporter modules are imported only for the protocol in use: the gRPC stack alone costs tens of
 * milliseconds to load, and opencode waits for plugin factories at startup.
 */
export async function traceExporterFactory(
  signal: SignalConfig,
): Promise<ExporterFactory<SpanExporter>> {
  if (signal.exporter === "console") {
    const { ConsoleSpanExporter } = await import("@opentelemetry/sdk-trace-base");
    return () => new ConsoleSpanExporter();
  }
  const timeoutMillis = signal.timeoutMs;
  switch (signal.protocol) {
    case "grpc": {
      const [{ OTLPTraceExporter }, metadata] = await Promise.all([
        import("@opentelemetry/exporter-trace-otlp-grpc"),
        grpcMetadata(),
      ]);
      return (headers) =>
        new OTLPTraceExporter({
          url: signal.endpoint,
          timeoutMillis,
          metadata: metadata(signal, headers),
        });
    }
    case "http/json": {
      const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
      return (headers) =>
        new OTLPTraceExporter({
          url: signal.endpoint,
          timeoutMillis,
          headers: { ...signal.headers, ...headers },
        });
    }
    case "http/protobuf": {
      const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-proto");
      return (headers) =>
        new OTLPTraceExporter({
          url: signal.endpoint,
          timeoutMillis,
          headers: { ...signal.headers, ...headers },
        });
    }
  }
}

export async function logExporterFactory(
  signal: SignalConfig,
): Promise<ExporterFactory<LogRecordExporter>> {
  if (signal.exporter === "console") {
    const { ConsoleLogRecordExporter } = await import("@opentelemetry/sdk-logs");
    return () => new ConsoleLogRecordExporter();
  }
  const timeoutMillis = signal.timeoutMs;
  switch (signal.protocol) {
    case "grpc": {
      const [{ OTLPLogExporter }, metadata] = await Promise.all([
        import("@opentelemetry/exporter-logs-otlp-grpc"),
        grpcMetadata(),
      ]);
      return (headers) =>
        new OTLPLogExporter({
          url: signal.endpoint,
          timeoutMillis,
          metadata: metadata(signal, headers),
        });
    }
    case "http/json": {
      const { OTLPLogExporter } = await import("@opentelemetry/exporter-logs-otlp-http");
      return (headers) =>
        new OTLPLogExporter({
          url: signal.endpoint,
          timeoutMillis,
          headers: { ...signal.headers, ...headers },
        });
    }
    case "http/protobuf": {
      const { OTLPLogExporter } = await import("@opentelemetry/exporter-logs-otlp-proto");
      return (headers) =>
        new OTLPLogExporter({
          url: signal.endpoint,
          timeoutMillis,
          headers: { ...signal.headers, ...headers },
        });
    }
  }
}

export async function metricExporterFactory(
  signal: SignalConfig,
  temporality: TemporalityPreference,
): Promise<ExporterFactory<PushMetricExporter>> {
  const { AggregationTemporalityPreference } = await import(
    "@opentelemetry/exporter-metrics-otlp-http"
  );
  const temporalityPreference =
    temporality === "delta"
      ? AggregationTemporalityPreference.DELTA
      : temporality === "lowmemory"
        ? AggregationTemporalityPreference.LOWMEMORY
        : AggregationTemporalityPreference.CUMULATIVE;
  if (signal.exporter === "console") {
    const { ConsoleMetricExporter } = await import("@opentelemetry/sdk-metrics");
    return () => new ConsoleMetricExporter();
  }
  const timeoutMillis = signal.timeoutMs;
  switch (signal.protocol) {
    case "grpc": {
      const [{ OTLPMetricExporter }, metadata] = await Promise.all([
        import("@opentelemetry/exporter-metrics-otlp-grpc"),
        grpcMetadata(),
      ]);
      return (headers) =>
        new OTLPMetricExporter({
          url: signal.endpoint,
          timeoutMillis,
          temporalityPreference,
          metadata: metadata(signal, headers),
        });
    }
    case "http/json": {
      const { OTLPMetricExporter } = await import("@opentelemetry/exporter-metrics-otlp-http");
      return (headers) =>
        new OTLPMetricExporter({
          url: signal.endpoint,
          timeoutMillis,
          temporalityPreference,
          headers: { ...signal.headers, ...headers },
        });
    }
    case "http/protobuf": {
      const { OTLPMetricExporter } = await import("@opentelemetry/exporter-metrics-otlp-proto");
      return (headers) =>
        new OTLPMetricExporter({
          url: signal.endpoint,
          timeoutMillis,
          temporalityPreference,
          headers: { ...signal.headers, ...headers },
        });
    }
  }
}

async function grpcMetadata() {
  const { Metadata } = await import("@grpc/grpc-js");
  return (signal: SignalConfig, headers: Record<string, string>) => {
    const metadata = new Metadata();
    for (const [name, value] of Object.entries({ ...signal.headers, ...headers }))
      metadata.set(name.toLowerCase(), value);
    return metadata;
  };
}
