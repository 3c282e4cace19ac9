import * as sc from "../semconv.js";
import type { Database, Row, SqlValue } from "./db.js";
import { LlmSums } from "./llm-sums.js";
import { int, text } from "./read-row.js";
import { type Changes, nameValues } from "./report-queries.js";
import type { SessionListRow } from "./viewer-types.js";

/**
 * Whole-session figures for the viewer's session list, read per kind of span: LLM, tool and
 * turn spans through their covering indexes (the same columns the report sums) and session spans
 * through `spans_root`, for titles and parents.
 *
 * Every session at once takes seconds on a year of heavy use, so `FigureReader` reads in steps:
 * first the session spans (titles, parents), then the other spans by ranges of start time, the
 * newest first, sized to take about `stepMs` each. Between steps a server answers requests, and
 * the rows read so far already hold the newest sessions whole. A session's figures add up the
 * same whatever the steps were (sums, minimums and maximums; names as a whole read picks them).
 */

/** Every session's figures, or those of the sessions in `refs` (interned session ids). */
export function readSessionFigures(
  db: Database,
  changes: (sessionId: string) => Changes,
  refs?: readonly number[],
): SessionListRow[] {
  const reader = new FigureReader(db, refs);
  while (reader.step(Number.POSITIVE_INFINITY));
  return reader.rows(changes);
}

const MAX_NS = 9223372036854775807n;

export class FigureReader {
  private readonly builders = new Map<number, Builder>();
  private readonly touched = new Set<number>();
  private readonly names = new Map<number, string>();
  private readonly only: string;
  private readonly params: SqlValue[];
  private readonly index: (name: string) => string;
  /** Next session ref to read the session spans from; undefined once they are read. */
  private nextRef: number | undefined = 0;
  private readonly lastRef: number;
  /** How many session refs a step of session spans covers (each is a table row to read). */
  private refWindow = 256;
  /** Start times not read yet: [low, high), read from the top down. */
  private readonly low: bigint;
  private high: bigint;
  private window: bigint;
  private readonly total: bigint;

  /** `refs`: only these sessions (the planner then reads them through `spans_session`). */
  constructor(
    private readonly db: Database,
    refs?: readonly number[],
  ) {
    // One filter, two plans: all sessions scan the partial covering indexes; a few sessions are
    // looked up by `spans_session` (the planner's choice once the IN list is there).
    this.only = refs ? "AND s.session_ref IN (SELECT value FROM json_each(?))" : "";
    this.params = refs ? [JSON.stringify(refs)] : [];
    // A v4 store read without write access has no `spans_root` (v5): its session spans are
    // then found by the planner's own choice.
    const rooted = db
      .prepare("SELECT 1 AS found FROM sqlite_master WHERE type = 'index' AND name = 'spans_root'")
      .get();
    this.index = (name) => (refs || (name === "spans_root" && !rooted) ? "" : `INDEXED BY ${name}`);
    const bounds = db
      .prepare(
        `SELECT (SELECT MIN(start_ns) FROM spans) AS lo, (SELECT MAX(start_ns) FROM spans) AS hi,
           (SELECT MAX(id) FROM names) AS names`,
        { bigints: true },
      )
      .get();
    this.low = typeof bounds?.lo === "bigint" ? bounds.lo : 0n;
    this.high = typeof bounds?.hi === "bigint" ? bounds.hi + 1n : 0n;
    this.total = this.high > this.low ? this.high - this.low : 1n;
    // A first guess of a step's range; `step` corrects it from how long each one took.
    this.window = this.total / 64n + 1n;
    this.lastRef = refs ? 0 : int(bounds?.names);
  }

  /** Share of the work done, 0..1 (by start time covered). */
  get progress(): number {
    if (this.nextRef !== undefined) return 0;
    return Number(this.total - (this.high - this.low)) / Number(this.total);
  }

  /**
   * Reads one step of about `budgetMs` (all that is left when it is infinite); false once
   * everything has been read.
   */
  step(budgetMs: number): boolean {
    const started = performance.now();
    if (this.nextRef !== undefined && !Number.isFinite(budgetMs)) {
      this.readSessionSpans(`${this.only}`, this.params);
      this.nextRef = undefined;
    } else if (this.nextRef !== undefined) {
      const from = this.nextRef;
      const to = from + this.refWindow;
      this.readSessionSpans("AND s.session_ref >= ? AND s.session_ref < ?", [from, to]);
      this.nextRef = to > this.lastRef ? undefined : to;
      const took = performance.now() - started;
      if (took < budgetMs / 2) this.refWindow *= 2;
      else if (took > budgetMs * 2 && this.refWindow > 16) this.refWindow /= 2;
      return true;
    }
    if (this.high <= this.low) return false;
    const left = this.high - this.low;
    const width = Number.isFinite(budgetMs) && left > this.window ? this.window : left;
    const range: [bigint, bigint] = [this.high - width, this.high];
    this.readSpans(range);
    this.high = range[0];
    if (Number.isFinite(budgetMs)) {
      const took = performance.now() - started;
      if (took < budgetMs / 2) this.window *= 2n;
      else if (took > budgetMs * 2 && this.window > 1_000_000_000n) this.window /= 2n;
    }
    return this.high > this.low;
  }

