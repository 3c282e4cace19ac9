import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { DiagnosticLog } from "../log.js";

/** The local store's exporters, one per signal. */
export interface LocalExporters {
  readonly spans: SpanExporter;
  readonly logs: LogRecordExporter;
  readonly metrics: PushMetricExporter;
}

/**
 * The `local` exporter: spans, log events and metric points written to the embedded store that
 * `opencode-otel report` reads. The store code (SQLite through the runtime's own binding) loads
 * only when asked for; each exporter opens the file on its first batch (WAL: several opencode
 * processes write at once) and reports a failure once in opencode's log, never to the host.
 */
export async function openLocalExporters(
  path: string,
  log: DiagnosticLog,
  project: string | undefined,
  sessionTitle?: (sessionId: string) => string | undefined,
): Promise<LocalExporters | undefined> {
  try {
    const { StoreLogExporter, StoreMetricExporter, StoreSpanExporter } = await import(
      "../store/exporter.js"
    );
    const onError = (error: unknown) => {
      const reason = error instanceof Error ? error.message.split("\n", 1)[0] : String(error);
      log.warn(`opencode-otel: writing to the local store at ${path} failed (${reason}).`);
    };
    return {
      spans: new StoreSpanExporter({ path, onError, project, sessionTitle }),
      logs: new StoreLogExporter({ path, onError, project }),
      metrics: new StoreMetricExporter({ path, onError, project }),
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n", 1)[0] : String(error);
    log.warn(`opencode-otel: the local store at ${path} cannot be used (${reason}); skipping it.`);
    return undefined;
  }
}
