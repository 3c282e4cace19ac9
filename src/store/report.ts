import type { TimeGroup } from "./buckets.js";
import type { Database } from "./db.js";
import { int, real } from "./read-row.js";
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
import {
  DurationPool,
  type Figures,
  type NameGroup,
  reportRow,
  sorted,
  type ToolFigures,
} from "./report-row.js";
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
};

/** Change events (lines, commits, pull requests) name all four groups. */
const CHANGE_REFS: Record<NameGroup, string> = {
  session: "session_ref",
  model: "model_ref",
  agent: "agent_ref",
  tool: "tool_ref",
};

/** Builds a report; every figure is a sum over stored rows in `[since, until)` (epoch ms). */
export function buildReport(db: Database, query: ReportQuery): Report {
  const q = new Queries(db, query);
  const group = query.group;
  const pool = new DurationPool();
  const rows =
    group === "day" || group === "week" || group === "month"
      ? timeRows(db, q, group, query, pool)
      : nameRows(db, q, group, pool);
  // Summed over the whole range rather than added up from the rows: float sums taken in another
  // order differ in the last bits, and the total must be the same for every grouping. Tool
  // figures are counts and a sorted list, the same in any order, so when the rows saw every tool
  // span they are taken from the rows.
  const total = reportRow("total", {
    llm: q.sums("llm", LLM),
    tool: pool.tally ?? q.sums("tool", TOOL),
    turn: q.sums("turn", TURN),
    durations: pool.all ?? sorted(q.durations().map((row) => real(row.d))),
    changes: q.changes(),
  });
  return { query, rows, total };
}

/** One bucket at a time: each is an index range scan, and no GROUP BY has to sort. */
function timeRows(
  db: Database,
  q: Queries,
  group: TimeGroup,
  query: ReportQuery,
  pool: DurationPool,
): ReportRow[] {
  const rows: ReportRow[] = [];
  const durations: ToolFigures[] = [];
  for (const bucket of bucketsOf(db, query, group)) {
    const range = q.clip(bucket);
    if (!range) continue;
    const tally = new ToolTally();
    q.eachToolCall((duration, ok) => tally.add(duration, ok), range);
    const tools = tally.figures();
    const figures: Figures = {
      llm: q.sums("llm", LLM, range),
      tool: tools.tally,
      turn: q.sums("turn", TURN, range),
      durations: tools.durations,
      changes: q.changes(range),
    };
    durations.push(tools);
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
  if (refs.turn) for (const row of q.grouped("turn", TURN, refs.turn)) figuresOf(row.k).turn = row;
  if (refs.tool) {
    // One scan of the tool spans gives each key's calls, successes and durations.
    const tallies = new Map<number | null, ToolTally>();
    q.eachToolCall(
      (duration, ok, key) => {
        let tally = tallies.get(key);
        if (!tally) {
          tally = new ToolTally();
          tallies.set(key, tally);
        }
        tally.add(duration, ok);
      },
      undefined,
      refs.tool,
    );
    const tools: ToolFigures[] = [];
    for (const [key, tally] of tallies) {
      const figures = tally.figures();
      tools.push(figures);
      figuresOf(key).tool = figures.tally;
      figuresOf(key).durations = figures.durations;
    }
    // Distinct turns and sessions per tool need SQL's DISTINCT.
    if (distinct)
      for (const row of q.grouped("tool", TOOL + distinct, refs.tool)) figuresOf(row.k).tool = row;
    // Grouped with the spans that lack the key (under null): every tool span is in a list.
    pool.cover(tools);
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

/** Calls, successes and durations of tool spans, gathered one row at a time. */
class ToolTally {
  private readonly durations: number[] = [];
  private ok = 0;

  add(duration: number, ok: boolean): void {
    this.durations.push(duration);
    if (ok) this.ok += 1;
  }

  figures(): ToolFigures {
    return {
      tally: { calls: this.durations.length, ok: this.ok },
      durations: Float64Array.from(this.durations).sort(),
    };
  }
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
