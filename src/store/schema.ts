import * as sc from "../semconv.js";
import { changeColumns, projectOf, spanColumns, str } from "./columns.js";
import type { Database } from "./db.js";
import { StoreError } from "./errors.js";
import { Interner } from "./intern.js";
import { parseObject } from "./json.js";
import { pointDelta, type SeriesState, seriesStateOf } from "./metric-delta.js";
import { big, int, text } from "./read-row.js";
import { CHANGE_COLUMNS, changeValues } from "./row-values.js";
import { SlotWriter, USAGE_SLOTS_TABLE } from "./usage-slots.js";

/**
 * The store's schema, as ordered migrations. v1 keeps each signal as received (generic columns,
 * JSON text for attributes, resource and events) under natural keys, so a resent batch is
 * ignored. v2 adds the report columns extracted at insert time, a covering index for reports,
 * and per-point increases of metric series; it backfills them for stores written at v1.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  up(db: Database): void;
}

// Resources repeat on every span of a process: stored once each, by content.
const V1 = `
CREATE TABLE resources (
  id INTEGER PRIMARY KEY,
  json TEXT NOT NULL UNIQUE
);
CREATE TABLE spans (
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  status_code INTEGER NOT NULL,
  status_message TEXT NOT NULL,
  service_name TEXT NOT NULL,
  scope_name TEXT NOT NULL,
  scope_version TEXT NOT NULL,
  attributes TEXT NOT NULL,
  resource_id INTEGER NOT NULL,
  events TEXT NOT NULL,
  PRIMARY KEY (trace_id, span_id)
);
CREATE INDEX spans_start ON spans (start_ns);
CREATE TABLE logs (
  key TEXT NOT NULL PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  event_name TEXT NOT NULL,
  severity_number INTEGER NOT NULL,
  severity_text TEXT NOT NULL,
  body TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  service_name TEXT NOT NULL,
  scope_name TEXT NOT NULL,
  scope_version TEXT NOT NULL,
  attributes TEXT NOT NULL,
  resource_id INTEGER NOT NULL
);
CREATE INDEX logs_time ON logs (time_ns);
CREATE TABLE metric_points (
  series TEXT NOT NULL,
  time_ns INTEGER NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  unit TEXT NOT NULL,
  type TEXT NOT NULL,
  temporality TEXT NOT NULL,
  monotonic INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  value REAL NOT NULL,
  count INTEGER NOT NULL,
  service_name TEXT NOT NULL,
  scope_name TEXT NOT NULL,
  scope_version TEXT NOT NULL,
  attributes TEXT NOT NULL,
  resource_id INTEGER NOT NULL,
  PRIMARY KEY (series, time_ns)
);
CREATE INDEX metric_points_time ON metric_points (time_ns);
`;

// Reports read only the extracted columns, through one partial covering index per kind of span
// (LLM calls, tool calls, turns): a report scans just the entries of the kind it sums, never the
// table rows that hold the (much larger) JSON, and each insert updates one of them. Names
// (session ids, agents, models, tools, projects) are interned as integers, which keeps those
// indexes narrow and makes grouping and distinct counts integer work.
const V2 = `
CREATE TABLE names (
  id INTEGER PRIMARY KEY,
  value TEXT NOT NULL UNIQUE
);
ALTER TABLE spans ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
ALTER TABLE spans ADD COLUMN session_ref INTEGER;
ALTER TABLE spans ADD COLUMN agent_ref INTEGER;
ALTER TABLE spans ADD COLUMN model_ref INTEGER;
ALTER TABLE spans ADD COLUMN provider_ref INTEGER;
ALTER TABLE spans ADD COLUMN tool_ref INTEGER;
ALTER TABLE spans ADD COLUMN project_ref INTEGER;
ALTER TABLE spans ADD COLUMN duration_ms REAL NOT NULL DEFAULT 0;
ALTER TABLE spans ADD COLUMN cost REAL NOT NULL DEFAULT 0;
ALTER TABLE spans ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE spans ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE spans ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE spans ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE spans ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE spans ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE spans ADD COLUMN tool_success INTEGER;
CREATE INDEX spans_llm ON spans (
  start_ns, model_ref, agent_ref, session_ref, project_ref, parent_span_id, status_code, cost,
  input_tokens, output_tokens, reasoning_tokens, cache_read_tokens, cache_write_tokens, retries
) WHERE category = 'llm';
CREATE INDEX spans_tool ON spans (
  start_ns, tool_ref, agent_ref, session_ref, project_ref, parent_span_id, duration_ms,
  tool_success
) WHERE category = 'tool';
CREATE INDEX spans_turn ON spans (start_ns, session_ref, agent_ref, project_ref, end_ns)
  WHERE category = 'turn';
CREATE INDEX spans_session ON spans (session_ref, agent_ref);
ALTER TABLE logs ADD COLUMN session_id TEXT;
CREATE INDEX logs_session ON logs (session_id, time_ns);
ALTER TABLE metric_points ADD COLUMN value_delta REAL NOT NULL DEFAULT 0;
ALTER TABLE metric_points ADD COLUMN session_id TEXT;
ALTER TABLE metric_points ADD COLUMN project TEXT;
CREATE INDEX metric_points_name ON metric_points (name, time_ns);
`;

// What the agent changed and shipped: one row per `lines_changed`, `commit` or `pull_request`
// log event (keyed by the log's key, so a resent record adds nothing), with the names a report
// groups by, behind one covering index.
const V3 = `
CREATE TABLE code_changes (
  log_key TEXT NOT NULL PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  session_ref INTEGER,
  model_ref INTEGER,
  agent_ref INTEGER,
  tool_ref INTEGER,
  project_ref INTEGER,
  added REAL NOT NULL,
  removed REAL NOT NULL,
  commits INTEGER NOT NULL,
  pull_requests INTEGER NOT NULL
);
CREATE INDEX code_changes_time ON code_changes (
  time_ns, session_ref, model_ref, agent_ref, tool_ref, project_ref, added, removed, commits,
  pull_requests
);
`;

// Reports by time and by session read `usage_slots` (see usage-slots.ts), filled from what is
// stored and kept up to date by every write. A session's title is read from `spans_title`
// (its value is in the index), not from the span's JSON.
const V4 = `${USAGE_SLOTS_TABLE}
CREATE INDEX spans_title ON spans (
  session_ref, end_ns, json_extract(attributes, '$."session.title"')
) WHERE category = 'session';
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: "signals as received, under natural keys", up: (db) => db.exec(V1) },
  {
    version: 2,
    description: "report columns, covering report index, metric increases",
    up(db) {
      db.exec(V2);
      backfillSpans(db);
      backfillLogs(db);
      backfillPoints(db);
    },
  },
  {
    version: 3,
    description: "lines changed, commits and pull requests per session, model, agent and tool",
    up(db) {
      db.exec(V3);
      backfillChanges(db);
    },
  },
  {
    version: 4,
    description: "usage per quarter hour, session and project; session titles by index",
    up(db) {
      db.exec(V4);
      SlotWriter.rebuild(db);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The file's schema version; 0 for a new file. */
