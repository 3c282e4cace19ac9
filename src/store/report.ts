import type { Bucket } from "./buckets.js";
import type { Database } from "./db.js";
import { int, real } from "./read-row.js";
import { blocksOf, withBreakdown } from "./report-extras.js";
import {
  bucketsOf,
  type Changes,
  DISTINCT,
  type Kind,
  LLM,
  nameValues,
  Queries,
  TOOL,
  TURN,
} from "./report-queries.js";
import { DurationPool, type Figures, type NameGroup, reportRow, sorted } from "./report-row.js";
import type { Report, ReportQuery, ReportRow } from "./types.js";

/**
 * Usage reports from the extracted columns only, through the partial covering indexes: LLM
 * figures from LLM spans, turns and sessions from turn spans, tool figures from tool spans, lines
 * changed from `lines_changed` events (and other sources' `lines_of_code.count` increases).
 * Percentiles are nearest-rank.
 */

const UNKNOWN = "(unknown)";

/** Which column keys each name group, per kind of span (absent: that kind adds nothing). */
const NAME_REFS: Record<NameGroup, Partial<Record<Kind, string>>> = {
  session: { llm: "session_ref", tool: "session_ref", turn: "session_ref" },
  model: { llm: "model_ref" },
  agent: { llm: "agent_ref", tool: "agent_ref", turn: "agent_ref" },
  tool: { tool: "tool_ref" },
  project: { llm: "project_ref", tool: "project_ref", turn: "project_ref" },
};

/** Change events (lines, commits, pull requests) name all four groups. */
const CHANGE_REFS: Record<NameGroup, string> = {
  session: "session_ref",
  model: "model_ref",
  agent: "agent_ref",
  tool: "tool_ref",
  project: "project_ref",
};

/** Builds a report; every figure is a sum over stored rows in `[since, until)` (epoch ms). */
export function buildReport(db: Database, query: ReportQuery): Report {
  const q = new Queries(db, query);
  const group = query.group;
  const pool = new DurationPool();
  let buckets: Bucket[] | undefined;
  let rows: ReportRow[];
  if (group === "day" || group === "week" || group === "month" || group === "block") {
    buckets = group === "block" ? blocksOf(db, query) : bucketsOf(db, query, group);
    rows = timeRows(q, buckets, pool);
  } else rows = nameRows(db, q, group, pool);
  // Summed over the whole range rather than added up from the rows: float sums taken in another
  // order differ in the last bits, and the total must be the same for every grouping.
  const total = reportRow("total", {
    llm: q.sums("llm", LLM),
    tool: q.sums("tool", TOOL),
    turn: q.sums("turn", TURN),
    durations: pool.all ?? sorted(q.durations().map((row) => real(row.d))),
    changes: q.changes(),
  });
  if (!buckets || !query.breakdown) return { query, rows, total };
  const perModel = (range: { since: number; until: number }) =>
    buildReport(db, { ...query, ...range, group: "model", breakdown: false }).rows;
  return { query, rows: withBreakdown(query, rows, buckets, perModel), total };
}

/** One bucket at a time: each is an index range scan, and no GROUP BY has to sort. */
function timeRows(q: Queries, buckets: readonly Bucket[], pool: DurationPool): ReportRow[] {
  const rows: ReportRow[] = [];
  const durations: Float64Array[] = [];
  for (const bucket of buckets) {
    const range = q.clip(bucket);
    if (!range) continue;
    const figures: Figures = {
      llm: q.sums("llm", LLM, range),
      tool: q.sums("tool", TOOL, range),
      turn: q.sums("turn", TURN, range),
      durations: sorted(q.durations(range).map((row) => real(row.d))),
      changes: q.changes(range),
    };
    if (figures.durations) durations.push(figures.durations);
    const row = reportRow(bucket.key, figures);
    const changed = row.linesAdded + row.linesRemoved + row.commits + row.pullRequests;
    if (row.llmCalls + row.toolCalls + row.turns + changed > 0) rows.push(row);
  }
  // The buckets tile the range, so they saw every tool span.
  pool.cover(durations);
  return rows;
}

function nameRows(db: Database, q: Queries, group: NameGroup, pool: DurationPool): ReportRow[] {
  const refs = NAME_REFS[group];
  const byRef = new Map<number | null, Figures>();
  const figuresOf = (ref: unknown): Figures => {
    const key = ref === null || ref === undefined ? null : int(ref);
    const known = byRef.get(key);
    if (known) return known;
    const figures: Figures = {};
    byRef.set(key, figures);
    return figures;
  };
  const distinct = group === "model" || group === "tool" ? DISTINCT : "";
  if (refs.llm)
    for (const row of q.grouped("llm", LLM + distinct, refs.llm)) figuresOf(row.k).llm = row;
  if (refs.tool)
    for (const row of q.grouped("tool", TOOL + distinct, refs.tool)) figuresOf(row.k).tool = row;
  if (refs.turn) for (const row of q.grouped("turn", TURN, refs.turn)) figuresOf(row.k).turn = row;
  if (refs.tool) {
    const lists = new Map<number | null, number[]>();
    for (const row of q.durations(undefined, refs.tool)) {
      const key = row.k === null ? null : int(row.k);
      const list = lists.get(key);
      if (list) list.push(real(row.d));
      else lists.set(key, [real(row.d)]);
    }
    for (const [key, list] of lists) figuresOf(key).durations = sorted(list);
    // Grouped with the spans that lack the key (under null): every tool span is in a list.
    pool.cover([...byRef.values()].map((figures) => figures.durations));
  }

  for (const [ref, changes] of q.changesGrouped(CHANGE_REFS[group]))
    figuresOf(ref).changes = changes;

  const names = nameValues(db, [...byRef.keys()]);
  const titles =
    group === "session"
      ? q.titles([...byRef.keys()].filter((ref) => ref !== null))
      : new Map<number, string>();
  const pointLines = group === "session" ? q.pointLinesBySession() : new Map<string, Changes>();
  const rows: ReportRow[] = [];
  for (const [ref, figures] of byRef) {
    // Spans without a session id (from other OTLP sources) count in the total only.
    if (ref === null && group === "session") continue;
    const key = ref === null ? UNKNOWN : (names.get(ref) ?? UNKNOWN);
    const title = ref === null ? undefined : titles.get(ref);
    const changes = addChanges(figures.changes, pointLines.get(key));
    rows.push(reportRow(key, { ...figures, changes, title }, group));
  }
  return rows.sort(
    (a, b) => b.costUsd - a.costUsd || b.llmCalls - a.llmCalls || compare(a.key, b.key),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function addChanges(a: Changes | undefined, b: Changes | undefined): Changes | undefined {
  if (!a || !b) return a ?? b;
  return {
    added: a.added + b.added,
    removed: a.removed + b.removed,
    commits: a.commits + b.commits,
    pullRequests: a.pullRequests + b.pullRequests,
  };
}
