import type { BudgetAlert, BudgetStatus, BudgetUnit } from "./types.js";

/** Budget amounts and alert texts, shared by the plugin's toasts and the CLI's tables. */

/** `$12.34` (cents from a dollar up, four decimals below), or `1.25M tokens`. */
export function formatAmount(unit: BudgetUnit, value: number): string {
  if (unit === "usd") {
    if (value === 0) return "$0";
    return Math.abs(value) >= 1 ? `$${value.toFixed(2)}` : `$${value.toFixed(4)}`;
  }
  const abs = Math.abs(value);
  if (abs < 10_000) return `${Math.round(value)} tokens`;
  const [divisor, suffix] = abs >= 1e9 ? [1e9, "B"] : abs >= 1e6 ? [1e6, "M"] : [1e3, "k"];
  const scaled = value / divisor;
  return `${scaled.toFixed(Math.abs(scaled) >= 100 ? 0 : Math.abs(scaled) >= 10 ? 1 : 2)}${suffix} tokens`;
}

export function formatPercent(share: number): string {
  return `${Math.floor(share * 100)}%`;
}

const PERIOD_WORDS = {
  day: "Today's",
  week: "This week's",
  month: "This month's",
  session: "This session's",
} as const;

/** "Today's spend" / "This session's tokens", with the project's folder name when scoped. */
export function limitTitle(status: BudgetStatus): string {
  const { limit } = status;
  const what = limit.unit === "usd" ? "spend" : "tokens";
  const project = limit.project
    ? ` in ${limit.project.slice(limit.project.lastIndexOf("/") + 1)}`
    : "";
  return `${PERIOD_WORDS[limit.period]} ${what}${project}`;
}

/** One sentence: "Today's spend is $8.12, 81% of the $10.00 daily limit." */
export function alertText(alert: BudgetAlert): string {
  const { status } = alert;
  const { limit } = status;
  const spent = formatAmount(limit.unit, status.spent);
  const of = formatAmount(limit.unit, limit.limit);
  const name =
    limit.period === "day"
      ? "daily"
      : limit.period === "week"
        ? "weekly"
        : limit.period === "month"
          ? "monthly"
          : "session";
  return status.share >= 1
    ? `${limitTitle(status)} is ${spent}: over the ${of} ${name} limit (${formatPercent(status.share)}).`
    : `${limitTitle(status)} is ${spent}, ${formatPercent(status.share)} of the ${of} ${name} limit.`;
}
