/**
 * The real OTel SDK exporters, pointed at a test receiver, one per signal and transport: the
 * same packages the plugin configures, so a test can feed the receiver exactly what it would.
 */
import { Metadata } from "@grpc/grpc-js";
import { OTLPLogExporter as GrpcLogExporter } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPLogExporter as JsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as GrpcMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import {
  type AggregationTemporalityPreference,
  OTLPMetricExporter as JsonMetricExporter,
} from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as GrpcTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Receiver, Transport } from "./otlp-receiver.js";

export const transports = [
  "http/protobuf",
  "http/json",
  "grpc",
] as const satisfies readonly Transport[];

export interface ExporterOptions {
  compression?: CompressionAlgorithm;
  /** HTTP headers, or gRPC metadata for the gRPC exporters. */
  headers?: Record<string, string>;
  temporality?: AggregationTemporalityPreference;
}

function grpcMetadata(headers: Record<string, string> = {}): Metadata {
  const metadata = new Metadata();
  for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
  return metadata;
}

export function createSpanExporter(
  receiver: Receiver,
  transport: Transport,
  options: ExporterOptions = {},
): SpanExporter {
  const { compression, headers } = options;
  const url = `${receiver.httpUrl}/v1/traces`;
  switch (transport) {
    case "http/protobuf":
      return new ProtoTraceExporter({ url, compression, headers });
    case "http/json":
      return new JsonTraceExporter({ url, compression, headers });
    case "grpc":
      return new GrpcTraceExporter({
        url: receiver.grpcUrl,
        compression,
        metadata: grpcMetadata(headers),
      });
  }
}

export function createMetricExporter(
  receiver: Receiver,
  transport: Transport,
  options: ExporterOptions = {},
): PushMetricExporter {
  const { compression, headers, temporality: temporalityPreference } = options;
  const url = `${receiver.httpUrl}/v1/metrics`;
  switch (transport) {
    case "http/protobuf":
      return new ProtoMetricExporter({ url, compression, headers, temporalityPreference });
    case "http/json":
      return new JsonMetricExporter({ url, compression, headers, temporalityPreference });
    case "grpc":
      return new GrpcMetricExporter({
        url: receiver.grpcUrl,
        compression,
        metadata: grpcMetadata(headers),
        temporalityPreference,
      });
  }
}

export function createLogExporter(
  receiver: Receiver,
  transport: Transport,
  options: ExporterOptions = {},
): LogRecordExporter {
  const { compression, headers } = options;
  const url = `${receiver.httpUrl}/v1/logs`;
  switch (transport) {
    case "http/protobuf":
      return new ProtoLogExporter({ url, compression, headers });
    case "http/json":
      return new JsonLogExporter({ url, compression, headers });
    case "grpc":
      return new GrpcLogExporter({
        url: receiver.grpcUrl,
        compression,
        metadata: grpcMetadata(headers),
      });
  }
}
