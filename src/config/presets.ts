/**
 * Backend presets: what each backend's own documentation asks an OTLP exporter for. A preset only
 * supplies defaults (below every option and variable), so a user can still point it elsewhere,
 * add the credentials it needs, or turn a signal back on. No credentials live here: the README
 * says which header each backend wants.
 */
import type { ExporterKind, OtlpProtocol, TemporalityPreference } from "./types.js";

export const PRESET_NAMES = [
  "langfuse",
  "phoenix",
  "datadog",
  "honeycomb",
  "signoz",
  "grafana",
  "jaeger",
] as const;

export type PresetName = (typeof PRESET_NAMES)[number];

type PerSignal<T> = { readonly traces: T; readonly metrics: T; readonly logs: T };

export interface Preset {
  readonly protocol: OtlpProtocol;
  /** Base URL; HTTP protocols append `/v1/<signal>`. */
  readonly endpoint: string;
  /** Signals the backend does not take are `none`. */
  readonly exporter: PerSignal<ExporterKind>;
  /** Non-secret headers the backend wants, per signal. */
  readonly headers: PerSignal<Readonly<Record<string, string>>>;
  readonly temporality: TemporalityPreference;
  /** The backend documentation these values come from. */
  readonly docs: string;
}

const all = <T>(value: T): PerSignal<T> => ({ traces: value, metrics: value, logs: value });
const tracesOnly: PerSignal<ExporterKind> = { traces: "otlp", metrics: "none", logs: "none" };
const none: Readonly<Record<string, string>> = {};

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  // OTLP/HTTP only (no gRPC), traces only; `x-langfuse-ingestion-version: 4` asks for the
  // real-time ingestion path that direct OTLP exporters are told to use.
  langfuse: {
    protocol: "http/protobuf",
    endpoint: "https://cloud.langfuse.com/api/public/otel",
    exporter: tracesOnly,
    headers: { traces: { "x-langfuse-ingestion-version": "4" }, metrics: none, logs: none },
    temporality: "cumulative",
    docs: "https://langfuse.com/integrations/native/opentelemetry",
  },
  // Phoenix's collector takes OTLP traces on its HTTP port 6006 (`/v1/traces`) and gRPC 4317.
  phoenix: {
    protocol: "http/protobuf",
    endpoint: "http://localhost:6006",
    exporter: tracesOnly,
    headers: all(none),
    temporality: "cumulative",
    docs: "https://arize.com/docs/phoenix/tracing/how-to-tracing/setup-tracing",
  },
  // LLM Observability takes OTLP/HTTP protobuf traces marked `dd-otlp-source: llmobs`; Datadog's
  // OTLP metrics intake wants delta temporality.
  datadog: {
    protocol: "http/protobuf",
    endpoint: "https://otlp.datadoghq.com",
    exporter: all("otlp"),
    headers: { traces: { "dd-otlp-source": "llmobs" }, metrics: none, logs: none },
    temporality: "delta",
    docs: "https://docs.datadoghq.com/llm_observability/instrumentation/otel_instrumentation",
  },
  honeycomb: {
    protocol: "http/protobuf",
    endpoint: "https://api.honeycomb.io",
    exporter: all("otlp"),
    headers: all(none),
    temporality: "cumulative",
    docs: "https://docs.honeycomb.io/send-data/opentelemetry/",
  },
  signoz: {
    protocol: "http/protobuf",
    endpoint: "https://ingest.us.signoz.cloud:443",
    exporter: all("otlp"),
    headers: all(none),
    temporality: "cumulative",
    docs: "https://signoz.io/docs/opencode-observability/",
  },
  // Grafana Alloy / the Collector on this machine, or the Grafana Cloud OTLP gateway (set its
  // URL): Loki and Mimir take OTLP over HTTP only, and Mimir wants cumulative sums.
  grafana: {
    protocol: "http/protobuf",
    endpoint: "http://localhost:4318",
    exporter: all("otlp"),
    headers: all(none),
    temporality: "cumulative",
    docs: "https://grafana.com/docs/grafana-cloud/send-data/otlp/send-data-otlp/",
  },
  // Jaeger stores traces only; it takes OTLP on 4317 (gRPC) and 4318 (HTTP).
  jaeger: {
    protocol: "grpc",
    endpoint: "http://localhost:4317",
    exporter: tracesOnly,
    headers: all(none),
    temporality: "cumulative",
    docs: "https://www.jaegertracing.io/docs/latest/apis/#opentelemetry-protocol",
  },
};
