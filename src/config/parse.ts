/**
 * `parseConfig`: the one place where environment variables and plugin options become a `Config`.
 * Pure (reads only its input), never throws, and returns a deep-frozen result.
 */
import { parseBudgets } from "../budget/parse.js";
import { defaultBudgetsPath } from "../budget/paths.js";
import { storePathFor } from "../store/store-path.js";
import { absolutePath as absolute, homeFolder, xdgFolder } from "./folders.js";
import { deepFreeze } from "./freeze.js";
import { OPTIONS, type Signal } from "./options.js";
import { readPluginOptions } from "./plugin-options.js";
import { PRESETS, type Preset } from "./presets.js";
import { createResolver, isPerSignal, type Resolver } from "./resolve.js";
import type {
  Config,
  IdentityConfig,
  OtlpProtocol,
  ParsedConfig,
  ProfileName,
  SignalConfig,
} from "./types.js";
import type { StringMap } from "./value-types.js";

/** What `parseConfig` reads: an environment (pass `process.env`) and the opencode.json plugin options. */
export interface ConfigInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly options?: unknown;
  /** `process.platform`, for the default store path; `linux` rules when absent. */
  readonly platform?: string;
  /** The user's home folder (`os.homedir()`); `$HOME` or `%USERPROFILE%` when absent. */
  readonly home?: string;
}

/**
 * Resolves the plugin's configuration. Every rejected input yields one warning (naming the
 * variable or option, the bad value unless it may hold credentials, and the value used instead)
 * and falls back to the safe default; nothing here throws.
 */
export function parseConfig(input: ConfigInput): ParsedConfig {
  try {
    return deepFreeze(build(input));
  } catch (error) {
    // Unreachable with plain data; here for hosts that pass exotic objects (throwing getters,
    // proxies). Telemetry off is the safe answer. The error text is not shown: it may quote input.
    const name = error instanceof Error ? error.name : typeof error;
    const { config } = build({ env: {} });
    return deepFreeze({
      config,
      warnings: [`Configuration could not be read (${name}); telemetry is disabled.`],
    });
  }
}

function build(input: ConfigInput): ParsedConfig {
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
  };
  const options = readPluginOptions(input.options, warn);
  const r = createResolver({ env: input.env, options, warn });

  const enabled = resolveEnabled(r);
  const presetName = r.first(OPTIONS.preset).value;
  const preset = presetName ? PRESETS[presetName] : undefined;
  const prefix = r.first(OPTIONS.metricPrefix).value;
  const profile: ProfileName =
    r.first(OPTIONS.profile).value ?? (prefix === "claude_code." ? "claude_code" : "opencode");
  const resourceAttributes = merge(r.layers(OPTIONS.resourceAttributes));
  const serviceName = resolveServiceName(r, resourceAttributes, profile);
  const traceparent = r.first(OPTIONS.traceparent).value;

  const config: Config = {
    enabled,
    serviceName,
    // Kept equal to serviceName so the resource is the same whichever of the two a consumer applies last.
    resourceAttributes: { ...resourceAttributes, "service.name": serviceName },
    spanAttributes: merge(r.layers(OPTIONS.spanAttributes)),
    traces: resolveSignal(r, "traces", enabled, preset),
    metrics: {
      ...resolveSignal(r, "metrics", enabled, preset),
      intervalMs: r.first(OPTIONS.metricsInterval).value,
      temporality: r.first(OPTIONS.metricsTemporality, { fallback: preset?.temporality }).value,
      prefix,
      genAiLatest: r
        .first(OPTIONS.semconvStabilityOptIn)
        .value.split(",")
        .some((entry) => entry.trim() === "gen_ai_latest_experimental"),
    },
    profile,
    preset: presetName,
    identity: resolveIdentity(r, profile),
    sampler: { name: r.first(OPTIONS.sampler).value, ratio: r.first(OPTIONS.samplerArg).value },
    logs: {
      ...resolveSignal(r, "logs", enabled, preset),
      intervalMs: r.first(OPTIONS.logsInterval).value,
    },
    spanPrefix: r.first(OPTIONS.spanPrefix).value,
    traceScope: r.first(OPTIONS.traceScope).value,
    headersHelper: r.first(OPTIONS.headersHelper).value,
    traceparent,
    tracestate: resolveTracestate(r, traceparent, warn),
    capture: {
      prompts: r.first(OPTIONS.capturePrompts).value,
      toolDetails: r.first(OPTIONS.captureToolDetails).value,
      content: r.first(OPTIONS.captureContent).value,
      maxLength: r.first(OPTIONS.captureMaxLength).value,
    },
    attributeValueLengthLimit: r.first(OPTIONS.attributeValueLengthLimit).value,
    maxSessions: r.first(OPTIONS.maxSessions).value,
    shutdownTimeoutMs: r.first(OPTIONS.shutdownTimeoutMs).value,
    local: resolveLocal(r, input, warn),
    budgets: resolveBudgets(r, input.env, warn),
    spool: resolveSpool(r, input.env, warn),
  };
  return { config, warnings };
}

