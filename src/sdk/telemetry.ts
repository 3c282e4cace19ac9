import type { Meter, Tracer } from "@opentelemetry/api";
import type { Logger } from "@opentelemetry/api-logs";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
} from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import type { Config, TemporalityPreference } from "../config/types.js";
import type { DiagnosticLog } from "../log.js";
import {
  type ExporterFactory,
  logExporterFactory,
  metricExporterFactory,
  traceExporterFactory,
} from "./exporters.js";
import { GuardedExporter, type HeaderSource } from "./guarded-exporter.js";
import { createHeaderSource } from "./headers-helper.js";
import { SessionIdGenerator } from "./ids.js";

export const INSTRUMENTATION_SCOPE = "opencode-otel";
export const VERSION = "0.1.0";

/** Exporters to use instead of the configured ones (tests use the SDK's in-memory exporters). */
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
  /** Exports what is buffered; concurrent calls share one flush. Never rejects. */
  flush(): Promise<void>;
  /** Flushes and stops every provider, giving up after `timeoutMs`. Never rejects. */
  shutdown(timeoutMs: number): Promise<void>;
}

/**
 * Builds providers and exporters for the enabled signals. Global OpenTelemetry registration is
 * deliberately avoided: the host (or another plugin) may own the globals, and a second plugin
 * instance in the same process (opencode re-initializes after `/instance/dispose`) must not
 * double anything. No network I/O happens here; exporters connect on first export.
 */
export async function startTelemetry(
  config: Config,
  log: DiagnosticLog,
  overrides: ExporterOverrides = {},
): Promise<Telemetry> {
  const resource = defaultResource().merge(
    resourceFromAttributes({
      ...config.resourceAttributes,
      "service.name": config.serviceName,
    }),
  );
  const helper = config.headersHelper ? createHeaderSource(config.headersHelper) : undefined;
  const ids = new SessionIdGenerator();
  const limit = config.attributeValueLengthLimit;

  const [traceFactory, logFactory, metricFactory] = await Promise.all([
    config.traces.enabled ? (overrides.traces ?? traceExporterFactory(config.traces)) : undefined,
    config.logs.enabled ? (overrides.logs ?? logExporterFactory(config.logs)) : undefined,
    config.metrics.enabled
      ? (overrides.metrics ?? metricExporterFactory(config.metrics, config.metrics.temporality))
      : undefined,
  ]);

  const tracerProvider = traceFactory
    ? new BasicTracerProvider({
        resource,
        idGenerator: ids,
        spanLimits: { attributeValueLengthLimit: limit },
        spanProcessors: [
          new BatchSpanProcessor(
            new GuardedExporter({ signal: "traces", log, create: traceFactory, helper }),
            { scheduledDelayMillis: 2000, maxQueueSize: 4096, maxExportBatchSize: 512 },
          ),
        ],
      })
    : undefined;

  const loggerProvider = logFactory
    ? new LoggerProvider({
        resource,
        logRecordLimits: { attributeValueLengthLimit: limit },
        processors: [
          new BatchLogRecordProcessor({
            exporter: new GuardedExporter({ signal: "logs", log, create: logFactory, helper }),
            scheduledDelayMillis: config.logs.intervalMs,
            maxQueueSize: 4096,
          }),
        ],
      })
    : undefined;

  const meterProvider = metricFactory
    ? new MeterProvider({
        resource,
        readers: [
          new PeriodicExportingMetricReader({
            exporter: new GuardedMetricExporter(
              { signal: "metrics", log, create: metricFactory, helper },
              config.metrics.temporality,
            ),
            exportIntervalMillis: config.metrics.intervalMs,
            exportTimeoutMillis: Math.min(config.metrics.intervalMs, config.metrics.timeoutMs),
          }),
        ],
      })
    : undefined;

  let flushing: Promise<void> | undefined;
  let again = false;
  const flushOnce = async () => {
    await Promise.allSettled([
      tracerProvider?.forceFlush(),
      loggerProvider?.forceFlush(),
      meterProvider?.forceFlush(),
    ]);
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
      // Let a turn-end flush that is under way finish first, then stop every provider.
      const done = (flushing ?? Promise.resolve()).then(() =>
        Promise.allSettled([
          tracerProvider?.shutdown(),
          loggerProvider?.shutdown(),
          meterProvider?.shutdown(),
        ]),
      );
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

/**
 * The metric reader asks its exporter for a temporality synchronously, before any header helper
 * has answered, so the wrapper answers from the configured preference (the OTLP exporters'
 * own rules for cumulative, delta and lowmemory).
 */
class GuardedMetricExporter extends GuardedExporter<ResourceMetrics> implements PushMetricExporter {
  constructor(
    options: ConstructorParameters<typeof GuardedExporter<ResourceMetrics>>[0],
    private readonly temporality: TemporalityPreference,
  ) {
    super(options);
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

export type { HeaderSource };
