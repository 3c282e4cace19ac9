import type { Spend, SpendQueries } from "../store/spend.js";
import type { BudgetContext } from "./evaluate.js";

/**
 * Budget spend read from the local store: a period's calls (in a project: the directory and the
 * folders under it that opencode ran in) and a session's calls over all its processes, counted
 * before `at`.
 */
export function storeSpend(
  queries: SpendQueries,
  at: number,
): Pick<BudgetContext, "periodSpend" | "sessionSpend"> {
  const refs = new Map<string, number[]>();
  const projectRefs = (project: string): number[] => {
    let known = refs.get(project);
    if (!known) {
      known = queries.projectRefs(project);
      refs.set(project, known);
    }
    return known;
  };
  return {
    periodSpend: ({ from, to, project }): Spend =>
      queries.window({
        from,
        to,
        projects: project === undefined ? undefined : projectRefs(project),
      }),
    sessionSpend: (sessionId): Spend => queries.session(sessionId, at),
  };
}