/**
 * Off unless asked for. `OTEL_SDK_DISABLED` is the standard kill switch, so it beats
 * `OPENCODE_ENABLE_TELEMETRY` (a user disabling OTel everywhere means it); only an explicit
 * plugin option beats it, since that is the most specific statement of intent.
 */
function resolveEnabled(r: Resolver): boolean {
  const enabled = r.first(OPTIONS.enabled);
  const sdkDisabled = r.first(OPTIONS.sdkDisabled).value;
  if (enabled.source === OPTIONS.enabled.option) return enabled.value;
  return enabled.value && !sdkDisabled;
}

/**
 * Option `serviceName` > `OTEL_SERVICE_NAME` > `service.name` in resource attributes (OTel spec
 * order) > the profile's default: `claude-code` in the `claude_code` profile, because Claude
 * Code's dashboards select on it (`{service_name="claude-code"}` in Loki).
 */
function resolveServiceName(
  r: Resolver,
  resourceAttributes: StringMap,
  profile: ProfileName,
): string {
  const named = r.first(OPTIONS.serviceName);
  if (named.source !== undefined) return named.value;
  const fromResource = resourceAttributes["service.name"];
  if (fromResource !== undefined && fromResource !== "") return fromResource;
  return profile === "claude_code" ? "claude-code" : named.value;
}

/** Claude Code's `OTEL_METRICS_INCLUDE_*` switches, with its defaults in its profile. */
function resolveIdentity(r: Resolver, profile: ProfileName): IdentityConfig {
  return {
    sessionId: r.first(OPTIONS.includeSessionId).value ?? profile === "claude_code",
    version: r.first(OPTIONS.includeVersion).value,
    accountUuid: r.first(OPTIONS.includeAccountUuid).value,
    resourceAttributes: r.first(OPTIONS.includeResourceAttributes).value,
    repository: r.first(OPTIONS.includeRepository).value,
    userEmail: r.first(OPTIONS.includeUserEmail).value,
    hostName: r.first(OPTIONS.includeHostName).value,
  };
}

const DISABLE = {
  traces: OPTIONS.disableTraces,
  metrics: OPTIONS.disableMetrics,
  logs: OPTIONS.disableLogs,
} as const;

function resolveSignal(
  r: Resolver,
  signal: Signal,
  enabled: boolean,
  preset: Preset | undefined,
): SignalConfig {
  const setting = r.first(OPTIONS.protocol, { signal, fallback: preset?.protocol }).value;
  // `local`: this signal goes to the local store only; no OTLP exporter at all.
  const localOnly = setting === "local";
  const protocol: OtlpProtocol = localOnly ? "http/protobuf" : setting;
  const exporter = localOnly
    ? "none"
    : r.first(OPTIONS.exporter, { signal, fallback: preset?.exporter[signal] }).value;
  const disabled = r.first(DISABLE[signal]).value;
  const local = localOnly || r.first(OPTIONS.local).value;
  return {
    // Folding the master switch in means a consumer that checks only its signal cannot export by mistake.
    enabled: enabled && !disabled && (exporter !== "none" || local),
    local,
    exporter,
    protocol,
    endpoint: resolveEndpoint(r, signal, protocol, preset),
    headers: merge([
      ...(preset ? [preset.headers[signal]] : []),
      ...r.layers(OPTIONS.headers, { signal }),
    ]),
    timeoutMs: r.first(OPTIONS.timeoutMs, { signal }).value,
    compression: r.first(OPTIONS.compression, { signal }).value,
  };
}

/**
 * The full URL for one signal. Per the OTel spec, a per-signal variable is the exact URL, while a
 * base endpoint gets `/v1/<signal>` for HTTP. gRPC exporters take the base URL for every signal.
 */
