import type { Bucket } from "./buckets.js";
import type { Database } from "./db.js";
import { int } from "./read-row.js";
import { blocksOf, withBreakdown } from "./report-extras.js";
import {
  bucketsOf,
  DISTINCT,
  type Kind,
  LLM,
  nameValues,
  Queries,
  type Range,
  type SlotCut,
  TOOL,
  TURN,
} from "./report-queries.js";
import { type Figures, type NameGroup, reportRow, type ToolFigures } from "./report-row.js";
import type { Report, ReportQuery, ReportRow } from "./types.js";
import { Usage } from "./usage.js";
import { slotColumn } from "./usage-slots.js";

/**
 * Usage reports. By time and by session, and for every total, from the usage slots (a quarter
 * hour per session and project, kept up to date on write), plus the spans and change events of
 * the parts of a range that cut a slot. By model, agent and tool, which the slots do not
 * name, from the extracted columns through the partial covering indexes. Lines also count other
 * sources' `lines_of_code.count` increases. Percentiles are nearest-rank.
 */

const UNKNOWN = "(unknown)";
const SLOT = slotColumn("slot");
const SESSION = slotColumn("session_ref");

/** Which column keys each name group, per kind of span (absent: that kind adds nothing). */
const NAME_REFS: Record<NameGroup, Partial<Record<Kind, string>>> = {
  session: { llm: "session_ref", tool: "session_ref", turn: "session_ref" },
  model: { llm: "model_ref" },
  agent: { llm: "agent_ref", tool: "agent_ref", turn: "agent_ref" },
  tool: { tool: "tool_ref" },
  project: { llm: "project_ref", tool: "project_ref", turn: "project_ref" },
};

/** Change events (lines, commits, pull requests) name every group. */
const CHANGE_REFS: Record<NameGroup, string> = {
  session: "session_ref",
  model: "model_ref",
  agent: "agent_ref",
  tool: "tool_ref",
  project: "project_ref",
};

/** Builds a report; every figure is a sum over stored rows in `[since, until)` (epoch ms). */
export function buildReport(db: Database, query: ReportQuery): Report {
  // One snapshot for every query, so that rows and total agree while other processes write.
  return db.read(() => {
    const q = new Queries(db, query);
    const group = query.group;
    const cut = q.cut(q.range);
    // The total adds the same slots, edges and points in the same order for every grouping, so
    // it is the same, bit for bit, whichever is asked for; time and session rows are added up in
    // the same pass over the slots.
    const total = new Usage();
    let buckets: Bucket[] | undefined;
    let rows: ReportRow[];
    if (group === "day" || group === "week" || group === "month" || group === "block") {
      buckets = group === "block" ? blocksOf(db, query) : bucketsOf(db, query, group);
      rows = timeRows(q, buckets, cut, total);
    } else if (group === "session") rows = sessionRows(db, q, cut, total);
    else {
      q.eachSlot(cut, (row) => total.addSlot(row));
      rows = nameRows(db, q, group);
    }
    for (const edge of cut.edges) addRange(q, total, edge);
    total.addChanges(q.pointLines());
    const report = { query, rows, total: reportRow("total", total.figures()) };
    if (!buckets || !query.breakdown) return report;
    // A breakdown is the by-model report over each time row's range, in the same snapshot.
    const perModel = (range: { since: number; until: number }) =>
      buildReport(db, { ...query, ...range, group: "model", breakdown: false }).rows;
    return { ...report, rows: withBreakdown(query, rows, buckets, perModel) };
  });
}

/** What the spans and change events of `range` add (a part of a range that cuts a slot). */
function addRange(q: Queries, usage: Usage, range: Range): void {
  usage.llm.add(q.sums("llm", LLM, range));
  // Under a model filter, a session counts with any of the model's calls (as `DISTINCT` does).
  for (const [session, turns] of q.turnsBySession(range)) usage.addTurns(turns, session, q.byModel);
  q.eachToolCall((duration, ok) => usage.addTool(duration, ok), range);
  usage.addChanges(q.changeEvents(range));
}

/**
 * Each bucket (a day, week, month or 5-hour block, in time order and not overlapping) takes the
 * slots that lie wholly inside it, and reads the spans of a part that cuts a slot (only where a
 * bucket does not begin on a quarter hour: a block begins on the hour).
 */
function timeRows(
  q: Queries,
  timeBuckets: readonly Bucket[],
  cut: SlotCut,
  total: Usage,
): ReportRow[] {
  const buckets = timeBuckets.flatMap((bucket) => {
    const range = q.clip(bucket);
    return range ? [{ key: bucket.key, range, cut: q.cut(range), usage: new Usage() }] : [];
  });
  let next = 0;
  q.eachSlot(cut, (row) => {
    total.addSlot(row);
    const slot = int(row[SLOT]);
    while (next < buckets.length && slot >= (buckets[next]?.cut.to ?? 0)) next += 1;
    const bucket = buckets[next];
    if (bucket && slot >= bucket.cut.from && slot < bucket.cut.to) bucket.usage.addSlot(row);
  });
  const rows: ReportRow[] = [];
  for (const bucket of buckets) {
    for (const edge of bucket.cut.edges) addRange(q, bucket.usage, edge);
    bucket.usage.addChanges(q.pointLines(bucket.range));
    if (!bucket.usage.empty) rows.push(reportRow(bucket.key, bucket.usage.figures()));
  }
  return rows;
}

