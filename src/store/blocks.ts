import type { Bucket } from "./buckets.js";

/**
 * 5-hour usage blocks, the windows subscription plans meter (Claude's 5-hour limit), with the
 * boundaries ccusage draws: a block starts at its first activity (an LLM call's start) floored to
 * the hour, in UTC as ccusage floors it, and lasts 5 hours; the first activity at or after a
 * block's end starts the next one. So a break of 5 hours or more always ends a block, and a
 * busy stretch is cut every 5 hours from where it began.
 *
 * The chain depends on every earlier activity, so it is walked from a known block start (the
 * first activity, or a start remembered earlier): one index seek per block, a few thousand a
 * year.
 */

export const BLOCK_MS = 5 * 3_600_000;
const HOUR_MS = 3_600_000;

/** A block: `[start, end)`, epoch ms, `end = start + 5 h`. */
export interface Block {
  readonly start: number;
  readonly end: number;
}

export function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** Where the chain is read from: the first call at or after a time (epoch ms), if any. */
export type NextActivity = (from: number) => number | undefined;

/**
 * Every block that starts before `until`, walking from the block that starts at `from` (a block
 * start: the first activity floored, or one found earlier). `onBlock` sees them in order.
 */
export function walkBlocks(
  next: NextActivity,
  from: number,
  until: number,
  onBlock: (block: Block) => void,
): void {
  let start = from;
  while (start < until) {
    onBlock({ start, end: start + BLOCK_MS });
    const activity = next(start + BLOCK_MS);
    if (activity === undefined || activity >= until) return;
    start = floorHour(activity);
  }
}

/** The block holding `at`, or undefined when nothing ran in the 5 hours before it. */
export function blockAt(next: NextActivity, from: number, at: number): Block | undefined {
  let last: Block | undefined;
  walkBlocks(next, from, at + 1, (block) => {
    last = block;
  });
  return last && at < last.end ? last : undefined;
}

/** Block rows for a report: keyed by their start in local time (or UTC), `YYYY-MM-DD HH:MM`. */
export function blockBuckets(
  next: NextActivity,
  first: number | undefined,
  range: { readonly from: number; readonly to: number },
  timeZone: "local" | "utc",
): Bucket[] {
  const buckets: Bucket[] = [];
  if (first === undefined) return buckets;
  walkBlocks(next, floorHour(first), range.to, (block) => {
    if (block.end <= range.from) return;
    buckets.push({
      key: blockKey(block.start, timeZone),
      from: Math.max(block.start, range.from),
      to: Math.min(block.end, range.to),
    });
  });
  return buckets;
}

export function blockKey(ms: number, timeZone: "local" | "utc"): string {
  const d = new Date(ms);
  const utc = timeZone === "utc";
  const pad = (n: number) => String(n).padStart(2, "0");
  const [year, month, day, hour, minute] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes()];
  return `${year}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}`;
}
