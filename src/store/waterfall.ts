import * as sc from "../semconv.js";
import { categoryOf } from "./changes.js";
import type { Database, Row } from "./db.js";
import { int, real, text } from "./read-row.js";
import type { TurnChanges, Waterfall, WaterfallSpan } from "./viewer-types.js";

/** A session of 2,000 spans is large; 50,000 keeps one answer under about 10 MB of JSON. */
export const WATERFALL_LIMIT = 50_000;

/**
 * One session's spans for its waterfall, from the extracted columns (no attribute JSON but two
 * values): its process segments in one timeline, each with its turns, calls and tools, and the
 * subagent sessions under the `task` calls that started them. Parents come before children and
 * siblings go by start time.
 *
 * Spans reach the store when they end, so while a session runs its session span (and a running
 * subagent's) is not there yet. Own spans whose parent is not one of the session's spans are
 * roots; for a primary session, spans of its subagents whose parent is not stored at all are
 * roots too, so a running subagent shows before its `task` call ends.
 */
export function readWaterfall(
  db: Database,
  sessionId: string,
  limit = WATERFALL_LIMIT,
): Waterfall | undefined {
  const ref = db.prepare("SELECT id FROM names WHERE value = ?").get(sessionId)?.id;
  if (ref === undefined) return undefined;
  const rows = db
    .prepare(
      `SELECT s.trace_id, s.span_id, s.parent_span_id, s.name, s.category, sn.value AS session,
         s.start_ns / 1000000.0 AS start_ms, s.end_ns / 1000000.0 AS end_ms, s.status_code,
         s.status_message, mn.value AS model, tn.value AS tool, s.cost,
         s.input_tokens + s.output_tokens + s.reasoning_tokens + s.cache_read_tokens
           + s.cache_write_tokens AS tokens, s.retries,
         CASE WHEN s.category = 'turn'
           THEN json_extract(s.attributes, '$."${sc.TURN_INDEX}"') END AS turn_index,
         CASE WHEN s.category = 'tool'
           THEN json_extract(s.attributes, '$."${sc.TOOL_CHILD_SESSION_ID}"') END AS child,
         json_array_length(s.events) AS events
       FROM spans s
       LEFT JOIN names sn ON sn.id = s.session_ref
       LEFT JOIN names mn ON mn.id = s.model_ref
       LEFT JOIN names tn ON tn.id = s.tool_ref
       WHERE s.trace_id IN (SELECT trace_id FROM spans WHERE session_ref = ?)
       ORDER BY s.start_ns, s.span_id LIMIT ?`,
    )
    .all(int(ref), limit + 1);
  const truncated = rows.length > limit;
  const spans = subtreeOf(rows.slice(0, limit).map(waterfallSpan), sessionId);
  return { sessionId, spans, turnChanges: turnChangesOf(db, spans), truncated };
}

/**
 * The plugin links a `lines_changed` event to its turn's span and a `commit` or `pull_request`
 * event to the tool call's: each goes to that turn, or to the turn above the call. The events
 * are found through `logs_session` (a few per turn), their figures in `code_changes`.
 */
function turnChangesOf(db: Database, spans: readonly WaterfallSpan[]): TurnChanges[] {
  const sessions = [...new Set(spans.map((span) => span.sessionId).filter(Boolean))];
  if (sessions.length === 0) return [];
  const rows = db
    .prepare(
      `SELECT l.trace_id, l.span_id, c.added, c.removed, c.commits, c.pull_requests
       FROM logs l INDEXED BY logs_session JOIN code_changes c ON c.log_key = l.key
       WHERE l.session_id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(sessions));
  if (rows.length === 0) return [];
  const key = (traceId: string, spanId: string) => `${traceId}/${spanId}`;
  const byKey = new Map(spans.map((span) => [key(span.traceId, span.spanId), span]));
  const turns = new Map<string, TurnChanges>();
  for (const row of rows) {
    let span = byKey.get(key(text(row.trace_id), text(row.span_id)));
    while (span && span.category !== "turn" && span.category !== "session")
      span = byKey.get(key(span.traceId, span.parentSpanId));
    if (span?.category !== "turn") continue;
    const turnKey = key(span.traceId, span.spanId);
    const seen = turns.get(turnKey);
    turns.set(turnKey, {
      traceId: span.traceId,
      spanId: span.spanId,
      linesAdded: (seen?.linesAdded ?? 0) + real(row.added),
      linesRemoved: (seen?.linesRemoved ?? 0) + real(row.removed),
      commits: (seen?.commits ?? 0) + real(row.commits),
      pullRequests: (seen?.pullRequests ?? 0) + real(row.pull_requests),
    });
  }
  return [...turns.values()];
}

function waterfallSpan(row: Row): WaterfallSpan {
  return {
    traceId: text(row.trace_id),
    spanId: text(row.span_id),
    parentSpanId: text(row.parent_span_id),
    name: text(row.name),
    category: categoryOf(row.category),
    sessionId: text(row.session),
    startMs: real(row.start_ms),
    endMs: real(row.end_ms),
    status: int(row.status_code),
    statusMessage: text(row.status_message),
    model: text(row.model),
    tool: text(row.tool),
    costUsd: real(row.cost),
    tokens: real(row.tokens),
    retries: int(row.retries),
    turnIndex: int(row.turn_index),
    childSessionId: text(row.child),
    events: int(row.events),
  };
}

/** The session's spans and everything under them, depth first, siblings by start time. */
function subtreeOf(spans: readonly WaterfallSpan[], sessionId: string): WaterfallSpan[] {
  const key = (traceId: string, spanId: string) => `${traceId}/${spanId}`;
  const byKey = new Map(spans.map((span) => [key(span.traceId, span.spanId), span]));
  const children = new Map<string, WaterfallSpan[]>();
  for (const span of spans) {
    const parent = key(span.traceId, span.parentSpanId);
    const siblings = children.get(parent);
    if (siblings) siblings.push(span);
    else children.set(parent, [span]);
  }
  const parentOf = (span: WaterfallSpan) => byKey.get(key(span.traceId, span.parentSpanId));
  const own = spans.filter((span) => span.sessionId === sessionId);
  const roots = own.filter((span) => parentOf(span)?.sessionId !== sessionId);
  // A primary session's roots have no stored parent; a subagent's hang under a `task` call.
  const primary = roots.some((span) => parentOf(span) === undefined);
  if (primary) {
    const rootSet = new Set(roots);
    for (const span of spans)
      if (!rootSet.has(span) && span.sessionId !== sessionId && parentOf(span) === undefined)
        roots.push(span);
    roots.sort((a, b) => a.startMs - b.startMs);
  }
  const out: WaterfallSpan[] = [];
  const seen = new Set<WaterfallSpan>();
  const visit = (span: WaterfallSpan) => {
    if (seen.has(span)) return;
    seen.add(span);
    out.push(span);
    for (const child of children.get(key(span.traceId, span.spanId)) ?? []) visit(child);
  };
  for (const root of roots) visit(root);
  return out;
}
