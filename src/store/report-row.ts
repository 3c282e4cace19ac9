import type { Row } from "./db.js";
import { int, real } from "./read-row.js";
import type { Changes } from "./report-queries.js";
import type { ReportGroup, ReportRow } from "./types.js";

/** Report rows from aggregated figures; percentiles are nearest-rank. */

export type NameGroup = Exclude<ReportGroup, "day" | "week" | "month" | "block">;

/** What one key (a bucket, a model...) adds up to, per kind of span. */
export interface Figures {
  llm?: Row | undefined;
  tool?: Row | undefined;
  turn?: Row | undefined;
  durations?: Float64Array | undefined;
  changes?: Changes | undefined;
  /** A session's title (session rows only). */
  title?: string | undefined;
}

/**
 * Every tool duration the rows saw, so that the total's percentiles need no second pass (a
 * sorted list is the same whatever order it was gathered in, unlike a float sum).
 */
export class DurationPool {
  private readonly lists: Float64Array[] = [];
  private complete = false;

  /** The rows' lists, once every tool span in the range is among them. */
  cover(lists: Iterable<Float64Array | undefined>): void {
    this.complete = true;
    for (const list of lists) if (list) this.lists.push(list);
  }

  /** All of them, sorted; undefined when the rows did not see every tool span. */
  get all(): Float64Array | undefined {
    return this.complete ? merged(this.lists) : undefined;
  }
}

export function reportRow(key: string, f: Figures, group?: NameGroup): ReportRow {
  const input = real(f.llm?.input);
  const cacheRead = real(f.llm?.cache_read);
  const cacheWrite = real(f.llm?.cache_write);
  const prompt = input + cacheRead + cacheWrite;
  const toolCalls = int(f.tool?.calls);
  const turnsFrom = group === "model" ? f.llm : group === "tool" ? f.tool : f.turn;
  const output = real(f.llm?.output);
  const reasoning = real(f.llm?.reasoning);
  return {
    key,
    ...(f.title !== undefined ? { title: f.title } : {}),
    costUsd: real(f.llm?.cost),
    // Every token of every kind, as ccusage and opencode's own `tokens.total` count them.
    totalTokens: prompt + output + reasoning,
    inputTokens: input,
    outputTokens: output,
    reasoningTokens: reasoning,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheReadShare: prompt > 0 ? cacheRead / prompt : 0,
    llmCalls: int(f.llm?.calls),
    turns: int(turnsFrom?.turns),
    sessions: int(turnsFrom?.sessions),
    errors: int(f.llm?.errors),
    retries: real(f.llm?.retries),
    toolCalls,
    toolSuccessRate: toolCalls > 0 ? int(f.tool?.ok) / toolCalls : 0,
    toolP50Ms: nearestRank(f.durations, 50),
    toolP95Ms: nearestRank(f.durations, 95),
    linesAdded: f.changes?.added ?? 0,
    linesRemoved: f.changes?.removed ?? 0,
    commits: f.changes?.commits ?? 0,
    pullRequests: f.changes?.pullRequests ?? 0,
  };
}

export function sorted(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

function merged(lists: readonly Float64Array[]): Float64Array {
  const all = new Float64Array(lists.reduce((n, list) => n + list.length, 0));
  let offset = 0;
  for (const list of lists) {
    all.set(list, offset);
    offset += list.length;
  }
  return all.sort();
}

/** The ceil(percent / 100 * n)-th smallest value (integer arithmetic, no float rounding). */
export function nearestRank(values: Float64Array | undefined, percent: number): number {
  if (!values || values.length === 0) return 0;
  return values[Math.max(0, Math.ceil((percent * values.length) / 100) - 1)] ?? 0;
}