export function schemaVersion(db: Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    .get();
  if (!table) return 0;
  const row = db.prepare("SELECT MAX(version) AS version FROM schema_version").get();
  return int(row?.version);
}

/**
 * Brings the file to `SCHEMA_VERSION`. Several processes may open a new file at once: the
 * version is read again inside the write transaction, so exactly one of them migrates and the
 * others find nothing to do. A file from a newer opencode-otel is refused, not rewritten.
 */
export function migrate(db: Database): { from: number; to: number } {
  const seen = schemaVersion(db);
  if (seen > SCHEMA_VERSION) throw newer(seen);
  if (seen === SCHEMA_VERSION) return { from: seen, to: seen };
  return db.transaction(() => {
    const from = schemaVersion(db);
    if (from > SCHEMA_VERSION) throw newer(from);
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    for (const migration of MIGRATIONS) {
      if (migration.version <= from) continue;
      migration.up(db);
      db.prepare("DELETE FROM schema_version").run();
      db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(migration.version);
    }
    return { from, to: SCHEMA_VERSION };
  });
}

function newer(version: number): StoreError {
  return new StoreError(
    "newer-schema",
    `the telemetry store is at schema v${version}, newer than this opencode-otel understands ` +
      `(v${SCHEMA_VERSION})`,
  );
}

