import * as sc from "../semconv.js";
import { type ChangeColumns, projectOf, type SpanColumns, str } from "./columns.js";
import type { SqlValue } from "./db.js";
import type { Interner } from "./intern.js";
import { attributesJson, contentKey, toJson } from "./json.js";
import type { LogRow, MetricPointRow, SpanRow } from "./types.js";

/** Rows to the values of their INSERT statements, and the natural keys of logs and points. */

export const SPAN_COLUMNS = [
  "trace_id",
  "span_id",
  "parent_span_id",
  "name",
  "kind",
  "start_ns",
  "end_ns",
  "status_code",
  "status_message",
  "service_name",
  "scope_name",
  "scope_version",
  "attributes",
  "resource_id",
  "events",
  "category",
  "session_ref",
  "agent_ref",
  "model_ref",
  "provider_ref",
  "tool_ref",
  "project_ref",
  "duration_ms",
  "cost",
  "input_tokens",
  "output_tokens",
  "reasoning_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "retries",
  "tool_success",
];

export const LOG_COLUMNS = [
  "key",
  "time_ns",
  "event_name",
  "severity_number",
  "severity_text",
  "body",
  "trace_id",
  "span_id",
  "service_name",
  "scope_name",
  "scope_version",
  "attributes",
  "resource_id",
  "session_id",
];

export const POINT_COLUMNS = [
  "series",
  "time_ns",
  "name",
  "description",
  "unit",
  "type",
  "temporality",
  "monotonic",
  "start_ns",
  "value",
  "count",
  "service_name",
  "scope_name",
  "scope_version",
  "attributes",
  "resource_id",
  "value_delta",
  "session_id",
  "project",
];

export const CHANGE_COLUMNS = [
  "log_key",
  "time_ns",
  "session_ref",
  "model_ref",
  "agent_ref",
  "tool_ref",
  "project_ref",
  "added",
  "removed",
  "commits",
  "pull_requests",
];

/** One `code_changes` row; call inside the write transaction that stores its log record. */
export function changeValues(
  key: string,
  timeNs: bigint,
  c: ChangeColumns,
  names: Interner,
): SqlValue[] {
  return [
    key,
    timeNs,
    names.ref(c.sessionId),
    names.ref(c.model),
    names.ref(c.agent),
    names.ref(c.tool),
    names.ref(c.project),
    c.added,
    c.removed,
    c.commits,
    c.pullRequests,
  ];
}

export const insertSql = (table: string, columns: readonly string[]) =>
  `INSERT OR IGNORE INTO ${table} (${columns.join(", ")})
   VALUES (${columns.map(() => "?").join(", ")})`;

/** Interned ids of a span's names (null when absent). */
export interface Refs {
  readonly session: number | null;
  readonly agent: number | null;
  readonly model: number | null;
  readonly provider: number | null;
  readonly tool: number | null;
  readonly project: number | null;
}

/** Points of one stream share a series key; a cumulative stream restarts with its start time. */
export function seriesKey(row: MetricPointRow): string {
  const start = row.temporality === "cumulative" ? row.startNs : 0n;
  return contentKey([
    row.name,
    row.unit,
    row.type,
    row.temporality,
    start,
    row.attributes,
    row.resource,
    row.scope?.name ?? "",
  ]);
}

/** Logs carry no id: the key is their content, so a resent record is the same row. */
export function logKey(row: LogRow): string {
  return contentKey([
    row.timeNs,
    row.eventName,
    row.severityNumber,
    row.body,
    row.traceId,
    row.spanId,
    row.serviceName,
    row.attributes,
  ]);
}

export function spanValues(row: SpanRow, c: SpanColumns, r: Refs, resource: number): SqlValue[] {
  return [
    row.traceId,
    row.spanId,
    row.parentSpanId,
    row.name,
    row.kind,
    row.startNs,
    row.endNs,
    row.statusCode,
    row.statusMessage,
    row.serviceName,
    row.scope?.name ?? "",
    row.scope?.version ?? "",
    attributesJson(row.attributes),
    resource,
    row.events.length === 0
      ? "[]"
      : toJson(row.events.map((e) => ({ ...e, timeNs: e.timeNs.toString() }))),
    c.category,
    r.session,
    r.agent,
    r.model,
    r.provider,
    r.tool,
    r.project,
    c.durationMs,
    c.cost,
    c.inputTokens,
    c.outputTokens,
    c.reasoningTokens,
    c.cacheReadTokens,
    c.cacheWriteTokens,
    c.retries,
    c.toolSuccess,
  ];
}

export function logValues(row: LogRow, resource: number): SqlValue[] {
  return [
    logKey(row),
    row.timeNs,
    row.eventName,
    row.severityNumber,
    row.severityText ?? "",
    row.body,
    row.traceId,
    row.spanId,
    row.serviceName,
    row.scope?.name ?? "",
    row.scope?.version ?? "",
    attributesJson(row.attributes),
    resource,
    str(row.attributes[sc.SESSION_ID]),
  ];
}

export function pointValues(
  row: MetricPointRow,
  series: string,
  delta: number,
  resource: number,
): SqlValue[] {
  return [
    series,
    row.timeNs,
    row.name,
    row.description ?? "",
    row.unit,
    row.type,
    row.temporality,
    (row.monotonic ?? row.type === "histogram") ? 1 : 0,
    row.startNs,
    row.value,
    row.count,
    row.serviceName,
    row.scope?.name ?? "",
    row.scope?.version ?? "",
    attributesJson(row.attributes),
    resource,
    delta,
    str(row.attributes[sc.SESSION_ID]),
    projectOf(row.attributes, row.resource),
  ];
}
