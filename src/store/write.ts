import { changeColumns, type SpanColumns, spanColumns } from "./columns.js";
import type { Database, Statement } from "./db.js";
import { Interner, ResourceInterner } from "./intern.js";
import { pointDelta, type SeriesState, seriesStateOf } from "./metric-delta.js";
import { big, int, real } from "./read-row.js";
import {
  CHANGE_COLUMNS,
  changeValues,
  insertSql,
  LOG_COLUMNS,
  logKey,
  logValues,
  POINT_COLUMNS,
  pointValues,
  type Refs,
  SPAN_COLUMNS,
  seriesKey,
  spanValues,
} from "./row-values.js";
import type { LogRow, MetricPointRow, RowBatch, RowCounts, SpanRow } from "./types.js";
import { SlotWriter } from "./usage-slots.js";

/** Batched inserts: each call is one write transaction; resent rows are ignored by their keys. */
export class Writer {
  private readonly db: Database;
  private readonly names: Interner;
  private readonly resources: ResourceInterner;
  private readonly span: Statement;
  private readonly log: Statement;
  private readonly point: Statement;
  private readonly change: Statement;
  private readonly slots: SlotWriter;
  private readonly sessionAgent: Statement;
  private readonly fillAgent: Statement;
  private readonly previousPoint: Statement;
  private readonly nextPoint: Statement;
  private readonly setDelta: Statement;

  constructor(db: Database) {
    this.db = db;
    this.names = new Interner(db, "names");
    this.resources = new ResourceInterner(db);
    this.span = db.prepare(insertSql("spans", SPAN_COLUMNS));
    this.log = db.prepare(insertSql("logs", LOG_COLUMNS));
    this.point = db.prepare(insertSql("metric_points", POINT_COLUMNS));
    this.change = db.prepare(insertSql("code_changes", CHANGE_COLUMNS));
    this.slots = new SlotWriter(db);
    this.sessionAgent = db.prepare("SELECT MIN(agent_ref) AS ref FROM spans WHERE session_ref = ?");
    this.fillAgent = db.prepare(
      "UPDATE spans SET agent_ref = ? WHERE session_ref = ? AND agent_ref IS NULL",
    );
    const state = "type, temporality, monotonic, value, count";
    this.previousPoint = db.prepare(
      `SELECT ${state} FROM metric_points WHERE series = ? AND time_ns < ?
       ORDER BY time_ns DESC LIMIT 1`,
    );
    this.nextPoint = db.prepare(
      `SELECT rowid AS id, ${state} FROM metric_points WHERE series = ? AND time_ns > ?
       ORDER BY time_ns LIMIT 1`,
    );
    this.setDelta = db.prepare("UPDATE metric_points SET value_delta = ? WHERE rowid = ?");
  }

  /**
   * Tool and turn spans carry no agent: they take their session's (for a session that used
   * several, the one whose name the store saw first), and spans stored before their session's
   * agent was known get it when it arrives.
   */
  insertSpans(rows: readonly SpanRow[]): number {
    if (rows.length === 0) return 0;
    return this.write(() => {
      const batch = rows.map((row) => ({ row, c: spanColumns(row) }));
      const refs = batch.map(({ c }) => this.refsOf(c));
      const agents = new Map<number, number>();
      for (const { session, agent } of refs) {
        if (session === null || agent === null) continue;
        const seen = agents.get(session);
        if (seen === undefined || agent < seen) agents.set(session, agent);
      }
      let inserted = 0;
      batch.forEach(({ row, c }, i) => {
        const r = refs[i];
        if (!r) return;
        const agent = r.agent ?? (r.session === null ? null : this.agentOf(r.session, agents));
        const values = spanValues(row, c, { ...r, agent }, this.resources.id(row.resource));
        const stored = this.span.run(...values).changes;
        if (stored > 0) this.slots.span(row.startNs, row.statusCode, c, r.session, r.project);
        inserted += stored;
      });
      for (const [session, agent] of agents) this.fillAgent.run(agent, session);
      this.slots.flush();
      return inserted;
    });
  }

