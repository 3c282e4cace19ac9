import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { DiagnosticLog } from "../log.js";

/** The local store's exporters, one per signal, sharing one database connection. */
export interface LocalExporters {
  readonly spans: SpanExporter;
  readonly logs: LogRecordExporter;
  readonly metrics: PushMetricExporter;
}

/**
 * Opens the local store for the `local` exporter. The store (SQLite through the runtime's own
 * binding) is loaded only when asked for; if it cannot open (no SQLite binding in this runtime,
 * an unwritable folder), the plugin says so once in opencode's log and carries on without it.
 */
export async function openLocalExporters(
  path: string,
  log: DiagnosticLog,
): Promise<LocalExporters | undefined> {
  // The store lands with issue 6; until then the setting is accepted and reported.
  log.warn(`opencode-otel: the local store (${path}) is not available in this build yet.`);
  return undefined;
}
