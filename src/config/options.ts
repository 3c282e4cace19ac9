/**
 * The options table: every setting the plugin reads, once. `parseConfig` resolves values from it
 * and `renderOptionsTable` documents it, so the README cannot drift from the code.
 */
import { PRESET_NAMES, type PresetName } from "./presets.js";
import type {
  Compression,
  ExporterKind,
  ProfileName,
  ProtocolSetting,
  SamplerName,
  TemporalityPreference,
  TraceScope,
} from "./types.js";
import {
  booleanType,
  commandType,
  enumType,
  integerType,
  objectType,
  ratioType,
  type StringMap,
  stringMapType,
  stringType,
  traceparentType,
  tracestateType,
  urlType,
  type ValueType,
} from "./value-types.js";

/** The three OTLP signals. */
export type Signal = "traces" | "metrics" | "logs";

/** All signals, in the order the docs list them. */
export const SIGNALS: readonly Signal[] = ["traces", "metrics", "logs"];

/** Stands for `TRACES`, `METRICS` or `LOGS` in per-signal variable names. */
export const SIGNAL_PLACEHOLDER = "{SIGNAL}";

/** One setting and every place it can come from. */
export interface OptionSpec<T> {
  /** Plugin option key from opencode.json; dotted for nested keys (`capture.prompts`). Undefined: environment only. */
  readonly option: string | undefined;
  /** `OPENCODE_*` variables, highest precedence first. */
  readonly env: readonly string[];
  /** `OTEL_*` variables, highest precedence first (per-signal before general, as the OTel spec says). */
  readonly otelEnv: readonly string[];
  readonly type: ValueType<T>;
  readonly default: T;
  /** How the default reads in the docs when it is computed rather than fixed. */
  readonly defaultDoc?: string;
  /** One line for the docs (Markdown). */
  readonly description: string;
}

// Each entry goes through `option` so its value type is checked against its default.
function option<T>(spec: OptionSpec<T>): OptionSpec<T> {
  return spec;
}

const durationMs = integerType("ms");
const count = integerType("count");
const keyValues = stringMapType("attributes");
const noEntries: StringMap = {};

/**
 * Every option. Precedence, written once in `resolve.ts`: plugin option > `OPENCODE_*` > `OTEL_*`
 * > default. Maps (headers, attributes) merge across sources, key by key, in the same order.
 */
