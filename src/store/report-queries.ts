import { type Bucket, type TimeGroup, timeBuckets } from "./buckets.js";
import { PLUGIN_SCOPE } from "./columns.js";
import type { Database, Row, SqlValue, Statement } from "./db.js";
import { int, real, text } from "./read-row.js";
import type { ReportQuery } from "./types.js";
import { eachSlot, SLOT_MS, SLOT_NS, slotOf } from "./usage-slots.js";

/**
 * The SQL behind reports: the usage slots, and aggregates over one partial covering index per
 * kind of span for what the slots cannot answer.
 */

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

/** A range cut at quarter-hour slots: whole slots, read from `usage_slots`, and the rest. */
export interface SlotCut {
  /** Slot numbers, inclusive / exclusive (empty when `from >= to`). */
  readonly from: number;
  readonly to: number;
  /** The parts of the range outside those slots, read from the spans themselves. */
  readonly edges: readonly Range[];
}

/** `range` as whole slots and the pieces at its ends that cut one. */
export function cutAtSlots(range: Range): SlotCut {
  const from = ceilSlot(range.from);
  const to = floorSlot(range.to);
  if (from >= to) return { from: 0, to: 0, edges: [range] };
  const edges: Range[] = [];
  const start = BigInt(from) * SLOT_NS;
  const end = BigInt(to) * SLOT_NS;
  if (range.from < start) edges.push({ from: range.from, to: start });
  if (end < range.to) edges.push({ from: end, to: range.to });
  return { from, to, edges };
}

const floorSlot = (ns: bigint): number => slotOf(ns);
const ceilSlot = (ns: bigint): number => {
  const slot = slotOf(ns);
  return BigInt(slot) * SLOT_NS === ns ? slot : slot + 1;
};

/** The report's statements, with its range and project filter bound. */
export class Queries {
  readonly range: Range;
  private readonly project: string;
  private readonly projectParams: readonly SqlValue[];
  private readonly projectName: string | undefined;

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
    this.projectName = query.project || undefined;
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

  /** The stored usage slots in `[from, to)` of the query's project, in key order. */
  eachSlot(cut: SlotCut, visit: (row: readonly unknown[]) => void): void {
    if (cut.from < cut.to) eachSlot(this.db, cut.from, cut.to, this.projectName, visit);
  }

  sums(kind: Kind, select: string, range = this.range): Row | undefined {
    return this.statement(`SELECT ${select} FROM ${this.from(kind)}`).get(...this.params(range));
  }

  grouped(kind: Kind, select: string, ref: string, range = this.range): Row[] {
    return this.statement(
      `SELECT s.${ref} AS k, ${select} FROM ${this.from(kind)} GROUP BY s.${ref}`,
    ).all(...this.params(range));
  }

  /** Turn spans per session (null: without one). */
  turnsBySession(range: Range): Map<number | null, number> {
    const turns = new Map<number | null, number>();
    this.statement(
      `SELECT s.session_ref, COUNT(*) FROM ${this.from("turn")} GROUP BY s.session_ref`,
    ).eachValues(
      ([k, n]) => {
        turns.set(k === null ? null : int(k), int(n));
      },
      ...this.params(range),
    );
    return turns;
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

  /** The plugin's change events: lines, commits and pull requests. */
  changeEvents(range = this.range): Changes {
    return changesOf(
      this.statement(`SELECT ${CHANGES} FROM ${this.changes()}`).get(...this.params(range)),
    );
  }

  /** Other OTLP sources' `lines_of_code.count` increases (the plugin's own are left out). */
  pointLines(range = this.range): Changes {
    return changesOf(
      this.statement(`SELECT ${POINT_LINES} FROM ${this.points()}`).get(...this.params(range)),
    );
  }

  /** Change events per session, model, agent or tool (`ref`): the events name all four. */
  changesGrouped(ref: string, range = this.range): Map<number | null, Changes> {
    const rows = this.statement(
      `SELECT l.${ref} AS k, ${CHANGES} FROM ${this.changes()} GROUP BY l.${ref}`,
    ).all(...this.params(range));
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
    // The expression is written as in the `spans_title` index, which then holds its value (a
    // v3 store read without write access has no such index: its session spans are read).
    const indexed = this.db
      .prepare("SELECT 1 AS found FROM sqlite_master WHERE type = 'index' AND name = 'spans_title'")
      .get();
    const titles = new Map<number, string>();
    this.db
      .prepare(
        `SELECT s.session_ref, json_extract(s.attributes, '$."session.title"')
         FROM spans s ${indexed ? "INDEXED BY spans_title" : ""}
         WHERE s.category = 'session' AND s.session_ref IN (SELECT value FROM json_each(?))
         ORDER BY s.session_ref, s.end_ns`,
      )
      .eachValues(([k, title]) => {
        if (typeof title === "string") titles.set(int(k), title);
      }, JSON.stringify(refs));
    return titles;
  }

  private from(kind: Kind): string {
    // The category term must appear as written for SQLite to use the partial index.
    return `spans s INDEXED BY spans_${kind}
      WHERE s.category = '${kind}' AND s.start_ns >= ? AND s.start_ns < ? ${this.project}`;
  }

  private points(): string {
    const project = this.project ? "AND instr(m.project, ?) > 0" : "";
    return `metric_points m INDEXED BY metric_points_time
      WHERE m.time_ns >= ? AND m.time_ns < ? ${project}
        AND m.name GLOB '*lines_of_code.count' AND m.scope_name != '${PLUGIN_SCOPE}'`;
  }

  private changes(): string {
    const project = this.project
      ? "AND l.project_ref IN (SELECT id FROM names WHERE instr(value, ?) > 0)"
      : "";
    return `code_changes l INDEXED BY code_changes_time
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
    // Widened to whole slots (nothing is stored beyond the bounds), so no bucket cuts one.
    from ??= Math.floor(int(bounds.lo) / SLOT_MS) * SLOT_MS;
    to ??= Math.ceil(int(bounds.hi) / SLOT_MS) * SLOT_MS;
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
