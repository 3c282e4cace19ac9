import type { Attributes, Meter, Tracer } from "@opentelemetry/api";
import type { Logger } from "@opentelemetry/api-logs";
import type { LogRecordExporter, ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Config, SignalConfig } from "../config/types.js";
import {
  type Codec,
  type Codecs,
  encodingOf,
  loadJsonCodecs,
  PROTOBUF_CODECS,
  type Signal,
} from "../delivery/encode.js";
import { OutboxExporter } from "../delivery/exporter.js";
import { Outbox } from "../delivery/outbox.js";
import { Spool } from "../delivery/spool.js";
import { createTransport } from "../delivery/transport.js";
import type { DiagnosticLog } from "../log.js";
import { DEFAULT_COUNT_LIMIT } from "./attributes.js";
import { Batch } from "./batch.js";
import { createHeaderSource, type HeaderSource } from "./headers-helper.js";
import { SessionIdGenerator } from "./ids.js";
import { openLocalExporters } from "./local.js";
import { createLogger } from "./logger.js";
import { createMeterState, type TemporalitySelector } from "./meter.js";
import { MetricReader } from "./metric-reader.js";
import { createResource, SCOPE } from "./resource.js";
import { createSampler } from "./sampler.js";
import { consoleExporters, sdkTemporality, temporalityFor } from "./sdk-exporters.js";
import { createTracer } from "./tracer.js";

export { INSTRUMENTATION_SCOPE, VERSION } from "./resource.js";

/** Builds one signal's exporter (tests pass the SDK's in-memory exporters this way). */
export type ExporterFactory<E> = (headers: Record<string, string>) => E;

/** Exporters to use instead of the configured ones. */
export interface ExporterOverrides {
  readonly traces?: ExporterFactory<SpanExporter>;
  readonly logs?: ExporterFactory<LogRecordExporter>;
  readonly metrics?: ExporterFactory<PushMetricExporter>;
}

/**
 * How long after a turn ends its spans and log records are handed to delivery (encoded, then
 * sent or spooled). Turn ends that fall inside this window share one request per signal: several
 * sessions in one `opencode serve`, a subagent's turn and its parent's. A crash inside the window
 * loses that turn (docs/DESIGN.md §7). BENCHMARKS.md measures this against 0.
 */
export const TURN_FLUSH_DELAY_MS = 100;

/** The telemetry of one plugin instance. Nothing is registered globally. */
export interface Telemetry {
  readonly tracer: Tracer | undefined;
  readonly meter: Meter | undefined;
  readonly logger: Logger | undefined;
  readonly ids: SessionIdGenerator;
  /** A turn ended (or a session was deleted): what is buffered leaves within the flush delay. */
  turnEnded(): void;
  /** Sends everything (metrics included) and stops, giving up after `timeoutMs`. Never rejects. */
  shutdown(timeoutMs: number): Promise<void>;
}

export interface TelemetryOptions {
  readonly exporters?: ExporterOverrides;
  /** opencode's working directory (the local store's project column). */
  readonly directory?: string;
  /** Overrides `TURN_FLUSH_DELAY_MS` (the benchmark measures both ways). */
  readonly turnFlushDelayMs?: number;
  /** Identity attributes (instance, versions, host, user); the user's own resource attributes win. */
  readonly resource?: Attributes;
  /** A session's title, for the local store only (it is prompt content). */
  readonly sessionTitle?: (sessionId: string) => string | undefined;
}

interface Delivery {
  readonly config: Config;
  readonly log: DiagnosticLog;
  readonly helper: HeaderSource | undefined;
  readonly spool: Spool | undefined;
}

/**
 * Builds the tracer, meter and logger of the enabled signals on this package's own small
 * pipeline (`tracer.ts`, `logger.ts`, `meter.ts`, `batch.ts`) rather than the SDK's providers:
 * the records, limits and aggregations are the SDK's, the code loaded and run per event is a
 * fraction of it (README § Performance). Destinations are the OTLP outbox, the console or the
 * local store; the SDK's exporter interfaces are kept, so its in-memory exporters still work.
 * No network I/O happens here; the outboxes connect on their first request.
 */
