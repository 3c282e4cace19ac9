import { type Bucket, type TimeGroup, timeBuckets } from "./buckets.js";
import { PLUGIN_SCOPE } from "./columns.js";
import type { Database, Row, SqlValue, Statement } from "./db.js";
import { int, real, text } from "./read-row.js";
import type { ToolFigures } from "./report-row.js";
import type { ReportQuery } from "./types.js";

/** The SQL behind reports: aggregates over one partial covering index per kind of span. */

export type Kind = "llm" | "tool" | "turn";

const MAX_NS = 9223372036854775807n;

export const LLM = `TOTAL(s.cost) AS cost, TOTAL(s.input_tokens) AS input,
  TOTAL(s.output_tokens) AS output, TOTAL(s.reasoning_tokens) AS reasoning,
  TOTAL(s.cache_read_tokens) AS cache_read, TOTAL(s.cache_write_tokens) AS cache_write,
  COUNT(*) AS calls, SUM(s.status_code = 2) AS errors, TOTAL(s.retries) AS retries`;
export const TOOL = "COUNT(*) AS calls, SUM(s.tool_success = 1) AS ok";
export const TURN = "COUNT(*) AS turns, COUNT(DISTINCT s.session_ref) AS sessions";
// For models and tools, which turn spans do not name: the turns (parent spans) and sessions in
// which their calls ran.
export const DISTINCT =
  ", COUNT(DISTINCT s.parent_span_id) AS turns, COUNT(DISTINCT s.session_ref) AS sessions";

const LINE_TYPE = "json_extract(m.attributes, '$.type')";
const POINT_LINES = `TOTAL(CASE WHEN ${LINE_TYPE} = 'added' THEN m.value_delta END) AS added,
  TOTAL(CASE WHEN ${LINE_TYPE} = 'removed' THEN m.value_delta END) AS removed`;
const CHANGES = `TOTAL(l.added) AS added, TOTAL(l.removed) AS removed,
  TOTAL(l.commits) AS commits, TOTAL(l.pull_requests) AS pull_requests`;

/** Lines added and removed, commits and pull requests. */
export interface Changes {
  readonly added: number;
  readonly removed: number;
  readonly commits: number;
  readonly pullRequests: number;
}

function changesOf(row: Row | undefined): Changes {
  return {
    added: real(row?.added),
    removed: real(row?.removed),
    commits: real(row?.commits),
    pullRequests: real(row?.pull_requests),
  };
}

/** The sum of two sets of changes; either may be missing. */
export function addChanges(a: Changes | undefined, b: Changes | undefined): Changes | undefined {
  if (!a || !b) return a ?? b;
  return {
    added: a.added + b.added,
    removed: a.removed + b.removed,
    commits: a.commits + b.commits,
    pullRequests: a.pullRequests + b.pullRequests,
  };
}

export interface Range {
  readonly from: bigint;
  readonly to: bigint;
}

/** The report's statements, with its range and project filter bound. */
export class Queries {
  private readonly range: Range;
  private readonly project: string;
  private readonly projectParams: readonly SqlValue[];

  constructor(
    private readonly db: Database,
    query: ReportQuery,
  ) {
    this.range = {
      from: query.since === undefined ? 0n : BigInt(Math.floor(query.since)) * 1_000_000n,
      to: query.until === undefined ? MAX_NS : BigInt(Math.floor(query.until)) * 1_000_000n,
    };
    this.project = query.project
      ? "AND s.project_ref IN (SELECT id FROM names WHERE instr(value, ?) > 0)"
      : "";
    this.projectParams = query.project ? [query.project] : [];
  }

  /** A bucket's range within the query's, or undefined when they do not meet. */
  clip(bucket: Bucket): Range | undefined {
    const from = BigInt(bucket.from) * 1_000_000n;
    const to = BigInt(bucket.to) * 1_000_000n;
    const clipped = {
      from: from > this.range.from ? from : this.range.from,
      to: to < this.range.to ? to : this.range.to,
    };
    return clipped.from < clipped.to ? clipped : undefined;
  }

  sums(kind: Kind, select: string, range = this.range): Row | undefined {
    return this.statement(`SELECT ${select} FROM ${this.from(kind)}`).get(...this.params(range));
  }

  grouped(kind: Kind, select: string, ref: string): Row[] {
    const bySession = ref === "session_ref" && this.sessionLed();
    return this.statement(
      `SELECT s.${ref} AS k, ${select} FROM ${this.from(kind, bySession)} GROUP BY s.${ref}`,
    ).all(...this.params(this.range));
  }

  /** The LLM spans' cost over the whole range (the total's one float sum). */
  cost(): number {
    return real(
      this.statement(`SELECT TOTAL(s.cost) AS cost FROM ${this.from("llm")}`).get(
        ...this.params(this.range),
      )?.cost,
    );
  }

