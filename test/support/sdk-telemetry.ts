import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  LoggerProvider,
  type LogRecordExporter,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  type Sampler,
  SimpleSpanProcessor,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import type { Config, SamplerName } from "../../src/config/types.js";
import { SessionIdGenerator } from "../../src/sdk/ids.js";
import {
  INSTRUMENTATION_SCOPE,
  type Telemetry,
  type TelemetryOptions,
  VERSION,
} from "../../src/sdk/telemetry.js";

/**
 * The plugin's telemetry built on the OpenTelemetry SDK's own providers, as it was before the
 * plugin had its own pipeline: the reference the plugin's records are compared with. Exporters
 * are the caller's (the SDK's in-memory ones).
 */
export function sdkTelemetry(exporters: {
  readonly spans: SpanExporter;
  readonly logs: LogRecordExporter;
  readonly metrics: PushMetricExporter;
}): (config: Config, log: unknown, options: TelemetryOptions) => Promise<Telemetry> {
  return async (config, _log, options) => {
    const resource = defaultResource().merge(
      resourceFromAttributes({
        ...options.resource,
        ...config.resourceAttributes,
        "service.name": config.serviceName,
      }),
    );
    const ids = new SessionIdGenerator();
    const limit = config.attributeValueLengthLimit;
    const tracerProvider = new BasicTracerProvider({
      resource,
      idGenerator: ids,
      sampler: sdkSampler(config.sampler.name, config.sampler.ratio),
      spanLimits: { attributeValueLengthLimit: limit },
      spanProcessors: [new SimpleSpanProcessor(exporters.spans)],
    });
    const loggerProvider = new LoggerProvider({
      resource,
      logRecordLimits: { attributeValueLengthLimit: limit },
      processors: [new SimpleLogRecordProcessor({ exporter: exporters.logs })],
    });
    const meterProvider = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: exporters.metrics,
          exportIntervalMillis: 3_600_000,
        }),
      ],
    });
    return {
      tracer: config.traces.enabled
        ? tracerProvider.getTracer(INSTRUMENTATION_SCOPE, VERSION)
        : undefined,
      meter: config.metrics.enabled
        ? meterProvider.getMeter(INSTRUMENTATION_SCOPE, VERSION)
        : undefined,
      logger: config.logs.enabled
        ? loggerProvider.getLogger(INSTRUMENTATION_SCOPE, VERSION)
        : undefined,
      ids,
      turnEnded: () => undefined,
      async shutdown() {
        await Promise.allSettled([
          tracerProvider.shutdown(),
          loggerProvider.shutdown(),
          meterProvider.shutdown(),
        ]);
      },
    };
  };
}

/** The SDK's own samplers by their `OTEL_TRACES_SAMPLER` names. */
function sdkSampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}
