import * as sc from "../semconv.js";
import type { Database, Row, SqlValue } from "./db.js";
import { int, real, text } from "./read-row.js";
import { type Changes, nameValues, Queries } from "./report-queries.js";

export type { Changes as CodeChanges };

import type { SessionListRow } from "./viewer-types.js";

/**
 * Whole-session figures for the viewer's session list, read per kind of span: LLM, tool and
 * turn spans through their covering indexes (the same columns the report sums) and session spans
 * through `spans_root`, for titles and parents. `refs` limits the reads to some sessions (the
 * ones new rows touched), which the planner serves from `spans_session` instead.
 */

interface Parts {
  llm: Row[];
  tool: Row[];
  turn: Row[];
  session: Row[];
}

export type SessionChanges = ReadonlyMap<string, Changes>;

const NO_CHANGES: Changes = { added: 0, removed: 0, commits: 0, pullRequests: 0 };

export function addChanges(a: Changes | undefined, b: Changes | undefined): Changes {
  if (!a || !b) return a ?? b ?? NO_CHANGES;
  return {
    added: a.added + b.added,
    removed: a.removed + b.removed,
    commits: a.commits + b.commits,
    pullRequests: a.pullRequests + b.pullRequests,
  };
}

/**
 * Lines, commits and pull requests per session id from the plugin's change events
 * (`code_changes`) with a row id in `(afterId, throughId]`: all of them from 0, the new ones
 * after that (the rows are only ever added, so new ones add to what was read).
 */
export function readEventChanges(db: Database, afterId: number, throughId: number): SessionChanges {
  const rows = db
    .prepare(
      `SELECT n.value AS id, c.added, c.removed, c.commits, c.pull_requests
       FROM (SELECT session_ref, TOTAL(added) AS added, TOTAL(removed) AS removed,
               TOTAL(commits) AS commits, TOTAL(pull_requests) AS pull_requests
             FROM code_changes WHERE rowid > ? AND rowid <= ? AND session_ref IS NOT NULL
             GROUP BY session_ref) c
       JOIN names n ON n.id = c.session_ref`,
    )
    .all(afterId, throughId);
  return new Map(
    rows.map((row) => [
      text(row.id),
      {
        added: real(row.added),
        removed: real(row.removed),
        commits: real(row.commits),
        pullRequests: real(row.pull_requests),
      },
    ]),
  );
}

/** Other OTLP sources' lines per session id, from `lines_of_code.count` points naming one. */
export function readPointLines(db: Database): SessionChanges {
  return new Queries(db, { group: "session" }).pointLinesBySession();
}

/** Every session's figures, or those of the sessions in `refs` (interned session ids). */
export function readSessionFigures(
  db: Database,
  changes: (sessionId: string) => Changes,
  refs?: readonly number[],
): SessionListRow[] {
  const parts = readParts(db, refs);
  const builders = new Map<number, Builder>();
  const builderOf = (ref: unknown): Builder => {
    const key = int(ref);
    let builder = builders.get(key);
    if (!builder) {
      builder = new Builder();
      builders.set(key, builder);
    }
    return builder;
  };
  for (const row of parts.llm) builderOf(row.ref).addLlm(row);
  for (const row of parts.tool) builderOf(row.ref).addTool(row);
  for (const row of parts.turn) builderOf(row.ref).addTurn(row);
  for (const row of parts.session) builderOf(row.ref).addSession(row);
  const names = nameValues(db, [
    ...builders.keys(),
    ...[...builders.values()].flatMap((b) => b.nameRefs()),
  ]);
  const rows: SessionListRow[] = [];
  for (const [ref, builder] of builders) {
    const sessionId = names.get(ref);
    if (sessionId === undefined) continue;
    rows.push(builder.build(sessionId, names, changes(sessionId)));
  }
  return rows;
}

