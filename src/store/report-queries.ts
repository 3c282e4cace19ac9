import { type Bucket, type TimeGroup, timeBuckets } from "./buckets.js";
import { PLUGIN_SCOPE } from "./columns.js";
import type { Database, Row, SqlValue, Statement } from "./db.js";
import { int, real, text } from "./read-row.js";
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

export interface Range {
  readonly from: bigint;
  readonly to: bigint;
}

/** The report's statements, with its range and filters (project, agent) bound. */
export class Queries {
  private readonly range: Range;
  private readonly filter: string;
  private readonly filterParams: readonly SqlValue[];
  private readonly modelFilter: string;
  private readonly modelParams: readonly SqlValue[];
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
    return this.statement(`SELECT ${select} FROM ${this.from(kind)}`).get(
      ...this.params(range, kind),
    );
  }

  grouped(kind: Kind, select: string, ref: string): Row[] {
    return this.statement(
      `SELECT s.${ref} AS k, ${select} FROM ${this.from(kind)} GROUP BY s.${ref}`,
    ).all(...this.params(this.range, kind));
  }

  durations(range = this.range, ref?: string): Row[] {
    const key = ref ? `s.${ref} AS k, ` : "";
    return this.statement(`SELECT ${key}s.duration_ms AS d FROM ${this.from("tool")}`).all(
      ...this.params(range, "tool"),
    );
  }

  /**
   * Lines, commits and pull requests: the plugin's change events, plus the
   * `lines_of_code.count` points of other OTLP sources (the plugin's own points carry the same
   * lines as its events).
   */
  changes(range = this.range): Changes {
    const events = changesOf(
      this.statement(`SELECT ${CHANGES} FROM ${this.changeEvents()}`).get(
        ...this.changeParams(range),
      ),
    );
    const points = this.statement(`SELECT ${POINT_LINES} FROM ${this.points()}`).get(
      ...this.pointParams(range),
    );
    return {
      ...events,
      added: events.added + real(points?.added),
      removed: events.removed + real(points?.removed),
    };
  }

  /** Changes per session, model, agent or tool (`ref`): the events name all four. */
  changesGrouped(ref: string): Map<number | null, Changes> {
    const rows = this.statement(
      `SELECT l.${ref} AS k, ${CHANGES} FROM ${this.changeEvents()} GROUP BY l.${ref}`,
    ).all(...this.changeParams(this.range));
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
    const rows = this.db
      .prepare(
        `SELECT s.session_ref AS k, json_extract(s.attributes, '$."session.title"') AS title
         FROM spans s INDEXED BY spans_session
         WHERE s.session_ref IN (SELECT value FROM json_each(?)) AND s.category = 'session'
         ORDER BY s.end_ns`,
      )
      .all(JSON.stringify(refs));
    const titles = new Map<number, string>();
    for (const row of rows) if (typeof row.title === "string") titles.set(int(row.k), row.title);
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

  private changeEvents(): string {
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
    const bounds = db
      .prepare(
        `SELECT MIN(lo) AS lo, MAX(hi) AS hi FROM (
           SELECT MIN(start_ns) / 1000000 AS lo, MAX(start_ns) / 1000000 + 1 AS hi FROM spans
           UNION ALL
           SELECT MIN(time_ns) / 1000000, MAX(time_ns) / 1000000 + 1 FROM metric_points)`,
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
