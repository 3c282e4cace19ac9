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

/** One key's tool spans: how many, how many succeeded, their durations sorted. */
export interface ToolFigures {
  readonly tally: { readonly calls: number; readonly ok: number };
  readonly durations: Float64Array;
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

/**
 * `values` rearranged (in place) so that every index `nearestRank` reads for `percents` holds
 * the value a full sort would put there (Hoare's selection, expected linear time).
 */
export function ranks(values: Float64Array, percents: readonly number[]): Float64Array {
  // Highest rank first; each next one is selected among the values left of the previous, which
  // a selection there cannot move.
  let end = values.length - 1;
  for (const percent of [...percents].sort((a, b) => b - a)) {
    if (values.length === 0) break;
    const k = Math.max(0, Math.ceil((percent * values.length) / 100) - 1);
    select(values, k, end);
    end = k;
  }
  return values;
}

/** Puts the k-th smallest of `values[0..end]` at index k, smaller ones left, larger right. */
function select(values: Float64Array, k: number, end: number): void {
  let lo = 0;
  let hi = end;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1] ?? 0;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] ?? 0) < pivot) i += 1;
      while ((values[j] ?? 0) > pivot) j -= 1;
      if (i <= j) {
        const swap = values[i] ?? 0;
        values[i] = values[j] ?? 0;
        values[j] = swap;
        i += 1;
        j -= 1;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/** The ceil(percent / 100 * n)-th smallest value (integer arithmetic, no float rounding). */
export function nearestRank(values: Float64Array | undefined, percent: number): number {
  if (!values || values.length === 0) return 0;
  return values[Math.max(0, Math.ceil((percent * values.length) / 100) - 1)] ?? 0;
}
