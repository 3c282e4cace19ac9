/**
 * Which figures a report shows, per grouping. Tool rows only carry tool figures, so `--by tool`
 * gets its own short set; the optional columns appear only when the report has any of them
 * (a store without reasoning models never shows an all-zero "Reasoning" column).
 */
import type { ReportGroup, ReportRow } from "../../store/index.js";
import { formatCount, formatDuration, formatMoney, formatShare, formatTokens } from "./format.js";
import { type Column, truncate } from "./table.js";

interface ReportColumn extends Column<ReportRow> {
  /** Shown only when the total is non-zero for it. */
  readonly optional?: (total: ReportRow) => boolean;
}

const KEY_HEADERS: Record<ReportGroup, string> = {
  day: "Day",
  week: "Week",
  month: "Month",
  block: "Block (5 h)",
  session: "Session",
  model: "Model",
  agent: "Agent",
  tool: "Tool",
  project: "Project",
};

const right = (header: string, priority: number, cell: (r: ReportRow) => string) =>
  ({ header, align: "right", priority, cell }) as const;

const hasTools = (r: ReportRow) => r.toolCalls > 0;
const toolOk = right("Tool OK", 7, (r) => formatShare(r.toolSuccessRate, hasTools(r)));
const p50 = right("p50", 8, (r) => (hasTools(r) ? formatDuration(r.toolP50Ms) : "–"));
const p95 = right("p95", 9, (r) => (hasTools(r) ? formatDuration(r.toolP95Ms) : "–"));

const USAGE: readonly ReportColumn[] = [
  right("Cost", 0, (r) => formatMoney(r.costUsd)),
  right("Tokens", 1, (r) => formatTokens(r.totalTokens)),
  right("Input", 1, (r) => formatTokens(r.inputTokens)),
  right("Output", 1, (r) => formatTokens(r.outputTokens)),
  {
    ...right("Reasoning", 12, (r) => formatTokens(r.reasoningTokens)),
    optional: (t) => t.reasoningTokens > 0,
  },
  right("Cache read", 3, (r) => formatTokens(r.cacheReadTokens)),
  {
    ...right("Cache write", 11, (r) => formatTokens(r.cacheWriteTokens)),
    optional: (t) => t.cacheWriteTokens > 0,
  },
  // Cache hits: the share of prompt tokens read from the provider's cache.
  right("Cache hit", 4, (r) =>
    formatShare(r.cacheReadShare, r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens > 0),
  ),
  right("LLM calls", 2, (r) => formatCount(r.llmCalls)),
  right("Turns", 5, (r) => formatCount(r.turns)),
  right("Sessions", 10, (r) => formatCount(r.sessions)),
  right("Errors", 6, (r) => formatCount(r.errors)),
  { ...right("Retries", 13, (r) => formatCount(r.retries)), optional: (t) => t.retries > 0 },
  right("Tools", 6, (r) => formatCount(r.toolCalls)),
  toolOk,
  p50,
  p95,
  // What the agent changed and shipped: kept before the finer tool and cache figures.
  { ...right("+Lines", 5, (r) => formatCount(r.linesAdded)), optional: (t) => t.linesAdded > 0 },
  {
    ...right("-Lines", 5, (r) => formatCount(r.linesRemoved)),
    optional: (t) => t.linesRemoved > 0,
  },
  { ...right("Commits", 6, (r) => formatCount(r.commits)), optional: (t) => t.commits > 0 },
  { ...right("PRs", 6, (r) => formatCount(r.pullRequests)), optional: (t) => t.pullRequests > 0 },
];

const TOOL: readonly ReportColumn[] = [
  right("Calls", 0, (r) => formatCount(r.toolCalls)),
  { ...toolOk, priority: 1 },
  { ...p50, priority: 2 },
  { ...p95, priority: 2 },
  right("Errors", 3, (r) => formatCount(r.errors)),
  right("Sessions", 4, (r) => formatCount(r.sessions)),
];

/** A session's title beside its id, cut so that it never pushes the figures off the table. */
const TITLE_WIDTH = 32;
const TITLE: Column<ReportRow> = {
  header: "Title",
  align: "left",
  priority: 4,
  cell: (r) => truncate(r.title ?? "", TITLE_WIDTH),
};

const TIME_GROUPS: ReadonlySet<ReportGroup> = new Set(["day", "week", "month", "block"]);
const TIME_KEY_WIDTH = 18;

/**
 * The columns of a `group` report: key first (with the session's title beside it, when any row
 * has one), then the figures worth showing for `total`.
 */
export function reportColumns(
  group: ReportGroup,
  total: ReportRow,
  rows: readonly ReportRow[] = [],
): Column<ReportRow>[] {
  const key: Column<ReportRow> = {
    header: KEY_HEADERS[group],
    align: "left",
    priority: -1,
    cell: (r) => r.key,
    // A period's key is read whole: "2026-03-17 08:00", and a breakdown's model names under it.
    ...(TIME_GROUPS.has(group) ? { minWidth: TIME_KEY_WIDTH } : {}),
  };
  const figures = (group === "tool" ? TOOL : USAGE).filter((c) => !c.optional || c.optional(total));
  const titled = group === "session" && rows.some((r) => r.title);
  return titled ? [key, TITLE, ...figures] : [key, ...figures];
}
