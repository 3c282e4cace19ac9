import type { Budgets } from "../budget/types.js";

/**
 * The plugin's resolved configuration: the output of `parseConfig`, frozen.
 * Every field is documented in the options table (`src/config/options.ts`), which the README shows.
 */

/** OTLP wire protocol. */
export type OtlpProtocol = "grpc" | "http/protobuf" | "http/json";

/** What the protocol setting accepts: an OTLP protocol, or `local` (the local store only). */
export type ProtocolSetting = OtlpProtocol | "local";

/** Where one signal goes. `none` disables the signal. */
export type ExporterKind = "otlp" | "console" | "none";

/** OTLP request body compression. */
export type Compression = "gzip" | "none";

/** Naming profile of metrics and log events. */
export type ProfileName = "opencode" | "claude_code";

/** `OTEL_TRACES_SAMPLER` values this plugin implements (the OTel spec's built-in samplers). */
export type SamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

/**
 * What one trace holds: a whole session (its turns nested under the session span) or one user
 * turn (rooted in an agent span; the session's own span becomes a short trace of its own).
 */
export type TraceScope = "session" | "turn";

/** What is added to the resource, metric points and log events to say who and where. */
export interface IdentityConfig {
  /** `session.id` on metric points. */
  readonly sessionId: boolean;
  /** `app.version` on metric points. */
  readonly version: boolean;
  /** `user.account_uuid` / `user.account_id` (from resource attributes) on metric points. */
  readonly accountUuid: boolean;
  /** The configured resource attributes' keys on metric points and log events. */
  readonly resourceAttributes: boolean;
  /** `vcs.*` from the `origin` remote. */
  readonly repository: boolean;
  /** `user.email` from git's configuration. */
  readonly userEmail: boolean;
  /** `host.name` on the resource. */
  readonly hostName: boolean;
}

/** Aggregation temporality preference for metrics. */
export type TemporalityPreference = "cumulative" | "delta" | "lowmemory";

/** Export settings for one signal (traces, metrics or logs). */
export interface SignalConfig {
  /** False when the signal is disabled (`OPENCODE_DISABLE_*`, `OTEL_*_EXPORTER=none`, ...). */
  readonly enabled: boolean;
  /** Also (or, with exporter `none`, only) written to the local store. */
  readonly local: boolean;
  readonly exporter: ExporterKind;
  readonly protocol: OtlpProtocol;
  /** Full URL the exporter posts to. For HTTP protocols this includes the `/v1/<signal>` path. */
  readonly endpoint: string;
  /** Static headers (helper headers are added at export time, never stored here). */
  readonly headers: Readonly<Record<string, string>>;
  /** Export request timeout in milliseconds. */
  readonly timeoutMs: number;
  readonly compression: Compression;
}

/** Which content kinds may leave the machine (all off by default). */
export interface CaptureConfig {
  /** User prompt text (`OTEL_LOG_USER_PROMPTS`). */
  readonly prompts: boolean;
  /** Tool arguments and names of things they touch (`OTEL_LOG_TOOL_DETAILS`). */
  readonly toolDetails: boolean;
  /** Assistant output text and tool output content (`OPENCODE_OTEL_CAPTURE_CONTENT`). */
  readonly content: boolean;
  /** Maximum length of one captured content value, in characters. */
  readonly maxLength: number;
}

export interface Config {
  /** Master switch (`OPENCODE_ENABLE_TELEMETRY`, `OTEL_SDK_DISABLED`). */
  readonly enabled: boolean;
  readonly serviceName: string;
  /** Resource attributes: `OTEL_RESOURCE_ATTRIBUTES` merged under `OPENCODE_RESOURCE_ATTRIBUTES`, options win. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** Attributes added to every span (`OPENCODE_SPAN_ATTRIBUTES`). */
  readonly spanAttributes: Readonly<Record<string, string>>;
  readonly traces: SignalConfig;
  readonly metrics: SignalConfig & {
    /** Export interval in milliseconds (`OPENCODE_OTLP_METRICS_INTERVAL`). */
    readonly intervalMs: number;
    readonly temporality: TemporalityPreference;
    /** Metric name prefix in the `opencode` profile (`OPENCODE_METRIC_PREFIX`, default `opencode.`). */
    readonly prefix: string;
    /** `gen_ai_latest_experimental` in `OTEL_SEMCONV_STABILITY_OPT_IN`: the latest GenAI metric names. */
    readonly genAiLatest: boolean;
  };
  /** Naming profile of metrics and log events. */
  readonly profile: ProfileName;
  /** The backend preset in effect, if any. */
  readonly preset: string | undefined;
  readonly identity: IdentityConfig;
  /** Trace sampler (`OTEL_TRACES_SAMPLER`) and its ratio (`OTEL_TRACES_SAMPLER_ARG`). */
  readonly sampler: { readonly name: SamplerName; readonly ratio: number };
  readonly logs: SignalConfig & {
    /** Batch export interval in milliseconds (`OPENCODE_OTLP_LOGS_INTERVAL`). */
    readonly intervalMs: number;
  };
  /** Span name prefix (default `opencode.`). */
  readonly spanPrefix: string;
  /** One trace per session (default) or per user turn (`OPENCODE_OTEL_TRACE_SCOPE`). */
  readonly traceScope: TraceScope;
  /** Command (argv, run without a shell) whose stdout gives extra headers (`OPENCODE_OTLP_HEADERS_HELPER`). */
  readonly headersHelper: readonly string[] | undefined;
  /** W3C parent for root session spans (`OPENCODE_TRACEPARENT` / `OPENCODE_TRACESTATE`). */
  readonly traceparent: string | undefined;
  readonly tracestate: string | undefined;
  readonly capture: CaptureConfig;
  /** Maximum length of any attribute value (`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`, default 4096). */
  readonly attributeValueLengthLimit: number;
  /** Upper bound on sessions held in memory; the least recently used is finalized beyond it. */
  readonly maxSessions: number;
  /** How long `dispose` may wait for the final flush, in milliseconds. */
  readonly shutdownTimeoutMs: number;
  /** The embedded local store (`opencode-otel report` reads it). */
  readonly local: {
    readonly enabled: boolean;
    readonly path: string;
  };
  /**
   * Spend limits: `inline` from the plugin option `budgets` (already checked; its problems are
   * warnings), else the file at `file`, read when the plugin starts.
   */
  readonly budgets: {
    readonly inline: Budgets | undefined;
    readonly file: string;
  };
  /** The on-disk outbox for exports the collector could not take. */
  readonly spool: {
    readonly enabled: boolean;
    readonly dir: string;
    readonly maxBytes: number;
  };
}

/** Result of `parseConfig`: the config and one human-readable warning per rejected input. */
export interface ParsedConfig {
  readonly config: Config;
  readonly warnings: readonly string[];
}
