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
  // OTLP/HTTP only (no gRPC), traces only, at `<host>/api/public/otel` (EU cloud; US, Japan and
  // HIPAA have their own hosts, self-hosted `http://<host>:3000/api/public/otel`), so traces post
  // to `/api/public/otel/v1/traces`. `x-langfuse-ingestion-version: 4` asks for the real-time
  // ingestion path that direct OTLP exporters are told to send; the user adds
  // `Authorization: Basic base64(public key:secret key)`.
  // https://langfuse.com/integrations/native/opentelemetry
  langfuse: {
    protocol: "http/protobuf",
    endpoint: "https://cloud.langfuse.com/api/public/otel",
    exporter: tracesOnly,
    headers: { traces: { "x-langfuse-ingestion-version": "4" }, metrics: none, logs: none },
    temporality: "cumulative",
    docs: "https://langfuse.com/integrations/native/opentelemetry",
  },
  // Phoenix takes OTLP traces over HTTP on its UI port (`http://localhost:6006/v1/traces`) and
  // over gRPC on 4317; Phoenix Cloud takes HTTP only. With authentication on, the user adds
  // `authorization: Bearer <API key>`.
  // https://arize.com/docs/phoenix/resources/frequently-asked-questions/what-is-my-phoenix-endpoint
  phoenix: {
    protocol: "http/protobuf",
    endpoint: "http://localhost:6006",
    exporter: tracesOnly,
    headers: all(none),
    temporality: "cumulative",
    docs: "https://arize.com/docs/phoenix/resources/frequently-asked-questions/what-is-my-phoenix-endpoint",
  },
  // Datadog's agentless OTLP intake: one host per site, `https://otlp.<site>/v1/traces`,
  // `/v1/metrics` and `/v1/logs` (US1 `otlp.datadoghq.com`, EU `otlp.datadoghq.eu`, US3
  // `otlp.us3.datadoghq.com`, ...: the docs' region table, `otlp_trace_endpoint`,
  // `otlp_metrics_endpoint`, `otlp_logs_endpoint`), http/protobuf, `dd-api-key` from the user.
  // Traces marked `dd-otlp-source: llmobs` go to LLM Observability (GenAI conventions 1.37+).
  // The metrics intake accepts delta temporality only.
  // https://docs.datadoghq.com/llm_observability/instrumentation/otel_instrumentation
  // https://docs.datadoghq.com/opentelemetry/setup/otlp_ingest/metrics/
  // https://docs.datadoghq.com/opentelemetry/setup/otlp_ingest/logs/
  datadog: {
    protocol: "http/protobuf",
    endpoint: "https://otlp.datadoghq.com",
    exporter: all("otlp"),
    headers: { traces: { "dd-otlp-source": "llmobs" }, metrics: none, logs: none },
    temporality: "delta",
    docs: "https://docs.datadoghq.com/llm_observability/instrumentation/otel_instrumentation",
  },
  // `api.honeycomb.io:443` (EU `api.eu1.honeycomb.io`), every signal, `x-honeycomb-team` from
  // the user. Metrics need an `x-honeycomb-dataset` header or they land in `unknown_metrics`:
  // the preset names one, which the user's own header of that name replaces.
  // https://docs.honeycomb.io/send-data/metrics/application
  honeycomb: {
    protocol: "http/protobuf",
    endpoint: "https://api.honeycomb.io",
    exporter: all("otlp"),
    headers: { traces: none, metrics: { "x-honeycomb-dataset": "opencode-metrics" }, logs: none },
    temporality: "cumulative",
    docs: "https://docs.honeycomb.io/send-data/metrics/application",
  },
  // SigNoz Cloud: `https://ingest.<region>.signoz.cloud:443` (us, eu, in) for OTLP/HTTP and gRPC,
  // `signoz-ingestion-key` from the user; self-hosted `http://<host>:4318` without a key.
  // https://signoz.io/docs/ingestion/signoz-cloud/overview/
  signoz: {
    protocol: "http/protobuf",
    endpoint: "https://ingest.us.signoz.cloud:443",
    exporter: all("otlp"),
    headers: all(none),
    temporality: "cumulative",
    docs: "https://signoz.io/docs/ingestion/signoz-cloud/overview/",
  },
  // Grafana Alloy / the Collector on this machine, or the Grafana Cloud OTLP gateway (set its
  // URL, `https://otlp-gateway-<zone>.grafana.net/otlp`, and `Authorization: Basic
  // base64(instance id:token)`): Loki and Mimir take OTLP over HTTP only, and Mimir wants
  // cumulative sums.
  // https://grafana.com/docs/grafana-cloud/send-data/otlp/send-data-otlp/
  grafana: {
    protocol: "http/protobuf",
    endpoint: "http://localhost:4318",
    exporter: all("otlp"),
    headers: all(none),
    temporality: "cumulative",
    docs: "https://grafana.com/docs/grafana-cloud/send-data/otlp/send-data-otlp/",
  },
  // Jaeger stores traces only; it takes OTLP on 4317 (gRPC) and 4318 (HTTP).
  // https://www.jaegertracing.io/docs/latest/apis/#opentelemetry-protocol
  jaeger: {
    protocol: "grpc",
    endpoint: "http://localhost:4317",
    exporter: tracesOnly,
    headers: all(none),
    temporality: "cumulative",
    docs: "https://www.jaegertracing.io/docs/latest/apis/#opentelemetry-protocol",
  },
};
