import { formatAmount, formatPercent } from "../../budget/format.js";
import type { BudgetStatus } from "../../budget/types.js";
import { type ParsedArgs, stringValue } from "../args.js";
import { parseDate } from "../dates.js";
import { CliError, EXIT_OK, EXIT_OVER_BUDGET, EXIT_USAGE } from "../errors.js";
import type { Io } from "../io.js";
import { renderTable } from "../report/table.js";
import {
  budgetJson,
  budgetStatuses,
  budgetsPathOf,
  loadBudgets,
  NO_BUDGETS_PATH,
} from "../spend/budgets.js";
import { openSpend } from "../spend/open.js";

export async function runBudget(args: ParsedArgs, io: Io): Promise<number> {
  const flag = stringValue(args, "budgets");
  const path = budgetsPathOf(flag, io.env);
  const atText = stringValue(args, "at");
  const at = atText === undefined ? Date.now() : parseDate(atText, "at");
  const parsed = await loadBudgets(path, io.env);
  if (!parsed || path === undefined) {
    if (flag !== undefined) throw new CliError(`no budgets file at ${path}`, EXIT_USAGE);
    io.err(
      path === undefined
        ? `No budgets set: ${NO_BUDGETS_PATH}.\n`
        : `No budgets set: write ${path} (see the README's Budgets section).\n`,
    );
    if (args.values.json) io.out("[]\n");
    return EXIT_OK;
  }
  if (parsed.errors.length > 0)
    throw new CliError(`invalid budgets:\n  ${parsed.errors.join("\n  ")}`, EXIT_USAGE);
  const reader = await openSpend(stringValue(args, "db"), io.env);
  let statuses: BudgetStatus[];
  try {
    statuses = reader.snapshot((q) =>
      budgetStatuses(q, parsed.budgets, { at, sessionId: stringValue(args, "session") }),
    );
  } finally {
    reader.close();
  }
  if (args.values.json) io.out(`${JSON.stringify(statuses.map(budgetJson), null, 2)}\n`);
  else io.out(renderBudgets(statuses, path, io.columns));
  return statuses.some((s) => s.state === "exceeded") ? EXIT_OVER_BUDGET : EXIT_OK;
}

const STATE = { ok: "ok", warning: "near", exceeded: "EXCEEDED" } as const;

export function renderBudgets(
  statuses: readonly BudgetStatus[],
  path: string,
  width: number | undefined,
): string {
  if (statuses.length === 0) return `Budgets from ${path}\n\nNo limit applies yet.\n`;
  const table = renderTable<BudgetStatus>({
    columns: [
      { header: "Budget", align: "left", priority: -1, cell: (s) => s.limit.id },
      { header: "Period", align: "left", priority: 3, cell: (s) => s.periodKey },
      {
        header: "Spent",
        align: "right",
        priority: 1,
        cell: (s) => formatAmount(s.limit.unit, s.spent),
      },
      {
        header: "Limit",
        align: "right",
        priority: 2,
        cell: (s) => formatAmount(s.limit.unit, s.limit.limit),
      },
      { header: "Used", align: "right", priority: 0, cell: (s) => formatPercent(s.share) },
      { header: "State", align: "left", priority: 0, cell: (s) => STATE[s.state] },
    ],
    rows: statuses,
    width,
  });
  return [`Budgets from ${path}`, "", ...table.lines, ""].join("\n");
}
