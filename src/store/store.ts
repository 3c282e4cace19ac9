import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { lastRowIds, recentSpans } from "./changes.js";
import { type Database, type Driver, openDatabase } from "./db.js";
import { StoreError } from "./errors.js";
import {
  pageLogs,
  pageMetricPoints,
  pageSpans,
  readSessions,
  readSpan,
  readSpanTree,
  readTrace,
} from "./read.js";
import { buildReport } from "./report.js";
import { migrate, SCHEMA_VERSION, schemaVersion } from "./schema.js";
import { SessionIndex } from "./session-index.js";
import type {
  LogRow,
  MetricPointRow,
  Page,
  Report,
  ReportQuery,
  RetentionResult,
  RowBatch,
  RowCounts,
  SessionQuery,
  SessionSummary,
  SpanNode,
  SpanRow,
  StoredTable,
} from "./types.js";
import { countSlotsInMemory, SlotWriter, slotOf } from "./usage-slots.js";
import type { RecentSpan, RowIds, Usage, UsageQuery, Waterfall } from "./viewer-types.js";
import { buildUsage } from "./viewer-usage.js";
import { readWaterfall } from "./waterfall.js";
import { Writer } from "./write.js";

export interface StoreOptions {
  /** Refuse to create a missing file (the CLI's `report` on a machine with no store yet). */
  readonly mustExist?: boolean;
  /**
   * Open for reading only (`report`, `export` on a store the user cannot write): no migration,
   * and a store at an older schema is refused with a `needs-upgrade` error instead.
   */
  readonly readOnly?: boolean;
  /** Force a binding; by default `bun:sqlite` under Bun, `node:sqlite` under Node. */
  readonly driver?: Driver;
  /**
   * WAL pages after which a commit copies the log back into the file (SQLite's default: 1000,
   * about 4 MB). Each copy ends with an fsync; a receiver that writes all day does fewer, larger
   * ones. Per connection: other writers keep their own setting.
   */
  readonly checkpointPages?: number;
}

const TABLES: Record<StoredTable, string> = {
  spans: "spans",
  logs: "logs",
  metricPoints: "metric_points",
};

/**
 * The embedded telemetry store: one SQLite file in WAL mode, shared by every opencode process
 * (the plugin's `local` exporter), `opencode-otel serve` and the CLI's reads. Every write is
 * one short `BEGIN IMMEDIATE` transaction; a writer that finds the file locked waits up to 5 s.
 * All methods are synchronous (both bindings are) and throw `StoreError`.
 */
export class Store {
  readonly path: string;
  private readonly db: Database;
  private readonly writer: Writer;

  private constructor(db: Database) {
    this.db = db;
    this.path = db.path;
    this.writer = new Writer(db);
  }