  /** A `lines_changed`, `commit` or `pull_request` event also becomes a `code_changes` row. */
  insertLogs(rows: readonly LogRow[]): number {
    if (rows.length === 0) return 0;
    return this.write(() => {
      let inserted = 0;
      for (const row of rows) {
        const values = logValues(row, this.resources.id(row.resource));
        const stored = this.log.run(...values).changes;
        inserted += stored;
        const change = stored > 0 ? changeColumns(row) : undefined;
        if (!change) continue;
        this.change.run(...changeValues(logKey(row), row.timeNs, change, this.names));
        const [session, project] = [
          this.names.ref(change.sessionId),
          this.names.ref(change.project),
        ];
        this.slots.change(row.timeNs, change, session, project);
      }
      this.slots.flush();
      return inserted;
    });
  }

  /**
   * Stores each point with its increase over the previous point of its series. A cumulative
   * point equal to the previous one is skipped: the SDK re-exports every series on every
   * interval, and storing the unchanged ones would grow the file by the minute for nothing.
   */
  insertMetricPoints(rows: readonly MetricPointRow[]): number {
    if (rows.length === 0) return 0;
    return this.write(() => {
      let inserted = 0;
      for (const row of rows) {
        const series = seriesKey(row);
        const state: SeriesState = {
          type: row.type,
          temporality: row.temporality,
          monotonic: row.monotonic ?? row.type === "histogram",
          value: row.value,
        };
        const previous = this.previousPoint.get(series, row.timeNs);
        if (previous && row.temporality !== "delta" && unchanged(previous, row)) continue;
        const delta = pointDelta(previous && seriesStateOf(previous), state);
        const resource = this.resources.id(row.resource);
        const changes = this.point.run(...pointValues(row, series, delta, resource)).changes;
        if (changes === 0) continue;
        inserted += changes;
        // A point that arrived late changes what the next one added.
        const next = this.nextPoint.get(series, row.timeNs);
        if (next) this.setDelta.run(pointDelta(state, seriesStateOf(next)), big(next.id));
      }
      return inserted;
    });
  }

  /**
   * Spans, log records and metric points in one transaction: a receiver writes everything that
   * arrived meanwhile at once (one commit for many requests). `waitMs` as in `transaction`.
   */
  insertAll(batch: RowBatch, options?: { readonly waitMs?: number }): RowCounts {
    return this.write(
      () => ({
        spans: this.insertSpans(batch.spans ?? []),
        logs: this.insertLogs(batch.logs ?? []),
        metricPoints: this.insertMetricPoints(batch.metricPoints ?? []),
      }),
      options,
    );
  }

  private write<T>(fn: () => T, options?: { readonly waitMs?: number }): T {
    try {
      return this.db.transaction(fn, options);
    } catch (error) {
      // Ids interned inside the rolled-back transaction do not exist, nor does what it added.
      this.names.reset();
      this.resources.reset();
      this.slots.reset();
      throw error;
    }
  }

  private refsOf(c: SpanColumns): Refs {
    return {
      session: this.names.ref(c.sessionId),
      agent: this.names.ref(c.agent),
      model: this.names.ref(c.model),
      provider: this.names.ref(c.provider),
      tool: this.names.ref(c.tool),
      project: this.names.ref(c.project),
    };
  }

  private agentOf(session: number, batch: Map<number, number>): number | null {
    const inBatch = batch.get(session);
    if (inBatch !== undefined) return inBatch;
    const stored = this.sessionAgent.get(session)?.ref;
    return stored === null || stored === undefined ? null : int(stored);
  }
}

function unchanged(previous: Readonly<Record<string, unknown>>, row: MetricPointRow): boolean {
  return real(previous.value) === row.value && int(previous.count) === row.count;
}
