import type { Database } from "./db.js";
import { int, real, text } from "./read-row.js";
import type { RecentSpan, RowIds, WaterfallSpan } from "./viewer-types.js";

/**
 * What other processes wrote: the newest row ids (the rightmost entries of the rowid trees, so a
 * poll costs microseconds whatever the store's size) and what the rows after an id touched.
 */

export function lastRowIds(db: Database): RowIds {
  const row = db
    .prepare(
      `SELECT (SELECT MAX(rowid) FROM spans) AS spans,
         (SELECT MAX(rowid) FROM metric_points) AS points,
         (SELECT MAX(rowid) FROM code_changes) AS changes`,
    )
    .get();
  return {
    spans: int(row?.spans),
    metricPoints: int(row?.points),
    codeChanges: int(row?.changes),
  };
}

/** Sessions (interned refs and ids) and traces of the spans stored after `afterId`. */
export function touchedSince(
  db: Database,
  afterId: number,
  limit: number,
): { refs: number[]; sessions: string[]; traces: string[]; more: boolean } {
  const rows = db
    .prepare(
      `SELECT DISTINCT s.session_ref AS ref, n.value AS session, s.trace_id AS trace
       FROM spans s LEFT JOIN names n ON n.id = s.session_ref
       WHERE s.rowid > ? LIMIT ?`,
    )
    .all(afterId, limit + 1);
  const more = rows.length > limit;
  const refs = new Set<number>();
  const sessions = new Set<string>();
  const traces = new Set<string>();
  for (const row of rows.slice(0, limit)) {
    if (row.ref !== null && row.ref !== undefined) refs.add(int(row.ref));
    if (text(row.session)) sessions.add(text(row.session));
    traces.add(text(row.trace));
  }
  return { refs: [...refs], sessions: [...sessions], traces: [...traces], more };
}

/** The last `limit` spans stored, newest first. */
export function recentSpans(db: Database, limit: number): RecentSpan[] {
  return db
    .prepare(
      `SELECT s.rowid AS id, s.trace_id, s.span_id, s.name, s.category, n.value AS session,
         s.start_ns / 1000000.0 AS start_ms, s.end_ns / 1000000.0 AS end_ms, s.status_code,
         s.cost, s.input_tokens + s.output_tokens + s.reasoning_tokens + s.cache_read_tokens
           + s.cache_write_tokens AS tokens
       FROM spans s LEFT JOIN names n ON n.id = s.session_ref
       ORDER BY s.rowid DESC LIMIT ?`,
    )
    .all(limit)
    .map((row) => ({
      id: int(row.id),
      traceId: text(row.trace_id),
      spanId: text(row.span_id),
      name: text(row.name),
      category: categoryOf(row.category),
      sessionId: text(row.session),
      startMs: real(row.start_ms),
      endMs: real(row.end_ms),
      status: int(row.status_code),
      costUsd: real(row.cost),
      tokens: real(row.tokens),
    }));
}

export function categoryOf(value: unknown): WaterfallSpan["category"] {
  return value === "session" || value === "turn" || value === "llm" || value === "tool"
    ? value
    : "other";
}