  /** Opens (or creates, with its folder) the store at `path`, migrating it to this version. */
  static async open(path: string, options: StoreOptions = {}): Promise<Store> {
    if (!options.mustExist && !options.readOnly) mkdirSync(dirname(path), { recursive: true });
    const db = await openDatabase(path, options);
    try {
      if (options.readOnly) {
        checkReadable(db);
        return new Store(db);
      }
      if (options.checkpointPages !== undefined)
        db.exec(`PRAGMA wal_autocheckpoint=${Math.max(1, Math.floor(options.checkpointPages))}`);
      migrate(db);
      return new Store(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** True when opened read-only: every insert fails. */
  get readOnly(): boolean {
    return this.db.readOnly;
  }

  /** What a reader should be told about how the file was read (see `Database.notes`). */
  get notes(): readonly string[] {
    return this.db.notes;
  }

  get driver(): Driver {
    return this.db.driver;
  }

  /** Inserts in one transaction; returns how many were new (resent spans are ignored). */
  insertSpans(rows: readonly SpanRow[]): number {
    return this.writer.insertSpans(rows);
  }

  insertLogs(rows: readonly LogRow[]): number {
    return this.writer.insertLogs(rows);
  }

  insertMetricPoints(rows: readonly MetricPointRow[]): number {
    return this.writer.insertMetricPoints(rows);
  }

  /**
   * Everything in `batch` in one transaction; returns how many rows of each were new. With
   * `waitMs: 0` it fails at once (a `locked` StoreError) while another process writes, instead
   * of blocking for the busy timeout: `serve` then waits without blocking its event loop.
   */
  insertBatch(batch: RowBatch, options?: { readonly waitMs?: number }): RowCounts {
    return this.writer.insertAll(batch, options);
  }

  report(query: ReportQuery): Report {
    return buildReport(this.db, query);
  }

  /** Every span of a trace, by start time. */
  trace(traceId: string): SpanRow[] {
    return readTrace(this.db, traceId);
  }

  /** A session's spans as trees (see `readSpanTree`). */
  spanTree(sessionId: string): SpanNode[] {
    return readSpanTree(this.db, sessionId);
  }

  /** Sessions with a span in the range, newest first. */
  sessions(query: SessionQuery = {}): SessionSummary[] {
    return readSessions(this.db, query);
  }

  /** One span with its attributes, events and resource. */
  span(traceId: string, spanId: string): SpanRow | undefined {
    return readSpan(this.db, traceId, spanId);
  }

  /** A session's spans for the viewer's waterfall (see `readWaterfall`); undefined if unknown. */
  waterfall(sessionId: string): Waterfall | undefined {
    return readWaterfall(this.db, sessionId);
  }

  /** The viewer's usage page: reports by time, model, tool and agent. */
  usage(query: UsageQuery = {}): Usage {
    return buildUsage(this.db, query);
  }

  /** Every session's figures in memory, for the viewer; call `load()` or `loadInSteps()` first. */
  sessionIndex(): SessionIndex {
    return new SessionIndex(this.db);
  }

  /** The newest span and metric point row ids (cheap: the viewer polls them). */
  lastRowIds(): RowIds {
    return lastRowIds(this.db);
  }

  /** The last spans stored, newest first. */
  recentSpans(limit = 100): RecentSpan[] {
    return recentSpans(this.db, limit);
  }

  /** Rows stored after `afterId`, in insertion order: `export` resumes from the last id. */
  spans(afterId = 0, limit = 1000): Page<SpanRow> {
    return pageSpans(this.db, afterId, limit);
  }

  logs(afterId = 0, limit = 1000): Page<LogRow> {
    return pageLogs(this.db, afterId, limit);
  }

  metricPoints(afterId = 0, limit = 1000): Page<MetricPointRow> {
    return pageMetricPoints(this.db, afterId, limit);
  }

  /** Rows stored after `afterId` (all by default), for progress figures. */
  count(table: StoredTable, afterId = 0): number {
    const row = this.db
      .prepare(`SELECT COUNT(*) AS n FROM ${TABLES[table]} WHERE rowid > ?`)
      .get(afterId);
    return typeof row?.n === "number" ? row.n : 0;
  }

  /**
   * Deletes what is older than `days` days before `now`: spans that ended before the cutoff,
   * log records and metric points from before it. Metric points keep their increases, so
   * reports over what is left are unchanged. The file does not shrink: SQLite reuses the pages.
   */
  deleteOlderThan(days: number, now = Date.now()): RetentionResult {
    const cutoff = BigInt(Math.floor(now - days * 86_400_000)) * 1_000_000n;
    return this.db.transaction(() => {
      // Lines changed are derived from log records (`lines_changed`): they go with them.
      this.db.prepare("DELETE FROM code_changes WHERE time_ns < ?").run(cutoff);
      const result = {
        // end <= start can't hold for a stored span, so the start bound only lets the index help.
        spans: this.db
          .prepare("DELETE FROM spans WHERE start_ns < ? AND end_ns < ?")
          .run(cutoff, cutoff).changes,
        logs: this.db.prepare("DELETE FROM logs WHERE time_ns < ?").run(cutoff).changes,
        metricPoints: this.db.prepare("DELETE FROM metric_points WHERE time_ns < ?").run(cutoff)
          .changes,
      };
      // The usage slots up to the cutoff's are counted again from what is left: a span that
      // started before the cutoff but ended after it stays, and so must its figures.
      SlotWriter.rebuild(this.db, slotOf(cutoff) + 1);
      return result;
    });
  }

  schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /**
   * `PRAGMA quick_check`: "ok" for a sound file, else the first problems found. It reads every
   * page (about a second per few hundred MB) but skips the index-to-table cross-checks.
   */
  quickCheck(): string {
    return this.db
      .prepare("PRAGMA quick_check(5)")
      .all()
      .map((row) => String(Object.values(row)[0]))
      .join("; ");
  }

  /** `PRAGMA integrity_check`: "ok" for a sound file. */
  integrityCheck(): string {
    return this.db
      .prepare("PRAGMA integrity_check")
      .all()
      .map((row) => String(Object.values(row)[0]))
      .join("\n");
  }

  close(): void {
    this.db.close();
  }
}

/** A store read without write access must already be at this version's schema. */
function checkReadable(db: Database): void {
  const version = schemaVersion(db);
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION)
    throw new StoreError(
      "newer-schema",
      `the telemetry store is at schema v${version}, newer than this opencode-otel understands ` +
        `(v${SCHEMA_VERSION})`,
    );
  if (version === 3) {
    // v4 added only what reports read faster (the usage slots, the titles' index): without
    // write access they are counted into a temporary table of this connection instead.
    countSlotsInMemory(db);
    db.notes.push(
      "the store is at schema v3: its usage was counted in memory for this command (an " +
        "upgrade, done by any opencode-otel command run by a user who can write the " +
        "store, makes reports fast)",
    );
    return;
  }
  // v5 added only the viewer's index of session spans, which it does without (more slowly).
  if (version === 4) return;
  throw new StoreError(
    "needs-upgrade",
    version === 0
      ? // What the file lacks may be in a log this user cannot read.
        (db.notes[0] ?? "the file is not a telemetry store (no schema)")
      : `the store is at schema v${version} and needs an upgrade to v${SCHEMA_VERSION}, which ` +
          "needs write access",
  );
}
