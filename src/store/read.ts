import type { Database, Row, SqlValue } from "./db.js";
import { parseObject } from "./json.js";
import { big, int, real, text } from "./read-row.js";
import type {
  LogRow,
  MetricPointRow,
  Page,
  SessionQuery,
  SessionSummary,
  SpanNode,
  SpanRow,
} from "./types.js";

/** Reads for the CLI: listings, trees, and insertion-ordered pages for `export`. */

const SPAN_FIELDS = `s.rowid AS id, s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind,
  s.start_ns, s.end_ns, s.status_code, s.status_message, s.service_name, s.scope_name,
  s.scope_version, s.attributes, r.json AS resource, s.events`;
const SPANS = "spans s JOIN resources r ON r.id = s.resource_id";
const PROJECT_FILTER = "AND s.project_ref IN (SELECT id FROM names WHERE instr(value, ?) > 0)";

export function readTrace(db: Database, traceId: string): SpanRow[] {
  return db
    .prepare(`SELECT ${SPAN_FIELDS} FROM ${SPANS} WHERE s.trace_id = ? ORDER BY s.start_ns`, {
      bigints: true,
    })
    .all(traceId)
    .map(spanOf);
}

/** One span with its attributes, events and resource. */
export function readSpan(db: Database, traceId: string, spanId: string): SpanRow | undefined {
  const row = db
    .prepare(`SELECT ${SPAN_FIELDS} FROM ${SPANS} WHERE s.trace_id = ? AND s.span_id = ?`, {
      bigints: true,
    })
    .get(traceId, spanId);
  return row ? spanOf(row) : undefined;
}

/**
 * The spans of one session as trees: its session segments (one per opencode process that ran
 * it), each with its turns, LLM and tool calls, and the subagent sessions nested under `task`
 * tool calls. While a session is still open its session span is not stored yet; its turns are
 * then the roots.
 */
export function readSpanTree(db: Database, sessionId: string): SpanNode[] {
  const ref = db.prepare("SELECT id FROM names WHERE value = ?").get(sessionId)?.id;
  if (ref === undefined) return [];
  const rows = db
    .prepare(
      `SELECT ${SPAN_FIELDS}, s.session_ref FROM ${SPANS}
       WHERE s.trace_id IN (SELECT trace_id FROM spans WHERE session_ref = ?)
       ORDER BY s.start_ns`,
      { bigints: true },
    )
    .all(int(ref));
  const own = (value: unknown) => value !== null && value !== undefined && int(value) === int(ref);
  const sessionOf = new Map(rows.map((row) => [text(row.span_id), row.session_ref]));
  const children = new Map<string, SpanRow[]>();
  const roots: SpanRow[] = [];
  for (const row of rows) {
    const span = spanOf(row);
    // A root is a span of this session whose parent is missing or belongs to another session.
    if (own(row.session_ref) && !own(sessionOf.get(span.parentSpanId))) roots.push(span);
    const siblings = children.get(span.parentSpanId);
    if (siblings) siblings.push(span);
    else children.set(span.parentSpanId, [span]);
  }
  const build = (span: SpanRow): SpanNode => ({
    span,
    children: (children.get(span.spanId) ?? []).map(build),
  });
  return roots.map(build);
}

/**
 * Sessions with a turn starting in the range, newest first. Their figures are whole-session
 * (every stored span of the session, in or out of the range).
 */
export function readSessions(db: Database, query: SessionQuery): SessionSummary[] {
  const params: SqlValue[] = [
    query.since === undefined ? 0n : BigInt(Math.floor(query.since)) * 1_000_000n,
    query.until === undefined ? 9223372036854775807n : BigInt(Math.floor(query.until)) * 1_000_000n,
  ];
  if (query.project) params.push(query.project);
  params.push(query.limit ?? 50);
  const rows = db
    .prepare(
      // Picked and limited on the turn index first; only the listed sessions are then summed.
      `WITH picked AS (
         SELECT s.session_ref AS ref FROM spans s INDEXED BY spans_turn
         WHERE s.category = 'turn' AND s.start_ns >= ? AND s.start_ns < ?
           AND s.session_ref IS NOT NULL
           ${query.project ? PROJECT_FILTER : ""}
         GROUP BY s.session_ref ORDER BY MIN(s.start_ns) DESC LIMIT ?
       ), sums AS (
         SELECT s.session_ref AS ref, MIN(s.start_ns) / 1000000 AS start_ms,
           MAX(s.end_ns) / 1000000 AS end_ms, MIN(s.agent_ref) AS agent_ref,
           MAX(s.project_ref) AS project_ref, TOTAL(s.cost) AS cost,
           TOTAL(s.input_tokens + s.output_tokens + s.reasoning_tokens + s.cache_read_tokens
             + s.cache_write_tokens) AS tokens,
           SUM(s.category = 'llm') AS llm_calls, SUM(s.category = 'turn') AS turns,
           SUM(s.category = 'tool') AS tool_calls,
           SUM(s.category = 'llm' AND s.status_code = 2) AS errors,
           MIN(CASE WHEN s.category = 'session'
             THEN json_extract(s.attributes, '$."session.parent_id"') END) AS parent
         FROM spans s INDEXED BY spans_session WHERE s.session_ref IN (SELECT ref FROM picked)
         GROUP BY s.session_ref
       )
       SELECT sums.*, sn.value AS session_id, an.value AS agent, pn.value AS project,
         (SELECT trace_id FROM spans t INDEXED BY spans_session WHERE t.session_ref = sums.ref
           ORDER BY t.start_ns LIMIT 1) AS trace_id
       FROM sums
       JOIN names sn ON sn.id = sums.ref
       LEFT JOIN names an ON an.id = sums.agent_ref
       LEFT JOIN names pn ON pn.id = sums.project_ref
       ORDER BY sums.start_ms DESC`,
    )
    .all(...params);
  return rows.map((row) => ({
    sessionId: text(row.session_id),
    traceId: text(row.trace_id),
    parentSessionId: text(row.parent),
    agent: text(row.agent),
    project: text(row.project),
    startMs: int(row.start_ms),
    endMs: int(row.end_ms),
    costUsd: real(row.cost),
    tokens: real(row.tokens),
    llmCalls: int(row.llm_calls),
    turns: int(row.turns),
    toolCalls: int(row.tool_calls),
    errors: int(row.errors),
  }));
}

