/**
 * Budgets for the CLI: the limits file (`--budgets`, `$OPENCODE_OTEL_BUDGETS_FILE`, else the
 * default path the plugin reads too) and where each limit stands in the store.
 */
import { evaluateBudgets } from "../../budget/evaluate.js";
import type { ParsedBudgets } from "../../budget/parse.js";
import { defaultBudgetsPath } from "../../budget/paths.js";
import { storeSpend } from "../../budget/store-spend.js";
import type { BudgetStatus, Budgets } from "../../budget/types.js";
import { homeFolder } from "../../config/folders.js";
import type { SpendQueries } from "../../store/spend.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Undefined when none is given and there is no default (neither HOME nor XDG_CONFIG_HOME is absolute). */
export function budgetsPathOf(flag: string | undefined, env: Env): string | undefined {
  return flag ?? (env.OPENCODE_OTEL_BUDGETS_FILE || defaultBudgetsPath(env));
}

/** What to tell a user who has no budgets file to write to. */
export const NO_BUDGETS_PATH =
  "there is no default budgets file (neither HOME nor XDG_CONFIG_HOME is an absolute path); pass --budgets FILE or set OPENCODE_OTEL_BUDGETS_FILE";

/**
 * The file's budgets and problems; undefined when there is no file. The reader (and the
 * `fs/promises` it loads) is imported only when asked: a statusline without `{budget}` never is.
 */
export async function loadBudgets(
  path: string | undefined,
  env: Env,
): Promise<ParsedBudgets | undefined> {
  if (path === undefined) return undefined;
  const { readBudgetsFile } = await import("../../budget/file.js");
  return readBudgetsFile(path, homeFolder(env));
}

/** A session's calls count when they were this recent (the session limit's default session). */
const RECENT_SESSION_MS = 7 * 86_400_000;

export interface StatusOptions {
  readonly at: number;
  /** Only limits covering this directory (the statusline's); undefined: every limit. */
  readonly directory?: string | undefined;
  /** The session for session limits; else the latest one (in the limit's project). */
  readonly sessionId?: string | undefined;
}

export function budgetStatuses(
  q: SpendQueries,
  budgets: Budgets,
  options: StatusOptions,
): BudgetStatus[] {
  const { at } = options;
  return evaluateBudgets(budgets, {
    at,
    directory: options.directory,
    ...storeSpend(q, at),
    sessionOf: (project) =>
      options.sessionId ??
      q.latestSession({
        from: at - RECENT_SESSION_MS,
        to: at,
        projects: project === undefined ? undefined : q.projectRefs(project),
      }),
  });
}

/** A status as JSON (`budget --json`, `statusline --json`). */
export function budgetJson(status: BudgetStatus) {
  const { limit } = status;
  return {
    budget: limit.id,
    period: limit.period,
    unit: limit.unit,
    project: limit.project ?? null,
    limit: limit.limit,
    spent: status.spent,
    share: status.share,
    state: status.state,
    periodKey: status.periodKey,
    sessionId: status.sessionId ?? null,
  };
}