export async function startTelemetry(
  config: Config,
  log: DiagnosticLog,
  options: TelemetryOptions = {},
): Promise<Telemetry> {
  const overrides = options.exporters ?? {};
  const resource = createResource({ ...options.resource, ...config.resourceAttributes });
  const delivery: Delivery = {
    config,
    log,
    helper: config.headersHelper ? createHeaderSource(config.headersHelper) : undefined,
    spool: openSpool(config, log),
  };
  const signals = [config.traces, config.logs, config.metrics];
  const json = signals.some(
    (s) => s.enabled && s.exporter === "otlp" && encodingOf(s.protocol) === "json",
  )
    ? await loadJsonCodecs()
    : undefined;
  const codecs = (signal: SignalConfig): Codecs =>
    encodingOf(signal.protocol) === "json" && json ? json : PROTOBUF_CODECS;
  const ids = new SessionIdGenerator();
  const limits = { valueLength: config.attributeValueLengthLimit, count: DEFAULT_COUNT_LIMIT };
  if (config.local.enabled && !config.local.path)
    log.warn(
      "opencode-otel: the local store is off: no absolute HOME (or XDG_DATA_HOME) gives it a default folder, and a store relative to the working directory would put telemetry inside the project. Set OPENCODE_OTEL_STORE to an absolute path to turn it on.",
    );
  const local =
    config.local.enabled && config.local.path
      ? await openLocalExporters(config.local.path, log, options.directory, options.sessionTitle)
      : undefined;
  const printed = await consoleExporters(config);

  // One destination per OTLP outbox (or the console), plus the local store when it is on. An
  // exporter `none` with the store on means store only.
  const spanExporters: SpanExporter[] = [];
  if (overrides.traces) spanExporters.push(overrides.traces({}));
  else if (printed.spans) spanExporters.push(printed.spans);
  else if (config.traces.exporter === "otlp")
    spanExporters.push(
      new OutboxExporter(
        outbox(delivery, "traces", config.traces, codecs(config.traces).traces),
        timeouts(config, config.traces),
      ),
    );
  if (config.traces.local && local) spanExporters.push(local.spans);

  const logExporters: LogRecordExporter[] = [];
  if (overrides.logs) logExporters.push(overrides.logs({}));
  else if (printed.logs) logExporters.push(printed.logs);
  else if (config.logs.exporter === "otlp")
    logExporters.push(
      new OutboxExporter(
        outbox(delivery, "logs", config.logs, codecs(config.logs).logs),
        timeouts(config, config.logs),
      ),
    );
  if (config.logs.local && local) logExporters.push(local.logs);

  const metricExporters: { exporter: PushMetricExporter; temporality: TemporalitySelector }[] = [];
  const sdkShaped = async (exporter: PushMetricExporter) => ({
    exporter,
    temporality: await sdkTemporality(exporter),
  });
  if (overrides.metrics) metricExporters.push(await sdkShaped(overrides.metrics({})));
  else if (printed.metrics) metricExporters.push(await sdkShaped(printed.metrics));
  else if (config.metrics.exporter === "otlp")
    metricExporters.push({
      exporter: new OutboxExporter<ResourceMetrics>(
        outbox(delivery, "metrics", config.metrics, codecs(config.metrics).metrics),
        timeouts(config, config.metrics),
      ),
      temporality: temporalityFor(config.metrics.temporality),
    });
  if (config.metrics.local && local) metricExporters.push(await sdkShaped(local.metrics));

  const dropped = { spans: 0, logs: 0 };
  const onDrop = (what: "spans" | "logs") => (count: number) => {
    if (dropped[what] === 0)
      log.warn(
        `opencode-otel: more than 4096 ${what === "spans" ? "spans" : "log records"} waiting to be exported; dropping the newest until the queue drains.`,
      );
    dropped[what] += count;
  };
  const spans =
    config.traces.enabled && spanExporters.length > 0
      ? new Batch<ReadableSpan>(spanExporters, {
          delayMs: 2000,
          maxQueue: 4096,
          maxBatch: 512,
          onDrop: onDrop("spans"),
        })
      : undefined;
  const logs =
    config.logs.enabled && logExporters.length > 0
      ? new Batch<ReadableLogRecord>(logExporters, {
          delayMs: config.logs.intervalMs,
          maxQueue: 4096,
          maxBatch: 512,
          onDrop: onDrop("logs"),
        })
      : undefined;
  const meterState =
    config.metrics.enabled && metricExporters.length > 0
      ? createMeterState(metricExporters.map((m) => m.temporality))
      : undefined;
  const reader = meterState
    ? new MetricReader({
        resource,
        scope: SCOPE,
        collect: meterState.collect,
        exporters: metricExporters.map((m) => m.exporter),
        intervalMs: config.metrics.intervalMs,
      })
    : undefined;

  const turnFlushDelayMs = options.turnFlushDelayMs ?? TURN_FLUSH_DELAY_MS;
  let turnFlush: ReturnType<typeof setTimeout> | undefined;
  const send = () => {
    if (turnFlush) clearTimeout(turnFlush);
    turnFlush = undefined;
    spans?.send();
    logs?.send();
  };

  return {
    tracer: spans
      ? createTracer({
          resource,
          scope: SCOPE,
          ids,
          limits,
          sampler: createSampler(config.sampler.name, config.sampler.ratio),
          onEnd: (span) => spans.add(span),
        })
      : undefined,
    meter: meterState?.meter,
    logger: logs
      ? createLogger({ resource, scope: SCOPE, limits, onEmit: (record) => logs.add(record) })
      : undefined,
    ids,
    turnEnded() {
      // One timer for every turn end inside the window: they leave together.
      turnFlush ??= setTimeout(send, turnFlushDelayMs);
    },
    async shutdown(timeoutMs) {
      send();
      // Every signal at once: each destination sends what it holds (the outboxes give up a
      // little before `timeoutMs` and spool the rest) and stops.
      const done = Promise.allSettled([spans?.close(), logs?.close(), reader?.shutdown()]);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
        // Never keep the host alive just to wait for a collector.
        timer.unref?.();
      });
      const outcome = await Promise.race([done.then(() => "done" as const), timeout]);
      if (timer) clearTimeout(timer);
      if (outcome === "timeout")
        log.warn(
          `opencode-otel: the final export did not finish within ${timeoutMs} ms; some telemetry may be lost.`,
        );
      if (dropped.spans + dropped.logs > 0)
        log.warn(
          `opencode-otel: ${dropped.spans} span(s) and ${dropped.logs} log record(s) were dropped because the export queue was full.`,
        );
    },
  };
}

