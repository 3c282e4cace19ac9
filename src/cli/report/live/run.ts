import type { Budgets } from "../../../budget/types.js";
import { bucketAt } from "../../../store/buckets.js";
import type { SpendReader } from "../../../store/spend-reader.js";
import { type ParsedArgs, stringValue } from "../../args.js";
import { EXIT_OK, UsageError } from "../../errors.js";
import type { Io } from "../../io.js";
import { budgetStatuses, budgetsPathOf, loadBudgets } from "../../spend/budgets.js";
import { openSpend } from "../../spend/open.js";
import { RECENT_MS, takeSnapshot } from "../../spend/snapshot.js";
import { type LiveFrame, renderFrame } from "./frame.js";
import { screenOf } from "./terminal.js";

const MAX_SESSIONS = 8;

/** `report --live`: a frame every `--interval` seconds until Ctrl-C (or SIGTERM), then exit 0. */
export async function runLive(args: ParsedArgs, io: Io): Promise<number> {
  for (const name of ["by", "breakdown", "since", "until", "json", "project"])
    if (args.values[name] !== undefined)
      throw new UsageError(`--live shows today and the current block; it takes no --${name}`);
  const intervalS = intervalOf(stringValue(args, "interval"));
  const timeZone = args.values.utc ? "utc" : "local";
  const reader = await openSpend(stringValue(args, "db"), io.env);
  const parsed = await loadBudgets(budgetsPathOf(undefined, io.env), io.env);
  for (const error of parsed?.errors ?? []) io.err(`opencode-otel report: ${error}\n`);
  const budgets = parsed?.budgets;
  // Listening for Ctrl-C from here on: the signal ends the loop, not the process.
  let stopped = false;
  const interrupted = io.interrupted.then(() => {
    stopped = true;
  });
  const screen = screenOf(io);
  try {
    // The block chain is walked from the first call once, then from the block last seen.
    let blockFrom: number | undefined;
    while (!stopped) {
      const frame = frameAt(reader, Date.now(), { timeZone, intervalS, budgets, blockFrom });
      blockFrom = frame.snapshot.block?.start ?? blockFrom;
      screen.draw(renderFrame(frame, io.columns));
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        interrupted,
        new Promise<void>((done) => {
          timer = setTimeout(done, intervalS * 1000);
        }),
      ]);
      clearTimeout(timer);
    }
  } finally {
    screen.close();
    reader.close();
  }
  return EXIT_OK;
}

function intervalOf(text: string | undefined): number {
  if (text === undefined) return 2;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || seconds < 0.1 || seconds > 3600)
    throw new UsageError(`--interval must be a number of seconds from 0.1 to 3600 (got "${text}")`);
  return seconds;
}

/** Everything one frame shows, read in one snapshot of the store. */
export function frameAt(
  reader: SpendReader,
  at: number,
  options: {
    readonly timeZone: "local" | "utc";
    readonly intervalS: number;
    readonly budgets: Budgets | undefined;
    readonly blockFrom?: number | undefined;
  },
): LiveFrame {
  return reader.snapshot((q) => {
    const snapshot = takeSnapshot(q, {
      at,
      timeZone: options.timeZone,
      blockFrom: options.blockFrom,
    });
    const sessions = q
      .activeSessions({ from: at - RECENT_MS, to: at }, MAX_SESSIONS)
      .map((session) => ({ ...session, total: q.session(session.sessionId, at) }));
    const budgets =
      options.budgets && options.budgets.limits.length > 0
        ? budgetStatuses(q, options.budgets, { at, sessionId: sessions[0]?.sessionId })
        : [];
    return {
      snapshot,
      dayEnd: bucketAt("day", at, options.timeZone).to,
      sessions,
      budgets,
      intervalS: options.intervalS,
    };
  });
}
