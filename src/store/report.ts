import type { TimeGroup } from "./buckets.js";
import type { Database, Row } from "./db.js";
import { int, real } from "./read-row.js";
import {
  addChanges,
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
  // One snapshot for every query, so that rows and total agree while other processes write.
  return db.read(() => {
    const q = new Queries(db, query);
    const group = query.group;
    const pool = new DurationPool();
    const tiles: Tiles = {};
    const rows =
      group === "day" || group === "week" || group === "month"
        ? timeRows(db, q, group, query, pool, tiles)
        : nameRows(db, q, group, pool, tiles);
    const total = reportRow("total", {
      llm: llmTotal(q, tiles.llm),
      tool: pool.tally ?? q.sums("tool", TOOL),
      turn: q.sums("turn", TURN),
      durations: pool.all ?? sorted(q.durations().map((row) => real(row.d))),
      changes: changesTotal(q, tiles),
    });
    return { query, rows, total };
  });
}

/**
 * The rows' own figures, when between them they cover every LLM span or change event of the
 * range (all keys, the unnamed one included): the total adds them up instead of reading them
 * again.
 */
interface Tiles {
  llm?: (Row | undefined)[];
  changes?: (Changes | undefined)[];
  /** Whether `changes` leaves out other sources' metric lines (name groups do). */
  eventsOnly?: boolean;
}

const WHOLE_LLM = [
  "input",
  "output",
  "reasoning",
  "cache_read",
  "cache_write",
  "calls",
  "errors",
  "retries",
] as const;

/**
 * The total must be the same, bit for bit, for every grouping. Counts and token sums are whole
 * numbers, which add up exactly in any order, so they are taken from the rows; the cost is a
 * float sum, whose last bits depend on the order, so it is summed again over the whole range.
 * A row holding anything but whole numbers (another source's fractional tokens) sends the
 * total back to SQL.
 */
function llmTotal(q: Queries, tiles: readonly (Row | undefined)[] | undefined): Row | undefined {
  if (!tiles) return q.sums("llm", LLM);
  const sums: Record<string, number> = {};
  for (const key of WHOLE_LLM) {
    let sum = 0;
    for (const row of tiles) {
      const value = row?.[key] ?? 0;
      if (typeof value !== "number" || !Number.isInteger(value)) return q.sums("llm", LLM);
      sum += value;
    }
    if (!Number.isSafeInteger(sum)) return q.sums("llm", LLM);
    sums[key] = sum;
  }
  return { ...sums, cost: q.cost() };
}

/** Lines, commits and pull requests are whole numbers too (see `llmTotal`). */
function changesTotal(q: Queries, tiles: Tiles): Changes {
  const list = tiles.changes;
  if (!list) return q.changes();
  let total: Changes = { added: 0, removed: 0, commits: 0, pullRequests: 0 };
  for (const changes of list) total = addChanges(total, changes) ?? total;
  if (tiles.eventsOnly) total = addChanges(total, q.pointLines()) ?? total;
  const whole = [total.added, total.removed, total.commits, total.pullRequests].every((n) =>
    Number.isSafeInteger(n),
  );
  return whole ? total : q.changes();
}

/** One bucket at a time: each is an index range scan, and no GROUP BY has to sort. */
function timeRows(
  db: Database,
  q: Queries,
  group: TimeGroup,
  query: ReportQuery,
  pool: DurationPool,
  tiles: Tiles,
): ReportRow[] {
  const rows: ReportRow[] = [];
  const durations: ToolFigures[] = [];
  const llm: (Row | undefined)[] = [];
  const changes: Changes[] = [];
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
    llm.push(figures.llm);
    if (figures.changes) changes.push(figures.changes);
    const row = reportRow(bucket.key, figures);
    const changed = row.linesAdded + row.linesRemoved + row.commits + row.pullRequests;
    if (row.llmCalls + row.toolCalls + row.turns + changed > 0) rows.push(row);
  }
  // The buckets tile the range, so they saw every span and event in it.
  pool.cover(durations);
  tiles.llm = llm;
  tiles.changes = changes;
  return rows;
}

function nameRows(
  db: Database,
  q: Queries,
  group: NameGroup,
  pool: DurationPool,
  tiles: Tiles,
): ReportRow[] {
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
  if (refs.llm) {
    const llm = q.grouped("llm", LLM + distinct, refs.llm);
    for (const row of llm) figuresOf(row.k).llm = row;
    // Grouped with the spans that lack the key (under null): every LLM span is in a row.
    tiles.llm = llm;
  }
  if (refs.turn) for (const row of q.grouped("turn", TURN, refs.turn)) figuresOf(row.k).turn = row;
  if (refs.tool) {
    const tools =
      group === "session" && q.sessionLed() ? q.toolsBySession() : toolsByKey(q, refs.tool);
    for (const [key, figures] of tools) {
      figuresOf(key).tool = figures.tally;
      figuresOf(key).durations = figures.durations;
    }
    // Distinct turns and sessions per tool need SQL's DISTINCT.
    if (distinct)
      for (const row of q.grouped("tool", TOOL + distinct, refs.tool)) figuresOf(row.k).tool = row;
    // Grouped with the spans that lack the key (under null): every tool span is in a list.
    pool.cover(tools.values());
  }

  const changes = q.changesGrouped(CHANGE_REFS[group]);
  for (const [ref, figures] of changes) figuresOf(ref).changes = figures;
  tiles.changes = [...changes.values()];
  tiles.eventsOnly = true;

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

/** Each key's tool figures from one scan of the tool spans in time order. */
function toolsByKey(q: Queries, ref: string): Map<number | null, ToolFigures> {
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
    ref,
  );
  return new Map([...tallies].map(([key, tally]) => [key, tally.figures()]));
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