export function pageSpans(db: Database, afterId: number, limit: number): Page<SpanRow> {
  const rows = db
    .prepare(`SELECT ${SPAN_FIELDS} FROM ${SPANS} WHERE s.rowid > ? ORDER BY s.rowid LIMIT ?`, {
      bigints: true,
    })
    .all(afterId, limit);
  return page(rows, afterId, spanOf);
}

export function pageLogs(db: Database, afterId: number, limit: number): Page<LogRow> {
  const rows = db
    .prepare(
      `SELECT l.rowid AS id, time_ns, event_name, severity_number, severity_text, body, trace_id,
         span_id, service_name, scope_name, scope_version, attributes, r.json AS resource
       FROM logs l JOIN resources r ON r.id = l.resource_id WHERE l.rowid > ? ORDER BY l.rowid
       LIMIT ?`,
      { bigints: true },
    )
    .all(afterId, limit);
  return page(rows, afterId, (row) => ({
    timeNs: big(row.time_ns),
    eventName: text(row.event_name),
    severityNumber: int(row.severity_number),
    severityText: text(row.severity_text),
    body: text(row.body),
    traceId: text(row.trace_id),
    spanId: text(row.span_id),
    serviceName: text(row.service_name),
    attributes: parseObject(row.attributes),
    resource: parseObject(row.resource),
    scope: { name: text(row.scope_name), version: text(row.scope_version) },
  }));
}

export function pageMetricPoints(
  db: Database,
  afterId: number,
  limit: number,
): Page<MetricPointRow> {
  const rows = db
    .prepare(
      `SELECT m.rowid AS id, name, description, unit, type, temporality, monotonic, start_ns,
         time_ns, value, count, service_name, scope_name, scope_version, attributes,
         r.json AS resource
       FROM metric_points m JOIN resources r ON r.id = m.resource_id WHERE m.rowid > ?
       ORDER BY m.rowid LIMIT ?`,
      { bigints: true },
    )
    .all(afterId, limit);
  return page(rows, afterId, (row) => ({
    name: text(row.name),
    description: text(row.description),
    unit: text(row.unit),
    type: pointType(row.type),
    temporality: temporality(row.temporality),
    monotonic: int(row.monotonic) === 1,
    startNs: big(row.start_ns),
    timeNs: big(row.time_ns),
    value: real(row.value),
    count: int(row.count),
    serviceName: text(row.service_name),
    attributes: parseObject(row.attributes),
    resource: parseObject(row.resource),
    scope: { name: text(row.scope_name), version: text(row.scope_version) },
  }));
}

function page<T>(rows: readonly Row[], afterId: number, convert: (row: Row) => T): Page<T> {
  const last = rows.at(-1);
  return { items: rows.map(convert), lastId: last ? int(last.id) : afterId };
}

function spanOf(row: Row): SpanRow {
  return {
    traceId: text(row.trace_id),
    spanId: text(row.span_id),
    parentSpanId: text(row.parent_span_id),
    name: text(row.name),
    kind: int(row.kind),
    startNs: big(row.start_ns),
    endNs: big(row.end_ns),
    statusCode: int(row.status_code),
    statusMessage: text(row.status_message),
    serviceName: text(row.service_name),
    attributes: parseObject(row.attributes),
    resource: parseObject(row.resource),
    events: eventsOf(row.events),
    scope: { name: text(row.scope_name), version: text(row.scope_version) },
  };
}

function eventsOf(json: unknown): SpanRow["events"] {
  const parsed: unknown = typeof json === "string" ? JSON.parse(json) : [];
  if (!Array.isArray(parsed)) return [];
  return parsed.map((item: unknown) => {
    const event =
      typeof item === "object" && item !== null ? Object.fromEntries(Object.entries(item)) : {};
    return {
      name: text(event.name),
      timeNs: typeof event.timeNs === "string" ? BigInt(event.timeNs) : 0n,
      attributes:
        typeof event.attributes === "object" && event.attributes !== null
          ? Object.fromEntries(Object.entries(event.attributes))
          : {},
    };
  });
}

function pointType(value: unknown): MetricPointRow["type"] {
  return value === "gauge" || value === "histogram" ? value : "sum";
}

function temporality(value: unknown): MetricPointRow["temporality"] {
  return value === "cumulative" || value === "delta" ? value : "unspecified";
}