  /** The rows of the sessions read since the last call (all of them the first time). */
  rows(changes: (sessionId: string) => Changes): SessionListRow[] {
    const refs = [...this.touched];
    this.touched.clear();
    const unknown = new Set<number>();
    for (const ref of refs) {
      if (!this.names.has(ref)) unknown.add(ref);
      for (const name of this.builders.get(ref)?.nameRefs() ?? [])
        if (name !== null && !this.names.has(name)) unknown.add(name);
    }
    for (const [id, value] of nameValues(this.db, [...unknown])) this.names.set(id, value);
    const rows: SessionListRow[] = [];
    for (const ref of refs) {
      const sessionId = this.names.get(ref);
      const builder = this.builders.get(ref);
      if (sessionId === undefined || !builder) continue;
      rows.push(builder.build(sessionId, this.names, changes(sessionId)));
    }
    return rows;
  }

  private builderOf(ref: unknown): Builder {
    const key = int(ref);
    this.touched.add(key);
    let builder = this.builders.get(key);
    if (!builder) {
      builder = new Builder();
      this.builders.set(key, builder);
    }
    return builder;
  }

  /** One row per process segment of each session, in order (all of a session in one step). */
  private readSessionSpans(filter: string, params: SqlValue[]): void {
    const rows = this.db
      .prepare(
        `SELECT s.session_ref AS ref, s.start_ns / 1000000 AS lo, s.end_ns / 1000000 AS hi,
           s.agent_ref AS agent, s.project_ref AS project,
           json_extract(s.attributes, '$."${sc.SESSION_TITLE}"') AS title,
           json_extract(s.attributes, '$."${sc.SESSION_PARENT_ID}"') AS parent
         FROM spans s ${this.index("spans_root")}
         WHERE s.category = 'session' AND s.session_ref IS NOT NULL ${filter}
         ORDER BY s.session_ref, s.start_ns`,
      )
      .all(...params);
    for (const row of rows) this.builderOf(row.ref).addSession(row);
  }

  /** LLM, tool and turn spans that started in `[from, to)`. */
  private readSpans([from, to]: [bigint, bigint]): void {
    const whole = from === this.low && to === this.high;
    const time = whole && this.only ? "" : "AND s.start_ns >= ? AND s.start_ns < ?";
    const params: SqlValue[] = [...this.params, ...(time ? [from, to < MAX_NS ? to : MAX_NS] : [])];
    const all = (sql: string) => this.db.prepare(sql).all(...params);
    const where = (kind: string) =>
      `WHERE s.category = '${kind}' AND s.session_ref IS NOT NULL ${this.only} ${time}`;
    // Per model first (for each session's models by cost), then per session in SQL: a year has
    // hundreds of thousands of (session, model) pairs but only thousands of sessions.
    for (const row of all(
      `SELECT ref, TOTAL(cost) AS cost, TOTAL(input) AS input, TOTAL(output) AS output,
         TOTAL(reasoning) AS reasoning, TOTAL(cache_read) AS cache_read,
         TOTAL(cache_write) AS cache_write, SUM(calls) AS calls, SUM(errors) AS errors,
         TOTAL(retries) AS retries, MIN(lo) AS lo, MIN(agent) AS agent, MAX(project) AS project,
         group_concat(model || ':' || cost) AS models
       FROM (
         SELECT s.session_ref AS ref, s.model_ref AS model, TOTAL(s.cost) AS cost,
           TOTAL(s.input_tokens) AS input, TOTAL(s.output_tokens) AS output,
           TOTAL(s.reasoning_tokens) AS reasoning, TOTAL(s.cache_read_tokens) AS cache_read,
           TOTAL(s.cache_write_tokens) AS cache_write, COUNT(*) AS calls,
           SUM(s.status_code = 2) AS errors, TOTAL(s.retries) AS retries,
           MIN(s.start_ns) / 1000000 AS lo, MIN(s.agent_ref) AS agent,
           MAX(s.project_ref) AS project
         FROM spans s ${this.index("spans_llm")} ${where("llm")}
         GROUP BY s.session_ref, s.model_ref)
       GROUP BY ref`,
    ))
      this.builderOf(row.ref).addLlm(row);
    for (const row of all(
      `SELECT s.session_ref AS ref, COUNT(*) AS calls, SUM(s.tool_success = 1) AS ok
       FROM spans s ${this.index("spans_tool")} ${where("tool")}
       GROUP BY s.session_ref`,
    ))
      this.builderOf(row.ref).addTool(row);
    for (const row of all(
      `SELECT s.session_ref AS ref, COUNT(*) AS turns, MIN(s.start_ns) / 1000000 AS lo,
         MAX(s.end_ns) / 1000000 AS hi, MIN(s.agent_ref) AS agent, MAX(s.project_ref) AS project
       FROM spans s ${this.index("spans_turn")} ${where("turn")}
       GROUP BY s.session_ref`,
    ))
      this.builderOf(row.ref).addTurn(row);
  }
}

