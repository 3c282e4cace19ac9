import type { Attributes, Meter, Tracer } from "@opentelemetry/api";
import type { Logger } from "@opentelemetry/api-logs";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  ConsoleMetricExporter,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type ReadableSpan,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import type { Config, SignalConfig, TemporalityPreference } from "../config/types.js";
import {
  type Codec,
  encodingOf,
  logCodec,
  metricCodec,
  type Signal,
  spanCodec,
} from "../delivery/encode.js";
import { OutboxExporter } from "../delivery/exporter.js";
import { Outbox } from "../delivery/outbox.js";
import { Spool } from "../delivery/spool.js";
import { createTransport } from "../delivery/transport.js";
import type { DiagnosticLog } from "../log.js";
import { createHeaderSource, type HeaderSource } from "./headers-helper.js";
import { SessionIdGenerator } from "./ids.js";
import { openLocalExporters } from "./local.js";
import { createSampler } from "./sampler.js";

export const INSTRUMENTATION_SCOPE = "opencode-otel";
export const VERSION = "0.1.0";

/** Builds one signal's exporter (tests pass the SDK's in-memory exporters this way). */
export type ExporterFactory<E> = (headers: Record<string, string>) => E;

/** Exporters to use instead of the configured ones. */
export interface ExporterOverrides {
  readonly traces?: ExporterFactory<SpanExporter>;
  readonly logs?: ExporterFactory<LogRecordExporter>;
  readonly metrics?: ExporterFactory<PushMetricExporter>;
}

/** The OpenTelemetry SDK objects of one plugin instance. Nothing is registered globally. */
export interface Telemetry {
  readonly tracer: Tracer | undefined;
  readonly meter: Meter | undefined;
  readonly logger: Logger | undefined;
  readonly ids: SessionIdGenerator;
  /** Exports buffered spans and logs; concurrent calls share one flush. Never rejects. */
  flush(): Promise<void>;
  /** Flushes and stops every provider, giving up after `timeoutMs`. Never rejects. */
  shutdown(timeoutMs: number): Promise<void>;
}

interface Delivery {
  readonly config: Config;
  readonly log: DiagnosticLog;
  readonly helper: HeaderSource | undefined;
  readonly spool: Spool | undefined;
}

/**
 * Builds providers and exporters for the enabled signals. Global OpenTelemetry registration is
 * deliberately avoided: the host (or another plugin) may own the globals, and a second plugin
 * instance in the same process (opencode re-initializes after `/instance/dispose`) must not
 * double anything. No network I/O happens here; the outboxes connect on their first request.
 */
