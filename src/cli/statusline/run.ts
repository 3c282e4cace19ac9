import { resolve } from "node:path";
import { formatAmount, formatPercent } from "../../budget/format.js";
import type { BudgetStatus } from "../../budget/types.js";
import { type ParsedArgs, stringValue } from "../args.js";
import { parseDate } from "../dates.js";
import { EXIT_OK, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { anchorPath, BlockAnchors } from "../spend/block-anchor.js";
import { budgetJson, budgetStatuses, budgetsPathOf, loadBudgets } from "../spend/budgets.js";
import { openSpend } from "../spend/open.js";
import { firstBlockStart, type SpendSnapshot, takeSnapshot } from "../spend/snapshot.js";
import { storePathOf } from "../store-path.js";
import { DEFAULT_FORMAT, renderStatusline, showsBudget, unknownPlaceholders } from "./format.js";

export async function runStatusline(args: ParsedArgs, io: Io): Promise<number> {
  const format = stringValue(args, "format") ?? DEFAULT_FORMAT;
  const unknown = unknownPlaceholders(format);
  if (unknown.length > 0)
    throw new UsageError(
      `--format: unknown placeholder ${unknown.map((name) => `{${name}}`).join(", ")}`,
    );
  const atText = stringValue(args, "at");
  const at = atText === undefined ? Date.now() : parseDate(atText, "at");
  const json = args.values.json === true;
  const directory = resolve(stringValue(args, "dir") ?? process.cwd());
  const db = stringValue(args, "db");
  const reader = await openSpend(db, io.env);
  try {
    const anchors = new BlockAnchors(anchorPath(io.env));
    const store = storePathOf(db, io.env);
    const first = firstBlockStart(reader.queries);
    const snapshot = reader.snapshot((q) =>
      takeSnapshot(q, {
        at,
        timeZone: args.values.utc ? "utc" : "local",
        sessionId: stringValue(args, "session"),
        directory,
        blockFrom: first === undefined ? undefined : anchors.from(store, first, at),
      }),
    );
    if (first !== undefined && snapshot.block) anchors.remember(store, first, snapshot.block.start);
    let statuses: BudgetStatus[] | undefined;
    if (json || showsBudget(format)) {
      const path = budgetsPathOf(stringValue(args, "budgets"), io.env);
      const parsed = await loadBudgets(path, io.env);
      // A statusline runs on every prompt: a bad file is said, not fatal.
      for (const error of parsed?.errors ?? []) io.err(`opencode-otel statusline: ${error}\n`);
      if (parsed && parsed.budgets.limits.length > 0)
        statuses = budgetStatuses(reader.queries, parsed.budgets, {
          at,
          directory,
          sessionId: snapshot.session?.id,
        });
    }
    io.out(
      json
        ? `${JSON.stringify(statuslineJson(snapshot, statuses), null, 2)}\n`
        : `${renderStatusline(format, snapshot, { budget: nearest(statuses) })}\n`,
    );
    return EXIT_OK;
  } finally {
    reader.close();
  }
}

/** "62% of $10.00 daily": the limit with the highest share. */
function nearest(statuses: readonly BudgetStatus[] | undefined): string | undefined {
  const top = statuses?.reduce<BudgetStatus | undefined>(
    (best, s) => (best === undefined || s.share > best.share ? s : best),
    undefined,
  );
  if (!top) return undefined;
  const name = { day: "daily", week: "weekly", month: "monthly", session: "session" }[
    top.limit.period
  ];
  return `${formatPercent(top.share)} of ${formatAmount(top.limit.unit, top.limit.limit)} ${name}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The `--json` object: every figure, with times as ISO strings. */
export function statuslineJson(s: SpendSnapshot, statuses: readonly BudgetStatus[] | undefined) {
  return {
    at: iso(s.at),
    project: s.project ?? null,
    session: s.session ? { id: s.session.id, ...s.session.spend } : null,
    today: { since: iso(s.today.from), until: iso(s.today.to), ...s.today.spend },
    block: s.block
      ? {
          start: iso(s.block.start),
          end: iso(s.block.end),
          remainingMs: Math.max(0, s.block.end - s.at),
          ...s.block.spend,
        }
      : null,
    recent: { since: iso(s.recent.from), until: iso(s.at), ...s.recent.spend },
    burnRate: s.burn,
    budgets: statuses?.map(budgetJson) ?? null,
  };
}
