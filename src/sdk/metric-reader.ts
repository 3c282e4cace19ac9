import type { HrTime } from "@opentelemetry/api";
import type { InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { MetricData, PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { hrTimeOf } from "./time.js";

export interface MetricReaderOptions {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  /** What destination `index` is owed since its last collection. */
  readonly collect: (index: number, now: HrTime) => MetricData[];
  readonly exporters: readonly PushMetricExporter[];
  readonly intervalMs: number;
}

/**
 * The SDK's periodic exporting reader, reduced to what the plugin needs: every `intervalMs`, and
 * once more at shutdown, each destination gets what it is owed; a collection with no points sends
 * nothing. The timer never keeps the host alive.
 */
export class MetricReader {
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: MetricReaderOptions) {
    this.timer = setInterval(() => this.export(), options.intervalMs);
    this.timer.unref?.();
  }

  /** The final collection, then every destination stops. Never rejects. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    this.export();
    this.closed = true;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await Promise.allSettled(this.options.exporters.map((exporter) => exporter.shutdown()));
  }

  private export(): void {
    if (this.closed) return;
    const now = hrTimeOf(Date.now());
    this.options.exporters.forEach((exporter, index) => {
      const metrics = this.options.collect(index, now);
      if (metrics.length === 0) return;
      const resourceMetrics = {
        resource: this.options.resource,
        scopeMetrics: [{ scope: this.options.scope, metrics }],
      };
      const exported = new Promise<void>((resolve) => {
        try {
          exporter.export(resourceMetrics, () => resolve());
        } catch {
          resolve();
        }
      });
      this.running.add(exported);
      exported.finally(() => this.running.delete(exported));
    });
  }
}