export async function startTelemetry(
  config: Config,
  log: DiagnosticLog,
  options: {
    readonly exporters?: ExporterOverrides;
    readonly directory?: string;
    /** Identity attributes (instance, versions, host, user); the user's own resource attributes win. */
    readonly resource?: Attributes;
    /** A session's title, for the local store only (it is prompt content). */
    readonly sessionTitle?: (sessionId: string) => string | undefined;
  } = {},
): Promise<Telemetry> {
  const overrides = options.exporters ?? {};
  const resource = defaultResource().merge(
    resourceFromAttributes({
      ...options.resource,
      ...config.resourceAttributes,
      "service.name": config.serviceName,
    }),
  );
  const delivery: Delivery = {
    config,
    log,
    helper: config.headersHelper ? createHeaderSource(config.headersHelper) : undefined,
    spool: config.spool.enabled ? new Spool(config.spool.dir, config.spool.maxBytes) : undefined,
  };
  const ids = new SessionIdGenerator();
  const limit = config.attributeValueLengthLimit;

  const local = config.local.enabled
    ? await openLocalExporters(config.local.path, log, options.directory, options.sessionTitle)
    : undefined;

  // One batch processor (or metric reader) per destination: the OTLP outbox (or the console),
  // and the local store when it is on. An exporter `none` with the store on means store only.
  const spanExporters: SpanExporter[] = [];
  if (overrides.traces) spanExporters.push(overrides.traces({}));
  else if (config.traces.exporter === "console") spanExporters.push(new ConsoleSpanExporter());
  else if (config.traces.exporter === "otlp")
    spanExporters.push(
      outboxExporter<ReadableSpan[]>(delivery, "traces", config.traces, spanCodec),
    );
  if (config.traces.local && local) spanExporters.push(local.spans);

  const logExporters: LogRecordExporter[] = [];
  if (overrides.logs) logExporters.push(overrides.logs({}));
  else if (config.logs.exporter === "console") logExporters.push(new ConsoleLogRecordExporter());
  else if (config.logs.exporter === "otlp")
    logExporters.push(outboxExporter<ReadableLogRecord[]>(delivery, "logs", config.logs, logCodec));
  if (config.logs.local && local) logExporters.push(local.logs);

  const metricExporters: PushMetricExporter[] = [];
  if (overrides.metrics) metricExporters.push(overrides.metrics({}));
  else if (config.metrics.exporter === "console") metricExporters.push(new ConsoleMetricExporter());
  else if (config.metrics.exporter === "otlp")
    metricExporters.push(
      new MetricOutboxExporter(
        outbox<ResourceMetrics>(delivery, "metrics", config.metrics, metricCodec),
        timeouts(config, config.metrics),
        config.metrics.temporality,
      ),
    );
  if (config.metrics.local && local) metricExporters.push(local.metrics);

  const tracerProvider =
    config.traces.enabled && spanExporters.length > 0
      ? new BasicTracerProvider({
          resource,
          idGenerator: ids,
          sampler: createSampler(config.sampler.name, config.sampler.ratio),
          spanLimits: { attributeValueLengthLimit: limit },
          spanProcessors: spanExporters.map(
            (exporter) =>
              new BatchSpanProcessor(exporter, {
                scheduledDelayMillis: 2000,
                maxQueueSize: 4096,
                maxExportBatchSize: 512,
              }),
          ),
        })
      : undefined;

  const loggerProvider =
    config.logs.enabled && logExporters.length > 0
      ? new LoggerProvider({
          resource,
          logRecordLimits: { attributeValueLengthLimit: limit },
          processors: logExporters.map(
            (exporter) =>
              new BatchLogRecordProcessor({
                exporter,
                scheduledDelayMillis: config.logs.intervalMs,
                maxQueueSize: 4096,
              }),
          ),
        })
      : undefined;

  const meterProvider =
    config.metrics.enabled && metricExporters.length > 0
      ? new MeterProvider({
          resource,
          readers: metricExporters.map(
            (exporter) =>
              new PeriodicExportingMetricReader({
                exporter,
                exportIntervalMillis: config.metrics.intervalMs,
                exportTimeoutMillis: Math.min(config.metrics.intervalMs, config.metrics.timeoutMs),
              }),
          ),
        })
      : undefined;

  let flushing: Promise<void> | undefined;
  let again = false;
  // Spans and logs only: metrics are cumulative aggregates, re-sent whole on every export, so
  // they go on their own interval and at shutdown rather than once per turn.
  const flushOnce = async () => {
    await Promise.allSettled([tracerProvider?.forceFlush(), loggerProvider?.forceFlush()]);
  };
  const flush = (): Promise<void> => {
    if (flushing) {
      // A flush is under way: one more after it covers whatever arrived meanwhile.
      again = true;
      return flushing;
    }
    flushing = (async () => {
      do {
        again = false;
        await flushOnce();
      } while (again);
    })().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };

  return {
    tracer: tracerProvider?.getTracer(INSTRUMENTATION_SCOPE, VERSION),
    meter: meterProvider?.getMeter(INSTRUMENTATION_SCOPE, VERSION),
    logger: loggerProvider?.getLogger(INSTRUMENTATION_SCOPE, VERSION),
    ids,
    flush,
    async shutdown(timeoutMs) {
      // Each outbox gives up sending a little before `timeoutMs` and spools what is left. A
      // turn-end flush still waiting on a slow collector is not waited for: shutdown covers it.
      const done = Promise.allSettled([
        tracerProvider?.shutdown(),
        loggerProvider?.shutdown(),
        meterProvider?.shutdown(),
      ]);
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
    },
  };
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
  codecFor: (encoding: ReturnType<typeof encodingOf>) => Codec<T>,
): Outbox<T> {
  const encoding = encodingOf(config.protocol);
  return new Outbox<T>({
    signal,
    encoding,
    codec: codecFor(encoding),
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

function outboxExporter<T>(
  delivery: Delivery,
  signal: Signal,
  config: SignalConfig,
  codecFor: (encoding: ReturnType<typeof encodingOf>) => Codec<T>,
): OutboxExporter<T> {
  return new OutboxExporter(
    outbox(delivery, signal, config, codecFor),
    timeouts(delivery.config, config),
  );
}

/**
 * The metric reader asks its exporter for a temporality; the answer follows the configured
 * preference the way the OTLP exporters define cumulative, delta and lowmemory.
 */
class MetricOutboxExporter extends OutboxExporter<ResourceMetrics> implements PushMetricExporter {
  constructor(
    outbox: Outbox<ResourceMetrics>,
    timeoutsMs: { readonly flushMs: number; readonly shutdownMs: number },
    private readonly temporality: TemporalityPreference,
  ) {
    super(outbox, timeoutsMs);
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    if (this.temporality === "cumulative") return AggregationTemporality.CUMULATIVE;
    switch (type) {
      case InstrumentType.COUNTER:
      case InstrumentType.HISTOGRAM:
        return AggregationTemporality.DELTA;
      case InstrumentType.OBSERVABLE_COUNTER:
        return this.temporality === "delta"
          ? AggregationTemporality.DELTA
          : AggregationTemporality.CUMULATIVE;
      default:
        return AggregationTemporality.CUMULATIVE;
    }
  }
}
