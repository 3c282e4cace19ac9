import type { Database, Row, SqlValue, Statement } from "./db.js";
import { big, int, real, text } from "./read-row.js";

/**
 * Spend while working: narrow sums over recent LLM spans, for the statusline, the live view and
 * budgets. Each query is one range of the `spans_llm` covering index (a day is a few thousand
 * entries on a year of heavy use), or one session's rows through `spans_session`; nothing reads
 * the attribute JSON. Figures are counted exactly as reports count them (`report-row.ts`), so a
 * window's figures equal `report --json` over the same window.
 */

/** What LLM calls in a window (or a session) cost and used. */
export interface Spend {
  readonly costUsd: number;
  /** input + output + reasoning + cache read + cache write, as reports count it. */
  readonly totalTokens: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly reasoningTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  /** cacheRead / (input + cacheRead + cacheWrite), 0..1; 0 without prompt tokens. */
  readonly cacheReadShare: number;
  readonly llmCalls: number;
}

export const NO_SPEND: Spend = spendOf(undefined);

/** A window of epoch ms, `[from, to)`, optionally narrowed to projects (interned refs). */
export interface SpendWindow {
  readonly from: number;
  readonly to: number;
  /** Only these project refs (`projectRefs`); undefined: every project. */
  readonly projects?: readonly number[] | undefined;
}

/** A session with calls in a window, newest activity first. */
export interface ActiveSession {
  readonly sessionId: string;
  readonly project: string | undefined;
  /** Epoch ms of its latest call's start in the window. */
  readonly lastMs: number;
  /** Its calls in the window. */
  readonly window: Spend;
}

const SUMS = `TOTAL(s.cost) AS cost, TOTAL(s.input_tokens) AS input,
  TOTAL(s.output_tokens) AS output, TOTAL(s.reasoning_tokens) AS reasoning,
  TOTAL(s.cache_read_tokens) AS cache_read, TOTAL(s.cache_write_tokens) AS cache_write,
  COUNT(*) AS calls`;

// The category term must appear as written for SQLite to use the partial index.
const LLM_RANGE = `spans s INDEXED BY spans_llm
  WHERE s.category = 'llm' AND s.start_ns >= ? AND s.start_ns < ?`;
const IN_PROJECTS = "AND s.project_ref IN (SELECT value FROM json_each(?))";

const ns = (ms: number): bigint => BigInt(Math.floor(ms)) * 1_000_000n;
const MAX_NS = 9223372036854775807n;

export function spendOf(row: Row | undefined): Spend {
  const input = real(row?.input);
  const cacheRead = real(row?.cache_read);
  const cacheWrite = real(row?.cache_write);
  const output = real(row?.output);
  const reasoning = real(row?.reasoning);
  const prompt = input + cacheRead + cacheWrite;
  return {
    costUsd: real(row?.cost),
    totalTokens: prompt + output + reasoning,
    inputTokens: input,
    outputTokens: output,
    reasoningTokens: reasoning,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheReadShare: prompt > 0 ? cacheRead / prompt : 0,
    llmCalls: int(row?.calls),
  };
}

/** Adds `extra` (this process's calls the store does not have yet, say) to `spend`. */
export function addSpend(
  spend: Spend,
  extra: Omit<Spend, "totalTokens" | "cacheReadShare">,
): Spend {
  return spendOf({
    cost: spend.costUsd + extra.costUsd,
    input: spend.inputTokens + extra.inputTokens,
    output: spend.outputTokens + extra.outputTokens,
    reasoning: spend.reasoningTokens + extra.reasoningTokens,
    cache_read: spend.cacheReadTokens + extra.cacheReadTokens,
    cache_write: spend.cacheWriteTokens + extra.cacheWriteTokens,
    calls: spend.llmCalls + extra.llmCalls,
  });
}

/** The spend queries on one open database, their statements prepared once. */
export class SpendQueries {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  /** LLM calls that started in the window. */
  window(window: SpendWindow): Spend {
    const projects = window.projects ? ` ${IN_PROJECTS}` : "";
    const params: SqlValue[] = [ns(window.from), ns(window.to)];
    if (window.projects) params.push(JSON.stringify(window.projects));
    return spendOf(this.statement(`SELECT ${SUMS} FROM ${LLM_RANGE}${projects}`).get(...params));
  }

  /** Every LLM call of a session (all its processes) that started before `until` (epoch ms). */
  session(sessionId: string, until?: number): Spend {
    const ref = this.ref(sessionId);
    if (ref === undefined) return NO_SPEND;
    const before = until === undefined ? "" : "AND s.start_ns < ?";
    const params: SqlValue[] = [ref];
    if (until !== undefined) params.push(ns(until));
    return spendOf(
      this.statement(
        `SELECT ${SUMS} FROM spans s INDEXED BY spans_session
         WHERE s.session_ref = ? AND s.category = 'llm' ${before}`,
      ).get(...params),
    );
  }

  /** The session of the latest call in the window, or undefined when it has none. */
  latestSession(window: SpendWindow): string | undefined {
    const projects = window.projects ? ` ${IN_PROJECTS}` : "";
    const params: SqlValue[] = [ns(window.from), ns(window.to)];
    if (window.projects) params.push(JSON.stringify(window.projects));
    const row = this.statement(
      `SELECT n.value AS id FROM (
         SELECT s.session_ref AS ref FROM ${LLM_RANGE}${projects}
           AND s.session_ref IS NOT NULL ORDER BY s.start_ns DESC LIMIT 1
       ) JOIN names n ON n.id = ref`,
    ).get(...params);
    return typeof row?.id === "string" ? row.id : undefined;
  }