function resolveEndpoint(
  r: Resolver,
  signal: Signal,
  protocol: OtlpProtocol,
  preset: Preset | undefined,
): string {
  const fallback =
    preset?.endpoint ?? (protocol === "grpc" ? "http://localhost:4317" : "http://localhost:4318");
  const { value, source } = r.first(OPTIONS.endpoint, { signal, fallback });
  if (protocol === "grpc" || isPerSignal(source)) return value;
  return `${value.replace(/\/+$/, "")}/v1/${signal}`;
}

/** The plugin option `budgets`, checked here so its problems are warnings like any option's. */
function resolveBudgets(
  r: Resolver,
  env: Readonly<Record<string, string | undefined>>,
  warn: (message: string) => void,
): Config["budgets"] {
  // Empty: no default file (no absolute home), so only the plugin option sets budgets.
  const file = r.first(OPTIONS.budgetsFile).value || defaultBudgetsPath(env) || "";
  const raw = r.first(OPTIONS.budgets).value;
  if (raw === undefined) return { inline: undefined, file };
  const parsed = parseBudgets(raw, { source: 'Plugin option "budgets"', home: homeFolder(env) });
  for (const error of parsed.errors) warn(`${error}; that limit is left out.`);
  return { inline: parsed.budgets, file };
}

/** A tracestate only means something next to a traceparent. */
function resolveTracestate(
  r: Resolver,
  traceparent: string | undefined,
  warn: (message: string) => void,
): string | undefined {
  const tracestate = r.first(OPTIONS.tracestate);
  if (tracestate.value === undefined || traceparent !== undefined) return tracestate.value;
  warn(`${tracestate.label ?? "tracestate"} is ignored because there is no valid traceparent.`);
  return undefined;
}

/** Merges maps given lowest precedence first, key by key. */
function merge(layers: readonly StringMap[]): StringMap {
  return Object.fromEntries(layers.flatMap((layer) => Object.entries(layer)));
}

/**
 * `$XDG_STATE_HOME/opencode-otel/spool`, else `~/.local/state/opencode-otel/spool`. A relative
 * `XDG_STATE_HOME` is ignored (the XDG base directory spec says so); with no absolute home
 * there is no default at all, never one under the working directory.
 */
function defaultSpoolDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const state = xdgFolder(env, "STATE");
  return state && `${state}/opencode-otel/spool`;
}

/**
 * A relative folder or file would be read against opencode's working directory, which is the
 * project it runs in: telemetry (prompts and tool output, when captured) would land inside the
 * user's repository, one copy per project. So a relative path turns the feature off with a
 * warning, and a default that only a relative home could give is empty (the plugin says so).
 */
function relativeRefused(
  r: Resolver,
  spec: typeof OPTIONS.storePath | typeof OPTIONS.spoolDir,
  what: string,
  warn: (message: string) => void,
): string | undefined {
  const chosen = r.first(spec);
  if (!chosen.value || absolute(chosen.value)) return undefined;
  warn(
    `${chosen.label ?? spec.option} "${chosen.value}" is not an absolute path; a relative one would put ${what} inside each project opencode runs in, so ${what} is off.`,
  );
  return chosen.value;
}

function resolveLocal(r: Resolver, input: ConfigInput, warn: (message: string) => void) {
  const enabled = r.first(OPTIONS.local).value || r.first(OPTIONS.protocol).value === "local";
  if (enabled && relativeRefused(r, OPTIONS.storePath, "the local store", warn))
    return { enabled: false, path: "" };
  const chosen = r.first(OPTIONS.storePath).value;
  if (chosen) return { enabled, path: chosen };
  const platform = input.platform ?? "linux";
  const home = absolute(input.home) ?? homeFolder(input.env) ?? "";
  // Empty when only a relative home could give it: the plugin says the store is off.
  return { enabled, path: storePathFor({ env: input.env, platform, home }) ?? "" };
}

function resolveSpool(
  r: Resolver,
  env: Readonly<Record<string, string | undefined>>,
  warn: (message: string) => void,
): Config["spool"] {
  const enabled = r.first(OPTIONS.spool).value;
  const maxBytes = r.first(OPTIONS.spoolMaxMb).value * 1024 * 1024;
  if (enabled && relativeRefused(r, OPTIONS.spoolDir, "the spool", warn))
    return { enabled: false, dir: "", maxBytes };
  // Empty when there is no default outside the working directory: the spool is off then.
  return { enabled, dir: r.first(OPTIONS.spoolDir).value || defaultSpoolDir(env) || "", maxBytes };
}