function backfillSpans(db: Database): void {
  const names = new Interner(db, "names");
  const update = db.prepare(
    `UPDATE spans SET category = ?, session_ref = ?, agent_ref = ?, model_ref = ?,
       provider_ref = ?, tool_ref = ?, project_ref = ?, duration_ms = ?, cost = ?,
       input_tokens = ?, output_tokens = ?, reasoning_tokens = ?, cache_read_tokens = ?,
       cache_write_tokens = ?, retries = ?, tool_success = ?
     WHERE rowid = ?`,
  );
  const rows = db
    .prepare(
      `SELECT spans.rowid AS id, name, start_ns, end_ns, status_code, attributes, r.json AS resource
       FROM spans JOIN resources r ON r.id = spans.resource_id`,
      { bigints: true },
    )
    .all();
  for (const row of rows) {
    const c = spanColumns({
      name: text(row.name),
      startNs: big(row.start_ns),
      endNs: big(row.end_ns),
      statusCode: int(row.status_code),
      attributes: parseObject(row.attributes),
      resource: parseObject(row.resource),
    });
    update.run(
      c.category,
      names.ref(c.sessionId),
      names.ref(c.agent),
      names.ref(c.model),
      names.ref(c.provider),
      names.ref(c.tool),
      names.ref(c.project),
      c.durationMs,
      c.cost,
      c.inputTokens,
      c.outputTokens,
      c.reasoningTokens,
      c.cacheReadTokens,
      c.cacheWriteTokens,
      c.retries,
      c.toolSuccess,
      big(row.id),
    );
  }
  // Spans without an agent (tools, turns) take their session's, as at insert time.
  db.exec(`UPDATE spans SET agent_ref = (
      SELECT MIN(s.agent_ref) FROM spans s WHERE s.session_ref = spans.session_ref)
    WHERE agent_ref IS NULL AND session_ref IS NOT NULL`);
}

function backfillLogs(db: Database): void {
  const update = db.prepare("UPDATE logs SET session_id = ? WHERE rowid = ?");
  for (const row of db.prepare("SELECT rowid AS id, attributes FROM logs").all())
    update.run(str(parseObject(row.attributes)[sc.SESSION_ID]), int(row.id));
}

function backfillPoints(db: Database): void {
  const update = db.prepare(
    "UPDATE metric_points SET value_delta = ?, session_id = ?, project = ? WHERE rowid = ?",
  );
  const rows = db
    .prepare(
      `SELECT m.rowid AS id, series, type, temporality, monotonic, value, attributes,
         r.json AS resource
       FROM metric_points m JOIN resources r ON r.id = m.resource_id ORDER BY series, time_ns`,
      { bigints: true },
    )
    .all();
  let series = "";
  let previous: SeriesState | undefined;
  for (const row of rows) {
    if (text(row.series) !== series) previous = undefined;
    series = text(row.series);
    const point = seriesStateOf(row);
    const attributes = parseObject(row.attributes);
    update.run(
      pointDelta(previous, point),
      str(attributes[sc.SESSION_ID]),
      projectOf(attributes, parseObject(row.resource)),
      big(row.id),
    );
    previous = point;
  }
}

function backfillChanges(db: Database): void {
  const names = new Interner(db, "names");
  const insert = db.prepare(
    `INSERT OR IGNORE INTO code_changes (${CHANGE_COLUMNS.join(", ")})
     VALUES (${CHANGE_COLUMNS.map(() => "?").join(", ")})`,
  );
  const rows = db
    .prepare(
      `SELECT key, time_ns, event_name, attributes, r.json AS resource
       FROM logs JOIN resources r ON r.id = logs.resource_id
       WHERE event_name GLOB '*lines_changed' OR event_name GLOB '*commit'
         OR event_name GLOB '*pull_request'`,
      { bigints: true },
    )
    .all();
  for (const row of rows) {
    const change = changeColumns({
      eventName: text(row.event_name),
      attributes: parseObject(row.attributes),
      resource: parseObject(row.resource),
    });
    if (change) insert.run(...changeValues(text(row.key), big(row.time_ns), change, names));
  }
}
