import type { Database } from "./db.js";
import { buildReport } from "./report.js";
import { bucketsOf } from "./report-queries.js";
import type { ReportQuery } from "./types.js";
import type { ModelCosts, Usage, UsageQuery } from "./viewer-types.js";

const DAY_MS = 86_400_000;

/**
 * The viewer's usage page, made of reports only: by time, model, tool and agent over the
 * query's range and filters (each one the `report --json` of the same filter), and each time
 * bucket's report by model for the stacked cost chart. No figure is summed here.
 */
export function buildUsage(db: Database, query: UsageQuery): Usage {
  const filter: Omit<ReportQuery, "group"> = {
    ...(query.since !== undefined ? { since: query.since } : {}),
    ...(query.until !== undefined ? { until: query.until } : {}),
    ...(query.project ? { project: query.project } : {}),
    ...(query.agent ? { agent: query.agent } : {}),
    ...(query.model ? { model: query.model } : {}),
    ...(query.timeZone ? { timeZone: query.timeZone } : {}),
  };
  const group = query.group ?? autoGroup(db, filter);
  const byTime = buildReport(db, { ...filter, group });
  const keys = new Set(byTime.rows.filter((row) => row.llmCalls > 0).map((row) => row.key));
  const modelCosts: ModelCosts[] = [];
  // One report per bucket with LLM calls: a bucket's range is an index range, so this reads each
  // LLM span once more in all.
  for (const bucket of bucketsOf(db, { ...filter, group }, group)) {
    if (!keys.has(bucket.key)) continue;
    const since = Math.max(bucket.from, filter.since ?? bucket.from);
    const until = Math.min(bucket.to, filter.until ?? bucket.to);
    const rows = buildReport(db, { ...filter, group: "model", since, until }).rows;
    modelCosts.push({
      key: bucket.key,
      costs: Object.fromEntries(rows.map((row) => [row.key, row.costUsd])),
    });
  }
  return {
    group,
    byTime,
    byModel: buildReport(db, { ...filter, group: "model" }).rows,
    byTool: buildReport(db, { ...filter, group: "tool" }).rows,
    byAgent: buildReport(db, { ...filter, group: "agent" }).rows,
    modelCosts,
  };
}

/** Days up to about a quarter, weeks up to two years, months beyond. */
function autoGroup(db: Database, filter: Omit<ReportQuery, "group">): "day" | "week" | "month" {
  const days = bucketsOf(db, { ...filter, group: "day" }, "day");
  const first = days[0];
  const last = days.at(-1);
  const span = first && last ? (last.to - first.from) / DAY_MS : 0;
  return span <= 92 ? "day" : span <= 731 ? "week" : "month";
}