function readParts(db: Database, refs: readonly number[] | undefined): Parts {
  // One filter, two plans: all sessions scan the partial covering indexes; a few sessions are
  // looked up by `spans_session` (the planner's choice once the IN list is there).
  const only = refs ? "AND s.session_ref IN (SELECT value FROM json_each(?))" : "";
  const params: SqlValue[] = refs ? [JSON.stringify(refs)] : [];
  const index = (name: string) => (refs ? "" : `INDEXED BY ${name}`);
  const all = (sql: string) => db.prepare(sql).all(...params);
  return {
    // Per model first (for each session's models by cost), then per session in SQL: a year has
    // hundreds of thousands of (session, model) pairs but only thousands of sessions.
    llm: all(
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
         FROM spans s ${index("spans_llm")}
         WHERE s.category = 'llm' AND s.session_ref IS NOT NULL ${only}
         GROUP BY s.session_ref, s.model_ref)
       GROUP BY ref`,
    ),
    tool: all(
      `SELECT s.session_ref AS ref, COUNT(*) AS calls, SUM(s.tool_success = 1) AS ok
       FROM spans s ${index("spans_tool")}
       WHERE s.category = 'tool' AND s.session_ref IS NOT NULL ${only}
       GROUP BY s.session_ref`,
    ),
    turn: all(
      `SELECT s.session_ref AS ref, COUNT(*) AS turns, MIN(s.start_ns) / 1000000 AS lo,
         MAX(s.end_ns) / 1000000 AS hi, MIN(s.agent_ref) AS agent, MAX(s.project_ref) AS project
       FROM spans s ${index("spans_turn")}
       WHERE s.category = 'turn' AND s.session_ref IS NOT NULL ${only}
       GROUP BY s.session_ref`,
    ),
    // One row per process segment; the latest one's title wins.
    session: all(
      `SELECT s.session_ref AS ref, s.start_ns / 1000000 AS lo, s.end_ns / 1000000 AS hi,
         s.agent_ref AS agent, s.project_ref AS project,
         json_extract(s.attributes, '$."${sc.SESSION_TITLE}"') AS title,
         json_extract(s.attributes, '$."${sc.SESSION_PARENT_ID}"') AS parent
       FROM spans s ${index("spans_root")}
       WHERE s.category = 'session' AND s.session_ref IS NOT NULL ${only}
       ORDER BY s.session_ref, s.start_ns`,
    ),
  };
}

/** Adds up one session's parts. */
class Builder {
  private readonly modelCosts = new Map<number, number>();
  private cost = 0;
  private input = 0;
  private output = 0;
  private reasoning = 0;
  private cacheRead = 0;
  private cacheWrite = 0;
  private llmCalls = 0;
  private errors = 0;
  private retries = 0;
  private toolCalls = 0;
  private toolOk = 0;
  private turns = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  private agent: number | null = null;
  private project: number | null = null;
  private title = "";
  private parent = "";

  addLlm(row: Row): void {
    // "ref:cost,ref:cost": the models this session called (calls without one are left out).
    for (const pair of text(row.models).split(",")) {
      const [ref, cost] = pair.split(":");
      if (ref) this.modelCosts.set(Number(ref), Number(cost));
    }
    this.cost += real(row.cost);
    this.input += real(row.input);
    this.output += real(row.output);
    this.reasoning += real(row.reasoning);
    this.cacheRead += real(row.cache_read);
    this.cacheWrite += real(row.cache_write);
    this.llmCalls += int(row.calls);
    this.errors += int(row.errors);
    this.retries += real(row.retries);
    this.span(row.lo, undefined);
    this.names(row);
  }

  addTool(row: Row): void {
    this.toolCalls += int(row.calls);
    this.toolOk += int(row.ok);
  }

  addTurn(row: Row): void {
    this.turns += int(row.turns);
    this.span(row.lo, row.hi);
    this.names(row);
  }

  addSession(row: Row): void {
    this.span(row.lo, row.hi);
    // Session spans name the session's own agent; they decide over its calls'.
    if (row.agent !== null && row.agent !== undefined) this.agent = int(row.agent);
    if (row.project !== null && row.project !== undefined) this.project = int(row.project);
    if (text(row.title)) this.title = text(row.title);
    if (text(row.parent)) this.parent = text(row.parent);
  }

  nameRefs(): (number | null)[] {
    return [this.agent, this.project, ...this.modelCosts.keys()];
  }

  build(sessionId: string, names: Map<number, string>, changes: Changes): SessionListRow {
    const nameOf = (ref: number | null) => (ref === null ? "" : (names.get(ref) ?? ""));
    const prompt = this.input + this.cacheRead + this.cacheWrite;
    const startMs = Number.isFinite(this.lo) ? this.lo : 0;
    return {
      sessionId,
      title: this.title,
      parentSessionId: this.parent,
      agent: nameOf(this.agent),
      project: nameOf(this.project),
      models: [...this.modelCosts].sort((a, b) => b[1] - a[1]).map(([ref]) => nameOf(ref)),
      startMs,
      endMs: Number.isFinite(this.hi) ? Math.max(this.hi, startMs) : startMs,
      turns: this.turns,
      llmCalls: this.llmCalls,
      toolCalls: this.toolCalls,
      toolFailures: this.toolCalls - this.toolOk,
      errors: this.errors,
      retries: this.retries,
      costUsd: this.cost,
      inputTokens: this.input,
      outputTokens: this.output,
      reasoningTokens: this.reasoning,
      cacheReadTokens: this.cacheRead,
      cacheWriteTokens: this.cacheWrite,
      tokens: prompt + this.output + this.reasoning,
      cacheReadShare: prompt > 0 ? this.cacheRead / prompt : 0,
      linesAdded: changes.added,
      linesRemoved: changes.removed,
      commits: changes.commits,
      pullRequests: changes.pullRequests,
    };
  }

  private span(lo: unknown, hi: unknown): void {
    if (lo !== null && lo !== undefined) this.lo = Math.min(this.lo, int(lo));
    if (hi !== null && hi !== undefined) this.hi = Math.max(this.hi, int(hi));
  }

  private names(row: Row): void {
    if (this.agent === null && row.agent !== null && row.agent !== undefined)
      this.agent = int(row.agent);
    if (this.project === null && row.project !== null && row.project !== undefined)
      this.project = int(row.project);
  }
}
