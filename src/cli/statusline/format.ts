/**
 * The statusline's text: a format with `{placeholders}`. A part of the format between ` · ` or
 * ` | ` separators is left out when one of its placeholders has no value (no session here, no
 * 5-hour block running, no budget set), so the default reads well in every situation. Pure.
 */
import { formatMoney, formatShare, formatTokens } from "../report/format.js";
import type { SpendSnapshot } from "../spend/snapshot.js";

export const DEFAULT_FORMAT =
  "{session_cost} session · {today_cost} today · {block_cost} {block_tokens} 5h ({block_left} left) · {cache} cache";

/** What placeholders can show besides the snapshot: the budget that is nearest its limit. */
export interface StatuslineExtras {
  /** "62% of $10.00 daily", when a budget is set. */
  readonly budget?: string | undefined;
}

type Value = (s: SpendSnapshot, extras: StatuslineExtras) => string | undefined;

const clock = (ms: number) => {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
};

/** Every placeholder, with its description for `--help` (the order is the help's). */
export const PLACEHOLDERS: Readonly<
  Record<string, { readonly about: string; readonly value: Value }>
> = {
  session: { about: "the session's id", value: (s) => s.session?.id },
  session_cost: {
    about: "the session's cost",
    value: (s) => s.session && formatMoney(s.session.spend.costUsd),
  },
  session_tokens: {
    about: "the session's tokens",
    value: (s) => s.session && formatTokens(s.session.spend.totalTokens),
  },
  session_cache: {
    about: "the session's cache-hit share",
    value: (s) => s.session && share(s.session.spend),
  },
  today_cost: { about: "today's cost", value: (s) => formatMoney(s.today.spend.costUsd) },
  today_tokens: { about: "today's tokens", value: (s) => formatTokens(s.today.spend.totalTokens) },
  today_cache: { about: "today's cache-hit share", value: (s) => share(s.today.spend) },
  block_cost: {
    about: "the current 5-hour block's cost",
    value: (s) => s.block && formatMoney(s.block.spend.costUsd),
  },
  block_tokens: {
    about: "the current 5-hour block's tokens",
    value: (s) => s.block && formatTokens(s.block.spend.totalTokens),
  },
  block_cache: {
    about: "the current 5-hour block's cache-hit share",
    value: (s) => s.block && share(s.block.spend),
  },
  block_left: {
    about: "time left in the current 5-hour block",
    value: (s) => s.block && timeLeft(s.block.end - s.at),
  },
  block_end: {
    about: "when the current 5-hour block ends (HH:MM)",
    value: (s) => s.block && clock(s.block.end),
  },
  cache: {
    about: "the cache-hit share: the session's, else today's",
    value: (s) => share(s.session?.spend ?? s.today.spend),
  },
  burn: {
    about: "cost per hour over the last 15 minutes",
    value: (s) => `${formatMoney(s.burn.usdPerHour)}/h`,
  },
  burn_tokens: {
    about: "tokens per minute over the last 15 minutes",
    value: (s) => `${formatTokens(s.burn.tokensPerMinute)}/min`,
  },
  project: {
    about: "the project's folder name",
    value: (s) => s.project?.slice(s.project.lastIndexOf("/") + 1),
  },
  budget: {
    about: 'the budget nearest its limit ("62% of $10.00 daily")',
    value: (_, e) => e.budget,
  },
};

/** `2h05m`, `45m`, `<1m`: minutes are enough for a window of hours. */
export function timeLeft(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return "<1m";
  if (minutes < 60) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

function share(spend: SpendSnapshot["today"]["spend"]): string | undefined {
  const prompt = spend.inputTokens + spend.cacheReadTokens + spend.cacheWriteTokens;
  return prompt > 0 ? formatShare(spend.cacheReadShare) : undefined;
}

const PLACEHOLDER = /\{([a-z_]+)\}/g;
const SEPARATOR = /( · | \| )/;

/** The placeholders a format names that do not exist (a usage error). */
export function unknownPlaceholders(format: string): string[] {
  return [...format.matchAll(PLACEHOLDER)]
    .map((match) => match[1] ?? "")
    .filter((name) => !(name in PLACEHOLDERS));
}

/** True when the format shows the budget (only then are budgets read). */
export function showsBudget(format: string): boolean {
  return format.includes("{budget}");
}

export function renderStatusline(
  format: string,
  snapshot: SpendSnapshot,
  extras: StatuslineExtras = {},
): string {
  // Split keeps the separators at odd indexes; a dropped part takes the separator before it.
  const pieces = format.split(SEPARATOR);
  const kept: string[] = [];
  for (let i = 0; i < pieces.length; i += 2) {
    let missing = false;
    const text = (pieces[i] ?? "").replace(PLACEHOLDER, (_, name: string) => {
      const value = PLACEHOLDERS[name]?.value(snapshot, extras);
      if (value === undefined) missing = true;
      return value ?? "";
    });
    if (missing) continue;
    kept.push(kept.length === 0 ? text : `${pieces[i - 1] ?? ""}${text}`);
  }
  return kept.join("");
}