function sessionRows(db: Database, q: Queries, cut: SlotCut, total: Usage): ReportRow[] {
  const bySession = new Map<number, Usage>();
  const usageOf = (ref: number | null): Usage => {
    const key = ref ?? 0;
    const known = bySession.get(key);
    if (known) return known;
    const usage = new Usage();
    bySession.set(key, usage);
    return usage;
  };
  q.eachSlot(cut, (row) => {
    total.addSlot(row);
    usageOf(int(row[SESSION])).addSlot(row);
  });
  for (const edge of cut.edges) {
    for (const row of q.grouped("llm", LLM, "session_ref", edge)) usageOf(ref(row.k)).llm.add(row);
    for (const [session, turns] of q.turnsBySession(edge))
      usageOf(session).addTurns(turns, session, q.byModel);
    q.eachToolCall((d, ok, key) => usageOf(key).addTool(d, ok), edge, "session_ref");
    for (const [session, changes] of q.changesGrouped("session_ref", edge))
      usageOf(session).addChanges(changes);
  }
  // Spans without a session id (from other OTLP sources) count in the total only.
  bySession.delete(0);
  const refs = [...bySession.keys()];
  const names = nameValues(db, refs);
  const titles = q.titles(refs);
  const pointLines = q.pointLinesBySession();
  const rows: ReportRow[] = [];
  for (const [session, usage] of bySession) {
    const key = names.get(session) ?? UNKNOWN;
    usage.addChanges(pointLines.get(key));
    const title = titles.get(session);
    rows.push(reportRow(key, { ...usage.figures(), ...(title ? { title } : {}) }, "session"));
  }
  return rows.sort(byCost);
}

/** By model, agent or tool: grouped straight from the spans and change events. */
function nameRows(db: Database, q: Queries, group: Exclude<NameGroup, "session">): ReportRow[] {
  const refs = NAME_REFS[group];
  const byRef = new Map<number | null, Figures>();
  const figuresOf = (key: number | null): Figures => {
    const known = byRef.get(key);
    if (known) return known;
    const figures: Figures = {};
    byRef.set(key, figures);
    return figures;
  };
  // Under a model filter, turns and sessions are those the model's calls ran in (`DISTINCT`).
  const distinct = group === "model" || group === "tool" || q.byModel ? DISTINCT : "";
  const turnsFrom = q.byModel && group !== "tool" ? "model" : group;
  if (refs.llm)
    for (const row of q.grouped("llm", LLM + distinct, refs.llm)) figuresOf(ref(row.k)).llm = row;
  if (refs.turn)
    for (const row of q.grouped("turn", TURN, refs.turn)) figuresOf(ref(row.k)).turn = row;
  if (refs.tool) {
    for (const [key, figures] of toolsByKey(q, refs.tool)) {
      figuresOf(key).tool = figures.tally;
      figuresOf(key).durations = figures.durations;
    }
    // Distinct turns and sessions per tool need SQL's DISTINCT.
    if (distinct)
      for (const row of q.grouped("tool", TOOL + distinct, refs.tool))
        figuresOf(ref(row.k)).tool = row;
  }
  for (const [key, changes] of q.changesGrouped(CHANGE_REFS[group]))
    figuresOf(key).changes = changes;

  const names = nameValues(db, [...byRef.keys()]);
  const rows: ReportRow[] = [];
  for (const [key, figures] of byRef) {
    const name = key === null ? UNKNOWN : (names.get(key) ?? UNKNOWN);
    rows.push(reportRow(name, figures, turnsFrom));
  }
  return rows.sort(byCost);
}

/** Each key's tool figures from one scan of the tool spans in time order. */
function toolsByKey(q: Queries, key: string): Map<number | null, ToolFigures> {
  const lists = new Map<number | null, { durations: number[]; ok: number }>();
  q.eachToolCall(
    (duration, ok, k) => {
      let list = lists.get(k);
      if (!list) {
        list = { durations: [], ok: 0 };
        lists.set(k, list);
      }
      list.durations.push(duration);
      if (ok) list.ok += 1;
    },
    undefined,
    key,
  );
  const figures = new Map<number | null, ToolFigures>();
  for (const [k, { durations, ok }] of lists)
    figures.set(k, {
      tally: { calls: durations.length, ok },
      durations: Float64Array.from(durations).sort(),
    });
  return figures;
}

const ref = (value: unknown): number | null =>
  value === null || value === undefined ? null : int(value);

function byCost(a: ReportRow, b: ReportRow): number {
  return b.costUsd - a.costUsd || b.llmCalls - a.llmCalls || compare(a.key, b.key);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
