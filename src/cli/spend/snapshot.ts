import { BLOCK_MS, type Block, blockAt, floorHour } from "../../store/blocks.js";
import { bucketAt } from "../../store/buckets.js";
import type { Spend, SpendQueries } from "../../store/spend.js";

/**
 * Where spend stands at one moment, for the statusline and the live view: the session, today,
 * the current 5-hour block and the last 15 minutes. Each figure is one narrow query of the
 * spend index, counted as `report` counts it, so each equals `report --json` over its window.
 */
export interface SpendSnapshot {
  /** Epoch ms the figures are taken at (now, or `--at`). */
  readonly at: number;
  /** The stored project holding the working directory, if any. */
  readonly project: string | undefined;
  readonly session: { readonly id: string; readonly spend: Spend } | undefined;
  /** Today (local midnight, or UTC) up to `at`. */
  readonly today: { readonly from: number; readonly to: number; readonly spend: Spend };
  /** The block holding `at`; undefined when nothing ran in the 5 hours before it. */
  readonly block: (Block & { readonly spend: Spend }) | undefined;
  /** The last `RECENT_MS` up to `at`: the burn rate's window. */
  readonly recent: { readonly from: number; readonly spend: Spend };
  readonly burn: { readonly usdPerHour: number; readonly tokensPerMinute: number };
}

export const RECENT_MS = 15 * 60_000;
/** A session counts as current in its project when it had a call this recently. */
const CURRENT_SESSION_MS = 24 * 3_600_000;

export interface SnapshotOptions {
  readonly at: number;
  readonly timeZone: "local" | "utc";
  /** A session asked for by id. */
  readonly sessionId?: string | undefined;
  /** The working directory: its project's latest session when no id is given. */
  readonly directory?: string | undefined;
  /** A known block start at or before `at` to walk the block chain from (`block-anchor.ts`). */
  readonly blockFrom?: number | undefined;
}

export function takeSnapshot(q: SpendQueries, options: SnapshotOptions): SpendSnapshot {
  const { at } = options;
  const project = options.directory ? q.projectOf(options.directory) : undefined;
  const sessionId =
    options.sessionId ??
    (project === undefined
      ? undefined
      : q.latestSession({
          from: at - CURRENT_SESSION_MS,
          to: at,
          projects: q.projectRefs(project),
        }));
  const day = bucketAt("day", at, options.timeZone);
  const block = currentBlock(q, at, options.blockFrom);
  const recent = { from: at - RECENT_MS, spend: q.window({ from: at - RECENT_MS, to: at }) };
  return {
    at,
    project,
    session:
      sessionId === undefined ? undefined : { id: sessionId, spend: q.session(sessionId, at) },
    today: { from: day.from, to: at, spend: q.window({ from: day.from, to: at }) },
    block: block && { ...block, spend: q.window({ from: block.start, to: at }) },
    recent,
    burn: {
      usdPerHour: recent.spend.costUsd * (3_600_000 / RECENT_MS),
      tokensPerMinute: recent.spend.totalTokens / (RECENT_MS / 60_000),
    },
  };
}

/** How far back a 5-hour break is looked for: about a week of heavy use. */
const BREAK_SEARCH_CALLS = 10_000;

/**
 * The block holding `at`, walking the block chain from `from` (a block start remembered
 * earlier: zero to two steps), else from the latest 5-hour break before `at` (a break always
 * ends a block: exact, and a day back at most for a person's use), else from the first call.
 */
export function currentBlock(q: SpendQueries, at: number, from?: number): Block | undefined {
  const afterBreak =
    from === undefined ? q.afterLastBreak(at, BLOCK_MS, BREAK_SEARCH_CALLS) : undefined;
  const start = from ?? (afterBreak === undefined ? firstBlockStart(q) : floorHour(afterBreak));
  if (start === undefined) return undefined;
  return blockAt((ms) => q.nextActivity(ms), start, at);
}

export function firstBlockStart(q: SpendQueries): number | undefined {
  const first = q.nextActivity(0);
  return first === undefined ? undefined : floorHour(first);
}