function openSpool(config: Config, log: DiagnosticLog): Spool | undefined {
  const otlp = [config.traces, config.logs, config.metrics].some(
    (signal) => signal.enabled && signal.exporter === "otlp",
  );
  if (!config.spool.enabled || !otlp) return undefined;
  if (!config.spool.dir) {
    log.warn(
      "opencode-otel: the spool is off: neither XDG_STATE_HOME nor HOME is an absolute path, and a spool relative to the working directory would put telemetry inside the project. Set OPENCODE_OTEL_SPOOL_DIR to turn it on.",
    );
    return undefined;
  }
  return new Spool(config.spool.dir, config.spool.maxBytes, log);
}

function timeouts(config: Config, signal: SignalConfig) {
  // The outbox must finish (and spool the rest) inside dispose's own deadline.
  return {
    flushMs: signal.timeoutMs,
    shutdownMs: Math.max(100, Math.floor(config.shutdownTimeoutMs * 0.7)),
  };
}

function outbox<T>(
  delivery: Delivery,
  signal: Signal,
  config: SignalConfig,
  codec: Codec<T>,
): Outbox<T> {
  return new Outbox<T>({
    signal,
    encoding: encodingOf(config.protocol),
    codec,
    transport: createTransport({
      signal,
      protocol: config.protocol,
      endpoint: config.endpoint,
      timeoutMs: config.timeoutMs,
      compression: config.compression,
    }),
    headers: config.headers,
    helper: delivery.helper,
    spool: delivery.spool,
    log: delivery.log,
  });
}