interface Segment {
  readonly agent: number | null;
  readonly project: number | null;
  readonly title: string;
  readonly parent: string;
}

const refOf = (value: unknown) => (value === null || value === undefined ? null : int(value));
const lower = (a: number | null, b: number | null) => (a === null || (b !== null && b < a) ? b : a);
const higher = (a: number | null, b: number | null) =>
  a === null || (b !== null && b > a) ? b : a;

/** Adds up one session's parts, in any order. */
class Builder {
  private readonly modelCosts = new Map<number, number>();
  private readonly llm = new LlmSums();
  private toolCalls = 0;
  private toolOk = 0;
  private turns = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  /** The lowest agent and highest project id of its LLM calls, and of its turns. */
  private llmAgent: number | null = null;
  private llmProject: number | null = null;
  private turnAgent: number | null = null;
  private turnProject: number | null = null;
  private readonly segments: Segment[] = [];

  addLlm(row: Row): void {
    // "ref:cost,ref:cost": the models this session called (calls without one are left out).
    for (const pair of text(row.models).split(",")) {
      const [ref, cost] = pair.split(":");
      if (ref)
        this.modelCosts.set(Number(ref), (this.modelCosts.get(Number(ref)) ?? 0) + Number(cost));
    }
    this.llm.add(row);
    this.span(row.lo, undefined);
    this.llmAgent = lower(this.llmAgent, refOf(row.agent));
    this.llmProject = higher(this.llmProject, refOf(row.project));
  }

  addTool(row: Row): void {
    this.toolCalls += int(row.calls);
    this.toolOk += int(row.ok);
  }

  addTurn(row: Row): void {
    this.turns += int(row.turns);
    this.span(row.lo, row.hi);
    this.turnAgent = lower(this.turnAgent, refOf(row.agent));
    this.turnProject = higher(this.turnProject, refOf(row.project));
  }

  addSession(row: Row): void {
    this.span(row.lo, row.hi);
    this.segments.push({
      agent: refOf(row.agent),
      project: refOf(row.project),
      title: text(row.title),
      parent: text(row.parent),
    });
  }

  nameRefs(): (number | null)[] {
    const { agent, project } = this.names();
    return [agent, project, ...this.modelCosts.keys()];
  }

  build(sessionId: string, names: Map<number, string>, changes: Changes): SessionListRow {
    const nameOf = (ref: number | null) => (ref === null ? "" : (names.get(ref) ?? ""));
    const llm = this.llm;
    const prompt = llm.prompt;
    const startMs = Number.isFinite(this.lo) ? this.lo : 0;
    const { agent, project, title, parent } = this.names();
    return {
      sessionId,
      title,
      parentSessionId: parent,
      agent: nameOf(agent),
      project: nameOf(project),
      models: [...this.modelCosts].sort((a, b) => b[1] - a[1]).map(([ref]) => nameOf(ref)),
      startMs,
      endMs: Number.isFinite(this.hi) ? Math.max(this.hi, startMs) : startMs,
      turns: this.turns,
      llmCalls: llm.calls,
      toolCalls: this.toolCalls,
      toolFailures: this.toolCalls - this.toolOk,
      errors: llm.errors,
      retries: llm.retries,
      costUsd: llm.cost,
      inputTokens: llm.input,
      outputTokens: llm.output,
      reasoningTokens: llm.reasoning,
      cacheReadTokens: llm.cacheRead,
      cacheWriteTokens: llm.cacheWrite,
      tokens: prompt + llm.output + llm.reasoning,
      cacheReadShare: prompt > 0 ? llm.cacheRead / prompt : 0,
      linesAdded: changes.added,
      linesRemoved: changes.removed,
      commits: changes.commits,
      pullRequests: changes.pullRequests,
    };
  }

  /**
   * Session spans name the session's own agent and decide over its calls' (the latest process
   * segment's, like its title); without them, its LLM calls' agent and project, then its turns'.
   */
  private names() {
    let agent = this.llmAgent ?? this.turnAgent;
    let project = this.llmProject ?? this.turnProject;
    let title = "";
    let parent = "";
    for (const segment of this.segments) {
      agent = segment.agent ?? agent;
      project = segment.project ?? project;
      title = segment.title || title;
      parent = segment.parent || parent;
    }
    return { agent, project, title, parent };
  }

  private span(lo: unknown, hi: unknown): void {
    if (lo !== null && lo !== undefined) this.lo = Math.min(this.lo, int(lo));
    if (hi !== null && hi !== undefined) this.hi = Math.max(this.hi, int(hi));
  }
}
