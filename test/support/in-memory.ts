import { InMemoryLogRecordExporter, type ReadableLogRecord } from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { ExporterOverrides } from "../../src/sdk/telemetry.js";

/**
 * The SDK's in-memory exporters, kept across plugin instances: a replay of several opencode
 * processes disposes one instance per process, and the SDK's in-memory exporters forget
 * everything on shutdown, so each instance gets fresh ones and this keeps a reference to all.
 */
export class Collected {
  /** `temporality`: what the metric exporters ask for (cumulative unless a test says so). */
  constructor(
    private readonly temporality: AggregationTemporality = AggregationTemporality.CUMULATIVE,
  ) {}

  private readonly spanExporters: InMemorySpanExporter[] = [];
  private readonly logExporters: InMemoryLogRecordExporter[] = [];
  private readonly metricExporters: InMemoryMetricExporter[] = [];
  private readonly kept = {
    spans: [] as ReadableSpan[],
    logs: [] as ReadableLogRecord[],
    metrics: [] as ResourceMetrics[],
  };

  overrides(): ExporterOverrides {
    return {
      traces: () =>
        this.track(this.spanExporters, new InMemorySpanExporter(), (e) =>
          this.kept.spans.push(...e.getFinishedSpans()),
        ),
      logs: () =>
        this.track(this.logExporters, new InMemoryLogRecordExporter(), (e) =>
          this.kept.logs.push(...e.getFinishedLogRecords()),
        ),
      metrics: () =>
        this.track(this.metricExporters, new InMemoryMetricExporter(this.temporality), (e) =>
          this.kept.metrics.push(...e.getMetrics()),
        ),
    };
  }

  private track<E extends { shutdown(): Promise<void> }>(
    list: E[],
    exporter: E,
    keep: (e: E) => void,
  ): E {
    list.push(exporter);
    const shutdown = exporter.shutdown.bind(exporter);
    // Keep what it holds before the SDK's shutdown clears it.
    exporter.shutdown = async () => {
      keep(exporter);
      list.splice(list.indexOf(exporter), 1);
      await shutdown();
    };
    return exporter;
  }

  get spans(): ReadableSpan[] {
    return [...this.kept.spans, ...this.spanExporters.flatMap((e) => e.getFinishedSpans())];
  }

  get logs(): ReadableLogRecord[] {
    return [...this.kept.logs, ...this.logExporters.flatMap((e) => e.getFinishedLogRecords())];
  }

  get metrics(): ResourceMetrics[] {
    return [...this.kept.metrics, ...this.metricExporters.flatMap((e) => e.getMetrics())];
  }
}