  /**
   * Whether figures per session are read through the session-led indexes (every entry of the
   * kind, in session order: no sort) rather than the time-led ones (the range's entries, then
   * sorted by session). The first wins once the range covers about half of the stored time
   * span; the figures are the same either way.
   */
  sessionLed(): boolean {
    if (this.wide !== undefined) return this.wide;
    const open = this.range.from === 0n && this.range.to === MAX_NS;
    if (open) {
      this.wide = true;
      return true;
    }
    const bounds = this.db
      .prepare(
        `SELECT (SELECT MIN(start_ns) FROM spans) AS lo, (SELECT MAX(start_ns) FROM spans) AS hi`,
        { bigints: true },
      )
      .get();
    const lo = typeof bounds?.lo === "bigint" ? bounds.lo : undefined;
    const hi = typeof bounds?.hi === "bigint" ? bounds.hi : undefined;
    this.wide = lo !== undefined && hi !== undefined && coversHalf(this.range, lo, hi);
    return this.wide;
  }

  /**
   * Each session's tool calls, successes and sorted durations, from the session-led tool index
   * (call only when `sessionLed()`): its entries come ordered by session, then duration, so the
   * durations are read as one column, already sorted, and cut per session by the counts. Both
   * statements must run in one read transaction (`Database.read`), so that they see the same
   * rows.
   */
  toolsBySession(): Map<number | null, ToolFigures> {
    const from = this.from("tool", true);
    const counts = this.statement(
      `SELECT s.session_ref, COUNT(*), SUM(s.tool_success = 1) FROM ${from} GROUP BY s.session_ref`,
    );
    const durations = this.statement(
      `SELECT s.duration_ms FROM ${from} ORDER BY s.session_ref, s.duration_ms`,
    );
    const keys: (number | null)[] = [];
    const tallies: { calls: number; ok: number }[] = [];
    let all = 0;
    counts.eachValues(
      ([k, calls, ok]) => {
        keys.push(k === null ? null : int(k));
        tallies.push({ calls: int(calls), ok: int(ok) });
        all += int(calls);
      },
      ...this.params(this.range),
    );
    const sorted = new Float64Array(all);
    let n = 0;
    durations.eachValues(
      ([d]) => {
        sorted[n++] = real(d);
      },
      ...this.params(this.range),
    );
    const figures = new Map<number | null, ToolFigures>();
    let offset = 0;
    tallies.forEach((tally, i) => {
      const end = offset + tally.calls;
      figures.set(keys[i] ?? null, { tally, durations: sorted.subarray(offset, end) });
      offset = end;
    });
    return figures;
  }

  durations(range = this.range, ref?: string): Row[] {
    const key = ref ? `s.${ref} AS k, ` : "";
    return this.statement(`SELECT ${key}s.duration_ms AS d FROM ${this.from("tool")}`).all(
      ...this.params(range),
    );
  }

  /**
   * Every tool span's duration, outcome and key (null without `ref`), in one scan, handed to
   * `visit` row by row: calls and successes are counted from the same rows that give the
   * percentiles, instead of a second scan for them.
   */
  eachToolCall(
    visit: (duration: number, ok: boolean, key: number | null) => void,
    range = this.range,
    ref?: string,
  ): void {
    const key = ref ? `s.${ref}` : "NULL";
    this.statement(
      `SELECT s.duration_ms, s.tool_success = 1, ${key} FROM ${this.from("tool")}`,
    ).eachValues(
      ([d, ok, k]) => visit(real(d), ok === 1 || ok === 1n, k === null ? null : int(k)),
      ...this.params(range),
    );
  }

  /**
   * Lines, commits and pull requests: the plugin's change events, plus the
   * `lines_of_code.count` points of other OTLP sources (the plugin's own points carry the same
   * lines as its events).
   */
  changes(range = this.range): Changes {
    const events = changesOf(
      this.statement(`SELECT ${CHANGES} FROM ${this.changeEvents()}`).get(...this.params(range)),
    );
    const points = this.pointLines(range);
    return {
      ...events,
      added: events.added + points.added,
      removed: events.removed + points.removed,
    };
  }

  /** Other OTLP sources' `lines_of_code.count` increases (the plugin's own are left out). */
  pointLines(range = this.range): Changes {
    return changesOf(
      this.statement(`SELECT ${POINT_LINES} FROM ${this.points()}`).get(...this.params(range)),
    );
  }

  /** Changes per session, model, agent or tool (`ref`): the events name all four. */
  changesGrouped(ref: string): Map<number | null, Changes> {
    const bySession = ref === "session_ref" && this.sessionLed();
    const rows = this.statement(
      `SELECT l.${ref} AS k, ${CHANGES} FROM ${this.changeEvents(bySession)} GROUP BY l.${ref}`,
    ).all(...this.params(this.range));
    return new Map(rows.map((row) => [row.k === null ? null : int(row.k), changesOf(row)]));
  }

