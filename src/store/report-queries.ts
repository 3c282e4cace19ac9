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

/** The report's statements, with its range and filters (project, agent, model) bound. */
export class Queries {
  readonly range: Range;
  private readonly filter: string;
  private readonly filterParams: readonly SqlValue[];
  private readonly projectName: string | undefined;
  private readonly modelFilter: string;
  private readonly modelParams: readonly SqlValue[];
  /**
   * True under an agent or model filter: the usage slots name neither, so every figure is read
   * from the spans and change events.
   */
  readonly bySpans: boolean;
  /** True under a model filter: turns and sessions then come from the LLM spans. */
  readonly byModel: boolean;
  private readonly pointFilter: string;
  private readonly pointFilterParams: readonly SqlValue[];
  private readonly changeFilter: string;
  private readonly changeFilterParams: readonly SqlValue[];

  constructor(
    private readonly db: Database,
    query: ReportQuery,
  ) {
    this.range = {
      from: query.since === undefined ? 0n : BigInt(Math.floor(query.since)) * 1_000_000n,
      to: query.until === undefined ? MAX_NS : BigInt(Math.floor(query.until)) * 1_000_000n,
    };
    const project = query.project
      ? "AND s.project_ref IN (SELECT id FROM names WHERE instr(value, ?) > 0)"
      : "";
    const agent = query.agent ? "AND s.agent_ref IN (SELECT id FROM names WHERE value = ?)" : "";
    this.filter = `${project} ${agent}`;
    this.filterParams = [
      ...(query.project ? [query.project] : []),
      ...(query.agent ? [query.agent] : []),
    ];
    this.projectName = query.project || undefined;
    this.bySpans = Boolean(query.agent || query.model);
    this.byModel = Boolean(query.model);
    this.modelFilter = query.model
      ? "AND s.model_ref IN (SELECT id FROM names WHERE value = ?)"
      : "";
    this.modelParams = query.model ? [query.model] : [];
    // Other sources' metric points name no agent and no model: under those filters they add
    // nothing.
    this.pointFilter =
      query.agent || query.model ? "AND 0" : query.project ? "AND instr(m.project, ?) > 0" : "";
    this.pointFilterParams = query.project && !query.agent && !query.model ? [query.project] : [];
    // Change events name their project, agent and model, so every filter applies to them.
    this.changeFilter = [
      query.project ? "AND l.project_ref IN (SELECT id FROM names WHERE instr(value, ?) > 0)" : "",
      query.agent ? "AND l.agent_ref IN (SELECT id FROM names WHERE value = ?)" : "",
      query.model ? "AND l.model_ref IN (SELECT id FROM names WHERE value = ?)" : "",
    ].join(" ");
    this.changeFilterParams = [query.project, query.agent, query.model].filter(
      (value): value is string => Boolean(value),
    );
  }

  /**
   * `range` cut at the usage slots, or, under an agent or model filter (which the slots do not
   * name), no whole slot and the whole range read from the spans.
   */
  cut(range: Range): SlotCut {
    return this.bySpans ? { from: 0, to: 0, edges: [range] } : cutAtSlots(range);
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
    return this.statement(`SELECT ${select} FROM ${this.from(kind)}`).get(
      ...this.params(range, kind),
    );
  }

  grouped(kind: Kind, select: string, ref: string, range = this.range): Row[] {
    return this.statement(
      `SELECT s.${ref} AS k, ${select} FROM ${this.from(kind)} GROUP BY s.${ref}`,
    ).all(...this.params(range, kind));
  }

  /**
   * Turn spans per session (null: without one); under a model filter, the turns (parent spans)
   * the model's calls ran in, and every session with one of its calls.
   */
  turnsBySession(range: Range): Map<number | null, number> {
    const turns = new Map<number | null, number>();
    const sql = this.byModel
      ? `SELECT s.session_ref, COUNT(DISTINCT s.parent_span_id) FROM ${this.from("llm")}
         GROUP BY s.session_ref`
      : `SELECT s.session_ref, COUNT(*) FROM ${this.from("turn")} GROUP BY s.session_ref`;
    this.statement(sql).eachValues(
      ([k, n]) => {
        turns.set(k === null ? null : int(k), int(n));
      },
      ...this.params(range, this.byModel ? "llm" : "turn"),
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
      ...this.params(range, "tool"),
    );
  }

  /** The plugin's change events: lines, commits and pull requests. */
  changeEvents(range = this.range): Changes {
    return changesOf(
      this.statement(`SELECT ${CHANGES} FROM ${this.changes()}`).get(...this.changeParams(range)),
    );
  }

  /** Other OTLP sources' `lines_of_code.count` increases (the plugin's own are left out). */
  pointLines(range = this.range): Changes {
    return changesOf(
      this.statement(`SELECT ${POINT_LINES} FROM ${this.points()}`).get(...this.pointParams(range)),
    );
  }

  /** Change events per session, model, agent or tool (`ref`): the events name all four. */
  changesGrouped(ref: string, range = this.range): Map<number | null, Changes> {
    const rows = this.statement(
      `SELECT l.${ref} AS k, ${CHANGES} FROM ${this.changes()} GROUP BY l.${ref}`,
    ).all(...this.changeParams(range));
    return new Map(rows.map((row) => [row.k === null ? null : int(row.k), changesOf(row)]));
  }

  /** Other sources' lines per session, when their points carry `session.id`. */
  pointLinesBySession(): Map<string, Changes> {
    const rows = this.statement(
      `SELECT m.session_id AS key, ${POINT_LINES} FROM ${this.points()}
       AND m.session_id IS NOT NULL GROUP BY m.session_id`,
    ).all(...this.pointParams(this.range));
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
    // Under a model filter only LLM spans count: tool and turn spans name no model. (An empty
    // range rather than `AND 0`, which SQLite folds before it checks the partial index.)
    const model = !this.byModel ? "" : kind === "llm" ? this.modelFilter : "AND s.start_ns < 0";
    return `spans s INDEXED BY spans_${kind}
      WHERE s.category = '${kind}' AND s.start_ns >= ? AND s.start_ns < ? ${this.filter} ${model}`;
  }

  private points(): string {
    return `metric_points m INDEXED BY metric_points_time
      WHERE m.time_ns >= ? AND m.time_ns < ? ${this.pointFilter}
        AND m.name GLOB '*lines_of_code.count' AND m.scope_name != '${PLUGIN_SCOPE}'`;
  }

  private changes(): string {
    return `code_changes l INDEXED BY code_changes_time
      WHERE l.time_ns >= ? AND l.time_ns < ? ${this.changeFilter}`;
  }

  private params(range: Range, kind: Kind): SqlValue[] {
    const model = kind === "llm" ? this.modelParams : [];
    return [range.from, range.to, ...this.filterParams, ...model];
  }

  private pointParams(range: Range): SqlValue[] {
    return [range.from, range.to, ...this.pointFilterParams];
  }

  private changeParams(range: Range): SqlValue[] {
    return [range.from, range.to, ...this.changeFilterParams];
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