  /** Sessions with calls in the window: their calls there, newest activity first. */
  activeSessions(window: SpendWindow, limit = 20): ActiveSession[] {
    // Times in ms: nanoseconds do not fit a double, and node:sqlite refuses them as numbers.
    const rows = this.statement(
      `SELECT sn.value AS id, pn.value AS project, a.last_ms, a.cost, a.input, a.output,
         a.reasoning, a.cache_read, a.cache_write, a.calls FROM (
         SELECT s.session_ref AS ref, MAX(s.project_ref) AS project_ref,
           MAX(s.start_ns) / 1000000 AS last_ms, ${SUMS}
         FROM ${LLM_RANGE} AND s.session_ref IS NOT NULL GROUP BY s.session_ref
       ) a JOIN names sn ON sn.id = a.ref LEFT JOIN names pn ON pn.id = a.project_ref
       ORDER BY a.last_ms DESC LIMIT ?`,
    ).all(ns(window.from), ns(window.to), limit);
    return rows.map((row) => ({
      sessionId: text(row.id),
      project: typeof row.project === "string" ? row.project : undefined,
      lastMs: int(row.last_ms),
      window: spendOf(row),
    }));
  }

  /**
   * The projects a directory stands for: itself and any folder under it that opencode ran in
   * (each is its own project in the store). Empty when the store has none of them.
   */
  projectRefs(directory: string): number[] {
    const dir = directory.replace(/\/+$/, "") || "/";
    const under = dir === "/" ? "/" : `${dir}/`;
    // A range of the names index: every value starting with "dir/" sorts in [dir/, dir0).
    const end = `${under.slice(0, -1)}${String.fromCharCode(under.charCodeAt(under.length - 1) + 1)}`;
    return this.statement("SELECT id FROM names WHERE value = ? OR (value >= ? AND value < ?)")
      .all(dir, under, end)
      .map((row) => int(row.id));
  }

  /**
   * The stored project that holds `directory`: it, or its nearest parent that opencode ran in
   * (the statusline's project when run inside one). Undefined when none is stored.
   */
  projectOf(directory: string): string | undefined {
    const candidates: string[] = [];
    for (let dir = directory.replace(/\/+$/, ""); dir; dir = dir.slice(0, dir.lastIndexOf("/")))
      candidates.push(dir);
    candidates.push("/");
    const found = new Set(
      this.statement("SELECT value FROM names WHERE value IN (SELECT value FROM json_each(?))")
        .all(JSON.stringify(candidates))
        .map((row) => text(row.value)),
    );
    return candidates.find((candidate) => found.has(candidate));
  }

  /** The start (epoch ms) of the first call at or after `from`, or undefined. */
  nextActivity(from: number): number | undefined {
    const row = this.statement(
      `SELECT s.start_ns / 1000000 AS t FROM ${LLM_RANGE} ORDER BY s.start_ns LIMIT 1`,
    ).get(ns(from), MAX_NS);
    return row === undefined ? undefined : int(row.t);
  }

  /** The start (epoch ms) of the latest call before `to`, or undefined. */
  lastActivity(to: number): number | undefined {
    const row = this.statement(
      `SELECT s.start_ns / 1000000 AS t FROM ${LLM_RANGE} ORDER BY s.start_ns DESC LIMIT 1`,
    ).get(0n, ns(to));
    return row === undefined ? undefined : int(row.t);
  }

  /**
   * The first call after the latest break of at least `gapMs` between two calls before `to`,
   * looking back over at most `limit` calls (epoch ms); undefined when there is none in them.
   * A 5-hour break always ends a 5-hour block, so the block chain can start there.
   */
  afterLastBreak(to: number, gapMs: number, limit: number): number | undefined {
    const gap = BigInt(gapMs) * 1_000_000n;
    const page = this.statement(
      `SELECT s.start_ns AS t FROM ${LLM_RANGE} ORDER BY s.start_ns DESC LIMIT 500`,
      true,
    );
    let later: bigint | undefined;
    let before = ns(to);
    for (let seen = 0; seen < limit; ) {
      const rows = page.all(0n, before);
      for (const row of rows) {
        const t = big(row.t);
        if (later !== undefined && later - t >= gap) return Number(later / 1_000_000n);
        later = t;
      }
      seen += rows.length;
      if (rows.length < 500 || later === undefined) return undefined;
      before = later;
    }
    return undefined;
  }

  /** Which of these spans the store holds (`traceId:spanId` keys). */
  storedSpans(keys: readonly { traceId: string; spanId: string }[]): Set<string> {
    if (keys.length === 0) return new Set();
    const rows = this.statement(
      `SELECT s.trace_id AS t, s.span_id AS s FROM json_each(?) j
       JOIN spans s ON s.trace_id = json_extract(j.value, '$[0]')
         AND s.span_id = json_extract(j.value, '$[1]')`,
    ).all(JSON.stringify(keys.map((key) => [key.traceId, key.spanId])));
    return new Set(rows.map((row) => `${text(row.t)}:${text(row.s)}`));
  }

  private ref(value: string): number | undefined {
    const row = this.statement("SELECT id FROM names WHERE value = ?").get(value);
    return row === undefined ? undefined : int(row.id);
  }

  private statement(sql: string, bigints = false): Statement {
    const cached = this.statements.get(sql);
    if (cached) return cached;
    const statement = this.db.prepare(sql, { bigints });
    this.statements.set(sql, statement);
    return statement;
  }
}