export const OPTIONS = {
  enabled: option<boolean>({
    option: "enabled",
    env: ["OPENCODE_ENABLE_TELEMETRY"],
    otelEnv: [],
    type: booleanType,
    default: false,
    description: "Master switch: nothing is exported unless this is true.",
  }),
  sdkDisabled: option<boolean>({
    option: undefined,
    env: [],
    otelEnv: ["OTEL_SDK_DISABLED"],
    type: booleanType,
    default: false,
    description:
      "Standard OTel kill switch: true turns telemetry off even when `OPENCODE_ENABLE_TELEMETRY` is set; only the option `enabled: true` overrides it.",
  }),
  serviceName: option<string>({
    option: "serviceName",
    env: [],
    otelEnv: ["OTEL_SERVICE_NAME"],
    type: stringType({ allowEmpty: false }),
    default: "opencode",
    defaultDoc: "`opencode`; `claude-code` in the `claude_code` profile",
    description:
      "`service.name` resource attribute; a `service.name` in the resource attributes is used when this is unset.",
  }),
  resourceAttributes: option<StringMap>({
    option: "resourceAttributes",
    env: ["OPENCODE_RESOURCE_ATTRIBUTES"],
    otelEnv: ["OTEL_RESOURCE_ATTRIBUTES"],
    type: keyValues,
    default: noEntries,
    description: "Extra resource attributes, percent-decoded; merged key by key across sources.",
  }),
  endpoint: option<string>({
    option: "endpoint",
    env: ["OPENCODE_OTLP_ENDPOINT"],
    otelEnv: ["OTEL_EXPORTER_OTLP_{SIGNAL}_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"],
    type: urlType,
    default: "http://localhost:4317",
    defaultDoc: "`http://localhost:4317` (grpc), `http://localhost:4318` (http)",
    description:
      "Collector base URL. HTTP protocols append `/v1/traces`, `/v1/metrics` or `/v1/logs`, except to the per-signal variables, which are used as is.",
  }),
  protocol: option<ProtocolSetting>({
    option: "protocol",
    env: ["OPENCODE_OTLP_PROTOCOL"],
    otelEnv: ["OTEL_EXPORTER_OTLP_{SIGNAL}_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"],
    type: enumType<ProtocolSetting>({
      values: ["grpc", "http/protobuf", "http/json", "local"],
      aliases: { http: "http/protobuf" },
    }),
    default: "grpc",
    description:
      "OTLP transport (`http` means `http/protobuf`). The default is `grpc`, as in the established opencode OTel plugin; the OTel spec's default is `http/protobuf`. `local` sends nothing over the network and writes only to the local store (see `local`).",
  }),
  local: option<boolean>({
    option: "local",
    env: ["OPENCODE_OTEL_LOCAL"],
    otelEnv: [],
    type: booleanType,
    default: false,
    description:
      "Also writes every span, log event and metric point to the local store that `opencode-otel report` reads, next to any OTLP endpoint.",
  }),
  storePath: option<string>({
    option: "storePath",
    env: ["OPENCODE_OTEL_STORE"],
    otelEnv: [],
    type: stringType({ allowEmpty: true }),
    default: "",
    defaultDoc:
      "`$XDG_DATA_HOME/opencode-otel/telemetry.db` (`~/.local/share/...`); macOS `~/Library/Application Support/...`; Windows `%LOCALAPPDATA%\\...`",
    description:
      "The local store's database file (shared by every opencode process and the CLI, which use the same default). An absolute path: a relative one is refused with a warning, since it would land inside each project. Without an absolute `HOME` or `XDG_DATA_HOME` there is no default and the store is off.",
  }),
  budgets: option<Readonly<Record<string, unknown>> | undefined>({
    option: "budgets",
    env: [],
    otelEnv: [],
    type: objectType,
    default: undefined,
    defaultDoc: "unset: the budgets file",
    description:
      "Spend limits (daily, weekly, monthly, per session; in USD or tokens; optionally per project), as in the budgets file (see [Budgets](#budgets)); given here, the file is not read.",
  }),
  budgetsFile: option<string>({
    option: "budgetsFile",
    env: ["OPENCODE_OTEL_BUDGETS_FILE"],
    otelEnv: [],
    type: stringType({ allowEmpty: true }),
    default: "",
    defaultDoc: "`$XDG_CONFIG_HOME/opencode-otel/budgets.json` (`~/.config/...`)",
    description:
      "The budgets file, shared with `opencode-otel budget` and `statusline`; a missing file means no budgets.",
  }),
  headers: option<StringMap>({
    option: "headers",
    env: ["OPENCODE_OTLP_HEADERS"],
    otelEnv: ["OTEL_EXPORTER_OTLP_{SIGNAL}_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"],
    type: stringMapType("headers"),
    default: noEntries,
    description:
      "Export request headers, percent-decoded, names lower-cased; merged key by key across sources. Values never appear in logs.",
  }),
  headersHelper: option<readonly string[] | undefined>({
    option: "headersHelper",
    env: ["OPENCODE_OTLP_HEADERS_HELPER"],
    otelEnv: [],
    type: commandType,
    default: undefined,
    description:
      "Command (run without a shell; quotes group words) whose output supplies extra headers at export time, e.g. short-lived tokens.",
  }),
  timeoutMs: option<number>({
    option: "timeoutMs",
    env: [],
    otelEnv: ["OTEL_EXPORTER_OTLP_{SIGNAL}_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"],
    type: durationMs,
    default: 10_000,
    description: "Export request timeout.",
  }),
  compression: option<Compression>({
    option: "compression",
    env: ["OPENCODE_OTLP_COMPRESSION"],
    otelEnv: ["OTEL_EXPORTER_OTLP_{SIGNAL}_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"],
    type: enumType<Compression>({ values: ["gzip", "none"] }),
    default: "gzip",
    description:
      "Request body compression. gzip (the default) makes a turn's telemetry about a quarter of its size on the wire.",
  }),
  exporter: option<ExporterKind>({
    option: undefined,
    env: [],
    otelEnv: ["OTEL_{SIGNAL}_EXPORTER"],
    type: enumType<ExporterKind>({ values: ["otlp", "console", "none"], firstOfList: true }),
    default: "otlp",
    description:
      "Where a signal goes; only the first entry of a list is used. `none` turns the signal off.",
  }),
  disableTraces: option<boolean>({
    option: "disableTraces",
    env: ["OPENCODE_DISABLE_TRACES"],
    otelEnv: [],
    type: booleanType,
    default: false,
    description: "Turns traces off.",
  }),
  disableMetrics: option<boolean>({
    option: "disableMetrics",
    env: ["OPENCODE_DISABLE_METRICS"],
    otelEnv: [],
    type: booleanType,
    default: false,
    description: "Turns metrics off.",
  }),
  disableLogs: option<boolean>({
    option: "disableLogs",
    env: ["OPENCODE_DISABLE_LOGS"],
    otelEnv: [],
    type: booleanType,
    default: false,
    description: "Turns log events off.",
  }),
  metricsInterval: option<number>({
    option: "metricsInterval",
    env: ["OPENCODE_OTLP_METRICS_INTERVAL"],
    otelEnv: ["OTEL_METRIC_EXPORT_INTERVAL"],
    type: durationMs,
    default: 60_000,
    description: "Metrics export interval.",
  }),
  metricsTemporality: option<TemporalityPreference>({
    option: "metricsTemporality",
    env: ["OPENCODE_OTLP_METRICS_TEMPORALITY"],
    otelEnv: ["OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"],
    type: enumType<TemporalityPreference>({ values: ["cumulative", "delta", "lowmemory"] }),
    default: "cumulative",
    description: "Metrics aggregation temporality preference.",
  }),
  preset: option<PresetName | undefined>({
    option: "preset",
    env: ["OPENCODE_OTEL_PRESET"],
    otelEnv: [],
    type: enumType<PresetName>({ values: PRESET_NAMES }),
    default: undefined,
    description:
      "Backend preset: its protocol, endpoint, per-signal headers, temporality and signals become the defaults that every other setting still overrides (see [Backends](#backends)).",
  }),
  profile: option<ProfileName | undefined>({
    option: "profile",
    env: ["OPENCODE_OTEL_PROFILE"],
    otelEnv: [],
    type: enumType<ProfileName>({ values: ["opencode", "claude_code"] }),
    default: undefined,
    defaultDoc: "`opencode`; `claude_code` when the metric prefix is `claude_code.`",
    description:
      "Naming profile: `opencode` (the established opencode plugin's names and units) or `claude_code` (Claude Code's metric and event names, units, attributes and defaults, so its public dashboards work unchanged).",
  }),
  metricPrefix: option<string>({
    option: "metricPrefix",
    env: ["OPENCODE_METRIC_PREFIX"],
    otelEnv: [],
    // The prefix starts every instrument name, so it must satisfy the OTel instrument-name syntax.
    type: stringType({
      allowEmpty: true,
      pattern: {
        regex: /^[A-Za-z][A-Za-z0-9_.\-/]{0,200}$/,
        expected: "expected a letter followed by letters, digits, _ . - or /",
      },
    }),
    default: "opencode.",
    description:
      "Prefix of metric and event names in the `opencode` profile; `claude_code.` selects the `claude_code` profile.",
  }),
  includeSessionId: option<boolean | undefined>({
    option: "includeSessionId",
    env: [],
    otelEnv: ["OTEL_METRICS_INCLUDE_SESSION_ID"],
    type: booleanType,
    default: undefined,
    defaultDoc: "`false`; `true` in the `claude_code` profile",
    description:
      "Puts `session.id` on metric points (one series per session: costly with cumulative temporality).",
  }),
  includeVersion: option<boolean>({
    option: "includeVersion",
    env: [],
    otelEnv: ["OTEL_METRICS_INCLUDE_VERSION"],
    type: booleanType,
    default: false,
    description: "Puts `app.version` (opencode's version) on metric points.",
  }),
  includeAccountUuid: option<boolean>({
    option: "includeAccountUuid",
    env: [],
    otelEnv: ["OTEL_METRICS_INCLUDE_ACCOUNT_UUID"],
    type: booleanType,
    default: true,
    description:
      "Keeps `user.account_uuid` and `user.account_id` on metric points when they are given as resource attributes (opencode has no account of its own).",
  }),
  includeResourceAttributes: option<boolean>({
    option: "includeResourceAttributes",
    env: [],
    otelEnv: ["OTEL_METRICS_INCLUDE_RESOURCE_ATTRIBUTES"],
    type: booleanType,
    default: true,
    description:
      "Copies the keys of the configured resource attributes (`OTEL_RESOURCE_ATTRIBUTES`, ...) onto metric points and log events, so Prometheus-style backends can group by them.",
  }),
  includeRepository: option<boolean>({
    option: "includeRepository",
    env: [],
    otelEnv: ["OTEL_METRICS_INCLUDE_REPOSITORY"],
    type: booleanType,
    default: false,
    description:
      "Adds `vcs.repository.url.full`, `vcs.owner.name`, `vcs.repository.name` and `vcs.provider.name` from the project's `origin` remote (credentials removed) to the resource, metric points and log events.",
  }),
  includeUserEmail: option<boolean>({
    option: "includeUserEmail",
    env: ["OPENCODE_OTEL_INCLUDE_USER_EMAIL"],
    otelEnv: [],
    type: booleanType,
    default: false,
    description:
      "Adds `user.email` from git's `user.email` setting (the project's `.git/config`, else `~/.gitconfig`) to the resource, metric points and log events.",
  }),
  includeHostName: option<boolean>({
    option: "includeHostName",
    env: ["OPENCODE_OTEL_INCLUDE_HOST_NAME"],
    otelEnv: [],
    type: booleanType,
    default: false,
    description: "Adds `host.name` to the resource.",
  }),
  semconvStabilityOptIn: option<string>({
    option: "semconvStabilityOptIn",
    env: [],
    otelEnv: ["OTEL_SEMCONV_STABILITY_OPT_IN"],
    type: stringType({ allowEmpty: true }),
    default: "",
    defaultDoc: "unset",
    description:
      "Comma list; `gen_ai_latest_experimental` switches the GenAI metrics to the latest conventions (`gen_ai.client.inference.*`) instead of the v1.41 `gen_ai.client.token.usage` and `gen_ai.client.operation.duration`.",
  }),
  sampler: option<SamplerName>({
    option: "sampler",
    env: [],
    otelEnv: ["OTEL_TRACES_SAMPLER"],
    type: enumType<SamplerName>({
      values: [
        "always_on",
        "always_off",
        "traceidratio",
        "parentbased_always_on",
        "parentbased_always_off",
        "parentbased_traceidratio",
      ],
    }),
    default: "parentbased_always_on",
    description:
      "Trace sampler, as the OTel spec defines it. The trace id comes from the session id, so `traceidratio` keeps or drops a whole session, in every process that touches it.",
  }),
  samplerArg: option<number>({
    option: "samplerArg",
    env: [],
    otelEnv: ["OTEL_TRACES_SAMPLER_ARG"],
    type: ratioType,
    default: 1,
    description: "Sampling ratio for the `traceidratio` samplers, from 0 to 1.",
  }),
  logsInterval: option<number>({
    option: "logsInterval",
    env: ["OPENCODE_OTLP_LOGS_INTERVAL"],
    otelEnv: ["OTEL_BLRP_SCHEDULE_DELAY"],
    type: durationMs,
    default: 5_000,
    description: "Log events batch export delay.",
  }),
  spanPrefix: option<string>({
    option: "spanPrefix",
    env: ["OPENCODE_OTEL_SPAN_PREFIX"],
    otelEnv: [],
    type: stringType({ allowEmpty: true }),
    default: "opencode.",
    description: "Prefix of every span name (`opencode.session`, `opencode.turn`, ...).",
  }),
  traceScope: option<TraceScope>({
    option: "traceScope",
    env: ["OPENCODE_OTEL_TRACE_SCOPE"],
    otelEnv: [],
    type: enumType<TraceScope>({ values: ["session", "turn"] }),
    default: "session",
    description:
      "What one trace holds: `session` (a session and all its turns, under a `session.start` root exported at the first prompt) or `turn` (one trace per user turn, rooted in an agent span with the prompt and reply, linked to the previous turn and to the session, whose totals come as a short trace of their own when it ends). See [Trace scope](#trace-scope).",
  }),
  spanAttributes: option<StringMap>({
    option: "spanAttributes",
    env: ["OPENCODE_SPAN_ATTRIBUTES"],
    otelEnv: [],
    type: keyValues,
    default: noEntries,
    description:
      "Attributes added to every span, percent-decoded; merged key by key across sources.",
  }),
  traceparent: option<string | undefined>({
    option: "traceparent",
    env: ["OPENCODE_TRACEPARENT"],
    otelEnv: [],
    type: traceparentType,
    default: undefined,
    description: "W3C parent of root session spans, to nest opencode runs in a CI or script trace.",
  }),
  tracestate: option<string | undefined>({
    option: "tracestate",
    env: ["OPENCODE_TRACESTATE"],
    otelEnv: [],
    type: tracestateType,
    default: undefined,
    description: "W3C tracestate sent with `traceparent`; ignored without a valid `traceparent`.",
  }),
  capturePrompts: option<boolean>({
    option: "capture.prompts",
    env: [],
    otelEnv: ["OTEL_LOG_USER_PROMPTS"],
    type: booleanType,
    default: false,
    description:
      "Exports user prompt text, and the session titles opencode writes from them (truncated, redacted).",
  }),
  captureToolDetails: option<boolean>({
    option: "capture.toolDetails",
    env: [],
    otelEnv: ["OTEL_LOG_TOOL_DETAILS"],
    type: booleanType,
    default: false,
    description: "Exports tool arguments (truncated, redacted).",
  }),
  captureContent: option<boolean>({
    option: "capture.content",
    env: ["OPENCODE_OTEL_CAPTURE_CONTENT"],
    otelEnv: [],
    type: booleanType,
    default: false,
    description: "Exports assistant output and tool output (truncated, redacted).",
  }),
  captureMaxLength: option<number>({
    option: "capture.maxLength",
    env: ["OPENCODE_OTEL_CONTENT_MAX_LENGTH"],
    otelEnv: [],
    type: count,
    default: 2048,
    description:
      "Maximum characters of one captured content value; longer values are cut with a marker.",
  }),
  attributeValueLengthLimit: option<number>({
    option: "attributeValueLengthLimit",
    env: [],
    otelEnv: ["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"],
    type: count,
    default: 4096,
    description:
      "Maximum length of any attribute value, so one huge value cannot get a whole batch rejected.",
  }),
  maxSessions: option<number>({
    option: "maxSessions",
    env: ["OPENCODE_OTEL_MAX_SESSIONS"],
    otelEnv: [],
    type: count,
    default: 1000,
    description: "Sessions kept in memory; beyond this the least recently used one is finalized.",
  }),
  spool: option<boolean>({
    option: "spool",
    env: ["OPENCODE_OTEL_SPOOL"],
    otelEnv: [],
    type: booleanType,
    default: true,
    description:
      "Keeps exports the collector could not take in an on-disk spool and resends them, in order, when it is back (also after an opencode restart).",
  }),
  spoolDir: option<string>({
    option: "spoolDir",
    env: ["OPENCODE_OTEL_SPOOL_DIR"],
    otelEnv: [],
    type: stringType({ allowEmpty: true }),
    default: "",
    defaultDoc: "`$XDG_STATE_HOME/opencode-otel/spool` (`~/.local/state/...`)",
    description:
      "Where the spool lives; several opencode processes of one user may share it. It must be the user's own and writable by nobody else, and an absolute path (a relative one is refused with a warning). Without an absolute `HOME` or `XDG_STATE_HOME` there is no default and the spool is off.",
  }),
  spoolMaxMb: option<number>({
    option: "spoolMaxMb",
    env: ["OPENCODE_OTEL_SPOOL_MAX_MB"],
    otelEnv: [],
    type: count,
    default: 64,
    description:
      "Spool size limit in MiB; beyond it the oldest exports are dropped, counted and reported.",
  }),
  shutdownTimeoutMs: option<number>({
    option: "shutdownTimeoutMs",
    env: ["OPENCODE_OTEL_SHUTDOWN_TIMEOUT"],
    otelEnv: [],
    type: durationMs,
    default: 5_000,
    description: "How long `dispose` waits for the final flush.",
  }),
};

/** The table as a list, in documentation order. */
export const OPTION_LIST: readonly OptionSpec<unknown>[] = Object.values(OPTIONS);
