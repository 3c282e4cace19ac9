import { blockBuckets } from "./blocks.js";
import type { Bucket } from "./buckets.js";
import type { Database } from "./db.js";
import { SpendQueries } from "./spend.js";
import type { ReportQuery, ReportRow } from "./types.js";

/**
 * What reports add for spend awareness: rows per 5-hour block (`blocks.ts`) and a per-model
 * breakdown inside each time row. Both reuse the report's own figures: a block row is a time
 * row over the block's range, and a breakdown is the `group: "model"` report over a row's range.
 */

/** The 5-hour blocks that meet the query's range (or every stored block when it is open). */
export function blocksOf(db: Database, query: ReportQuery): Bucket[] {
  const spend = new SpendQueries(db);
  const first = spend.nextActivity(0);
  if (first === undefined) return [];
  // An open end takes in what runs around the calls too: a turn starts before its first call,
  // and tools run after the last one.
  const last = spend.lastActivity(Number.MAX_SAFE_INTEGER) ?? first;
  const range = { from: query.since ?? 0, to: query.until ?? Math.max(last + 1, Date.now()) };
  return blockBuckets((from) => spend.nextActivity(from), first, range, query.timeZone ?? "local");
}

/** Each time row with its per-model rows, from `modelRows` over the row's (clipped) range. */
export function withBreakdown(
  query: ReportQuery,
  rows: readonly ReportRow[],
  buckets: readonly Bucket[],
  modelRows: (range: { readonly since: number; readonly until: number }) => readonly ReportRow[],
): ReportRow[] {
  const ranges = new Map(buckets.map((bucket) => [bucket.key, bucket]));
  return rows.map((row) => {
    const bucket = ranges.get(row.key);
    if (!bucket) return row;
    const since = Math.max(bucket.from, query.since ?? bucket.from);
    const until = Math.min(bucket.to, query.until ?? bucket.to);
    return { ...row, breakdown: modelRows({ since, until }) };
  });
}
