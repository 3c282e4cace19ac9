import type { ReportGroup, ReportQuery } from "../../store/index.js";
import { type ParsedArgs, stringValue } from "../args.js";
import { parseDate } from "../dates.js";
import { EXIT_OK, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { openStore, withStore } from "../store.js";
import { GROUPS } from "./command.js";
import { renderReport } from "./render.js";

const TIME_GROUPS = ["day", "week", "month", "block"] as const;

const isGroup = (value: string): value is ReportGroup => GROUPS.some((g) => g === value);

/** The query a command line asks for; bad dates and empty ranges are usage errors (exit 2). */
export function reportQueryOf(args: ParsedArgs, now = new Date()): ReportQuery {
  const by = stringValue(args, "by") ?? "day";
  if (!isGroup(by)) throw new UsageError(`--by must be one of ${GROUPS.join(", ")}`);
  const sinceText = stringValue(args, "since");
  const untilText = stringValue(args, "until");
  const since = sinceText === undefined ? undefined : parseDate(sinceText, "since", now);
  const until = untilText === undefined ? undefined : parseDate(untilText, "until", now);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new UsageError(`--since (${sinceText}) must be before --until (${untilText})`);
  }
  const project = stringValue(args, "project");
  if (args.values.breakdown && !TIME_GROUPS.some((group) => group === by))
    throw new UsageError(`--breakdown needs --by ${TIME_GROUPS.join(", ")} (got "${by}")`);
  return {
    group: by,
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(project ? { project } : {}),
    ...(args.values.utc ? { timeZone: "utc" as const } : {}),
    ...(args.values.breakdown ? { breakdown: true } : {}),
  };
}

/** JSON for the Report object: bigints cannot occur in it, but guard so output never throws. */
export function reportJson(value: unknown): string {
  return `${JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}

export async function runReport(args: ParsedArgs, io: Io): Promise<number> {
  if (args.values.live) {
    const { runLive } = await import("./live/run.js");
    return runLive(args, io);
  }
  if (stringValue(args, "interval") !== undefined)
    throw new UsageError("--interval goes with --live");
  const query = reportQueryOf(args);
  const store = await openStore(stringValue(args, "db"), io.env, {
    create: false,
    note: (message) => io.err(`opencode-otel report: note: ${message}\n`),
  });
  try {
    const report = withStore(store, () => store.report(query));
    io.out(args.values.json ? reportJson(report) : renderReport(report, io.columns));
    return EXIT_OK;
  } finally {
    store.close();
  }
}
