/**
 * Spend limits: what `budgets.json` (or the plugin option `budgets`) describes, once parsed.
 * The schema is documented in the README (§ Budgets) and checked by `parse.ts`.
 */

/** A calendar period (local time by default), or one session over all its processes. */
export type BudgetPeriod = "day" | "week" | "month" | "session";

/** What a limit counts: cost in USD, or tokens of every kind (as reports total them). */
export type BudgetUnit = "usd" | "tokens";

export interface BudgetLimit {
  /** Stable name, in output and in the alert markers: `daily.usd`, `/work/app: session.tokens`. */
  readonly id: string;
  readonly period: BudgetPeriod;
  readonly unit: BudgetUnit;
  /** The limit in its unit, above zero. */
  readonly limit: number;
  /** Absolute directory: only that project (and folders under it); undefined: every project. */
  readonly project: string | undefined;
}

export interface Budgets {
  readonly limits: readonly BudgetLimit[];
  /** The share of a limit that gives the first alert (0.8: at 80%); the second comes at 100%. */
  readonly warnAt: number;
  /** Day, week (from Monday) and month boundaries. */
  readonly timeZone: "local" | "utc";
}

/** Where a limit stands. */
export interface BudgetStatus {
  readonly limit: BudgetLimit;
  /** The period it covers: `2026-12-02` (a day, or a week's Monday), `2026-12`, a session id. */
  readonly periodKey: string;
  /** The period's range, epoch ms `[from, to)` (the whole period, not cut at the present). */
  readonly from: number | undefined;
  readonly to: number | undefined;
  /** The session a session limit was measured on. */
  readonly sessionId: string | undefined;
  /** Spent in the limit's unit. */
  readonly spent: number;
  /** spent / limit. */
  readonly share: number;
  readonly state: "ok" | "warning" | "exceeded";
}

/** A threshold a limit has reached: `warnAt` or 1. */
export interface BudgetAlert {
  readonly status: BudgetStatus;
  readonly threshold: number;
  /** Unique per limit, period and threshold: the key that makes the alert happen once. */
  readonly key: string;
}
