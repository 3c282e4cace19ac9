import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { AggregationTemporality, PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Config, TemporalityPreference } from "../config/types.js";
import { CUMULATIVE, DELTA, type InstrumentKind } from "./aggregation.js";
import type { TemporalitySelector } from "./meter.js";

/**
 * The SDK's console exporters, for the signals configured with exporter `console`. The SDK
 * packages load only then: the OTLP path never needs them.
 */
export async function consoleExporters(config: Config): Promise<{
  spans?: SpanExporter;
  logs?: LogRecordExporter;
  metrics?: PushMetricExporter;
}> {
  const wanted = (signal: { enabled: boolean; exporter: string }) =>
    signal.enabled && signal.exporter === "console";
  return {
    ...(wanted(config.traces)
      ? { spans: new (await import("@opentelemetry/sdk-trace-base")).ConsoleSpanExporter() }
      : {}),
    ...(wanted(config.logs)
      ? { logs: new (await import("@opentelemetry/sdk-logs")).ConsoleLogRecordExporter() }
      : {}),
    ...(wanted(config.metrics)
      ? { metrics: new (await import("@opentelemetry/sdk-metrics")).ConsoleMetricExporter() }
      : {}),
  };
}

/**
 * The temporality per instrument kind for the configured preference, as the OTLP exporters
 * define cumulative, delta and lowmemory.
 */
export function temporalityFor(preference: TemporalityPreference): TemporalitySelector {
  return (kind: InstrumentKind): AggregationTemporality => {
    if (preference === "cumulative") return CUMULATIVE;
    switch (kind) {
      case "counter":
      case "histogram":
        return DELTA;
      default:
        // Up-down counters and gauges are cumulative in every preference (delta also makes
        // observable counters delta; the plugin has none).
        return CUMULATIVE;
    }
  };
}

/**
 * The temporality an SDK metric exporter asks for (the local store's, tests' in-memory ones).
 * Asking needs the SDK's `InstrumentType` values, so the SDK's metrics package loads only for
 * an exporter that has a preference; without one the SDK's default is cumulative.
 */
export async function sdkTemporality(exporter: PushMetricExporter): Promise<TemporalitySelector> {
  const select = exporter.selectAggregationTemporality?.bind(exporter);
  if (!select) return () => CUMULATIVE;
  const { InstrumentType } = await import("@opentelemetry/sdk-metrics");
  const types = {
    counter: InstrumentType.COUNTER,
    upDownCounter: InstrumentType.UP_DOWN_COUNTER,
    histogram: InstrumentType.HISTOGRAM,
    gauge: InstrumentType.GAUGE,
  } as const;
  return (kind) => select(types[kind]);
}
