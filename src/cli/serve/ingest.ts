/**
 * One decoded export request into the store, shared by the HTTP and gRPC front ends so both
 * accept exactly the same data.
 */
import type { LogRow, MetricPointRow, SpanRow } from "../../store/index.js";
import type { Signal } from "../otlp/protos.js";
import { logRows, metricPointRows, spanRows } from "../otlp/to-rows.js";

/** The store's write side (what `Store` offers); tests may pass a recording double. */
export interface RowSink {
  insertSpans(rows: readonly SpanRow[]): unknown;
  insertLogs(rows: readonly LogRow[]): unknown;
  insertMetricPoints(rows: readonly MetricPointRow[]): unknown;
}

/** Rows written so far, per signal, for the receiver's status line and tests. */
export type IngestCounts = Record<Signal, number>;

/** Writes one request's rows; returns how many. Store errors propagate (the caller maps them). */
export async function ingest(sink: RowSink, signal: Signal, request: unknown): Promise<number> {
  switch (signal) {
    case "traces": {
      const rows = spanRows(request);
      if (rows.length) await sink.insertSpans(rows);
      return rows.length;
    }
    case "logs": {
      const rows = logRows(request);
      if (rows.length) await sink.insertLogs(rows);
      return rows.length;
    }
    case "metrics": {
      const rows = metricPointRows(request);
      if (rows.length) await sink.insertMetricPoints(rows);
      return rows.length;
    }
  }
}
