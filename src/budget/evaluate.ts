import { bucketAt } from "../store/buckets.js";
import type { BudgetAlert, BudgetLimit, BudgetStatus, Budgets } from "./types.js";

/**
 * Where each limit stands, and which thresholds it has reached: the one evaluation that the
 * plugin (alerts inside opencode) and `opencode-otel budget` (a table, an exit code) share. Pure:
 * the spend comes from the caller (the local store, plus the plugin's calls not stored yet).
 */

export interface SpendFigures {
  readonly costUsd: number;
  readonly totalTokens: number;
}

export interface BudgetContext {
  /** The present, epoch ms: periods are the day, week and month holding it. */
  readonly at: number;
  /**
   * The working directory: limits of other projects are left out (the plugin passes opencode's).
   * Undefined: every limit (the CLI).
   */
  readonly directory?: string | undefined;
  /** What calls in `[from, to)` spent, in `project` (a directory and folders under it) or all. */
  readonly periodSpend: (window: {
    readonly from: number;
    readonly to: number;
    readonly project: string | undefined;
  }) => SpendFigures;
  /** The session a session limit (of `project`, or of any) is measured on, if any. */
  readonly sessionOf: (project: string | undefined) => string | undefined;
  /** What a session spent over its whole life. */
  readonly sessionSpend: (sessionId: string) => SpendFigures;
}

/** True when the limit covers work in `directory` (a global limit covers everything). */
export function limitApplies(
  limit: Pick<BudgetLimit, "project">,
  directory: string | undefined,
): boolean {
  if (limit.project === undefined || directory === undefined) return true;
  return directory === limit.project || directory.startsWith(`${limit.project}/`);
}

export function evaluateBudgets(budgets: Budgets, context: BudgetContext): BudgetStatus[] {
  const statuses: BudgetStatus[] = [];
  for (const limit of budgets.limits) {
    if (!limitApplies(limit, context.directory)) continue;
    if (limit.period === "session") {
      const sessionId = context.sessionOf(limit.project);
      if (sessionId === undefined) continue;
      const spent = amount(limit, context.sessionSpend(sessionId));
      statuses.push(status(limit, budgets.warnAt, spent, sessionId, undefined, sessionId));
      continue;
    }
    const period = bucketAt(limit.period, context.at, budgets.timeZone);
    const figures = context.periodSpend({
      from: period.from,
      to: Math.min(period.to, context.at),
      project: limit.project,
    });
    statuses.push(
      status(limit, budgets.warnAt, amount(limit, figures), period.key, period, undefined),
    );
  }
  return statuses;
}

/** The thresholds each limit has reached (`warnAt`, then 1), lowest first. */
export function alertsOf(statuses: readonly BudgetStatus[], warnAt: number): BudgetAlert[] {
  const alerts: BudgetAlert[] = [];
  for (const status of statuses)
    for (const threshold of [warnAt, 1])
      if (status.share >= threshold)
        alerts.push({
          status,
          threshold,
          key: `${status.limit.id}|${status.periodKey}|${threshold}`,
        });
  return alerts;
}

function amount(limit: BudgetLimit, figures: SpendFigures): number {
  return limit.unit === "usd" ? figures.costUsd : figures.totalTokens;
}

function status(
  limit: BudgetLimit,
  warnAt: number,
  spent: number,
  periodKey: string,
  period: { readonly from: number; readonly to: number } | undefined,
  sessionId: string | undefined,
): BudgetStatus {
  const share = spent / limit.limit;
  return {
    limit,
    periodKey,
    from: period?.from,
    to: period?.to,
    sessionId,
    spent,
    share,
    state: share >= 1 ? "exceeded" : share >= warnAt ? "warning" : "ok",
  };
}