  /** Other sources' lines per session, when their points carry `session.id`. */
  pointLinesBySession(): Map<string, Changes> {
    const rows = this.statement(
      `SELECT m.session_id AS key, ${POINT_LINES} FROM ${this.points()}
       AND m.session_id IS NOT NULL GROUP BY m.session_id`,
    ).all(...this.params(this.range));
    return new Map(rows.map((row) => [text(row.key), changesOf(row)]));
  }

  /** The latest title of each session in `refs` (the local store keeps opencode's titles). */
  titles(refs: readonly number[]): Map<number, string> {
    if (refs.length === 0) return new Map();
    // The expression is written as in the `spans_title` index, which then holds its value.
    const titles = new Map<number, string>();
    this.db
      .prepare(
        `SELECT s.session_ref, json_extract(s.attributes, '$."session.title"')
         FROM spans s INDEXED BY spans_title
         WHERE s.category = 'session' AND s.session_ref IN (SELECT value FROM json_each(?))
         ORDER BY s.session_ref, s.end_ns`,
      )
      .eachValues(([k, title]) => {
        if (typeof title === "string") titles.set(int(k), title);
      }, JSON.stringify(refs));
    return titles;
  }

  private wide: boolean | undefined;

  private from(kind: Kind, bySession = false): string {
    // The category term must appear as written for SQLite to use the partial index.
    return `spans s INDEXED BY spans_${kind}${bySession ? "_by_session" : ""}
      WHERE s.category = '${kind}' AND s.start_ns >= ? AND s.start_ns < ? ${this.project}`;
  }

  private points(): string {
    const project = this.project ? "AND instr(m.project, ?) > 0" : "";
    return `metric_points m INDEXED BY metric_points_time
      WHERE m.time_ns >= ? AND m.time_ns < ? ${project}
        AND m.name GLOB '*lines_of_code.count' AND m.scope_name != '${PLUGIN_SCOPE}'`;
  }

  private changeEvents(bySession = false): string {
    const project = this.project
      ? "AND l.project_ref IN (SELECT id FROM names WHERE instr(value, ?) > 0)"
      : "";
    return `code_changes l INDEXED BY code_changes_${bySession ? "by_session" : "time"}
      WHERE l.time_ns >= ? AND l.time_ns < ? ${project}`;
  }

  private params(range: Range): SqlValue[] {
    return [range.from, range.to, ...this.projectParams];
  }

  private readonly cache = new Map<string, Statement>();

  private statement(sql: string) {
    const cached = this.cache.get(sql);
    if (cached) return cached;
    const statement = this.db.prepare(sql);
    this.cache.set(sql, statement);
    return statement;
  }
}

/**
 * Whether `range` covers at least half of the stored span starts' time span `[lo, hi]`: then
 * reading every entry of a session-led index costs less than sorting the range's entries.
 */
export function coversHalf(range: Range, lo: bigint, hi: bigint): boolean {
  const from = range.from > lo ? range.from : lo;
  const to = range.to < hi + 1n ? range.to : hi + 1n;
  return to > from && (to - from) * 2n >= hi + 1n - lo;
}

/** Buckets over the query's range, or over the stored data's when the range is open. */
export function bucketsOf(db: Database, query: ReportQuery, group: TimeGroup): Bucket[] {
  let from = query.since;
  let to = query.until;
  if (from === undefined || to === undefined) {
    // Each bare MIN()/MAX() is one index lookup; wrapped in arithmetic, SQLite would scan the
    // whole index instead (200 ms on a million spans).
    const bounds = db
      .prepare(
        `SELECT MIN(lo) / 1000000 AS lo, MAX(hi) / 1000000 + 1 AS hi FROM (
           SELECT (SELECT MIN(start_ns) FROM spans) AS lo, (SELECT MAX(start_ns) FROM spans) AS hi
           UNION ALL
           SELECT (SELECT MIN(time_ns) FROM metric_points), (SELECT MAX(time_ns) FROM metric_points)
           UNION ALL
           SELECT (SELECT MIN(time_ns) FROM code_changes), (SELECT MAX(time_ns) FROM code_changes))`,
      )
      .get();
    if (bounds?.lo === null || bounds?.lo === undefined) return [];
    from ??= int(bounds.lo);
    to ??= int(bounds.hi);
  }
  return timeBuckets(group, from, to, query.timeZone ?? "local");
}

export function nameValues(db: Database, refs: readonly (number | null)[]): Map<number, string> {
  const ids = refs.filter((ref) => ref !== null);
  if (ids.length === 0) return new Map();
  const rows = db
    .prepare("SELECT id, value FROM names WHERE id IN (SELECT value FROM json_each(?))")
    .all(JSON.stringify(ids));
  return new Map(rows.map((row) => [int(row.id), text(row.value)]));
}
