/**
 * Reports by time and by session read the usage slots (a quarter hour per session and project,
 * added up on every write); they must say exactly what the spans and change events themselves
 * say. The expected figures here are computed from the generated rows alone, one by one, with
 * no store and no SQL.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changeColumns, spanColumns } from "../src/store/columns.js";
import { openDatabase } from "../src/store/db.js";
import { Store } from "../src/store/store.js";
import type { LogRow, ReportQuery, ReportRow, SpanRow } from "../src/store/types.js";
import { type YearRow, yearOfUse } from "./support/year-of-spans.js";

const SPANS = 20_000;
const DAY_MS = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), "opencode-otel-slots-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows: YearRow[] = [...yearOfUse(SPANS)];
const spans: SpanRow[] = rows.flatMap((row) => ("span" in row ? [row.span] : []));
const logs: LogRow[] = rows.flatMap((row) => ("log" in row ? [row.log] : []));

/** What one report row must hold, added up span by span. */
class Expected {
  cost = 0;
  input = 0;
  output = 0;
  reasoning = 0;
  cacheRead = 0;
  cacheWrite = 0;
  llmCalls = 0;
  errors = 0;
  retries = 0;
  turns = 0;
  sessions = new Set<string>();
  durations: number[] = [];
  toolOk = 0;
  added = 0;
  removed = 0;
  commits = 0;
  pullRequests = 0;

  row(): Partial<ReportRow> {
    const sorted = [...this.durations].sort((a, b) => a - b);
    const rank = (p: number) =>
      sorted.length ? (sorted[Math.max(0, Math.ceil((p * sorted.length) / 100) - 1)] ?? 0) : 0;
    return {
      inputTokens: this.input,
      outputTokens: this.output,
      reasoningTokens: this.reasoning,
      cacheReadTokens: this.cacheRead,
      cacheWriteTokens: this.cacheWrite,
      llmCalls: this.llmCalls,
      errors: this.errors,
      retries: this.retries,
      turns: this.turns,
      sessions: this.sessions.size,
      toolCalls: this.durations.length,
      toolSuccessRate: this.durations.length ? this.toolOk / this.durations.length : 0,
      toolP50Ms: rank(50),
      toolP95Ms: rank(95),
      linesAdded: this.added,
      linesRemoved: this.removed,
      commits: this.commits,
      pullRequests: this.pullRequests,
    };
  }
}

/** Every row's expected figures, keyed by `keyOf` (undefined: the row is left out). */
function expected(
  range: { readonly since: number; readonly until: number },
  keyOf: (ms: number, session: string | null, project: string | null) => string | undefined,
  project?: string,
): Map<string, Expected> {
  const out = new Map<string, Expected>();
  const at = (ms: number, session: string | null, where: string | null) => {
    if (ms < range.since || ms >= range.until) return undefined;
    if (project && !where?.includes(project)) return undefined;
    const key = keyOf(ms, session, where);
    if (key === undefined) return undefined;
    let e = out.get(key);
    if (!e) {
      e = new Expected();
      out.set(key, e);
    }
    return e;
  };
  for (const span of spans) {
    const c = spanColumns(span);
    const e = at(Number(span.startNs / 1_000_000n), c.sessionId, c.project);
    if (!e) continue;
    if (c.category === "llm") {
      e.cost += c.cost;
      e.input += c.inputTokens;
      e.output += c.outputTokens;
      e.reasoning += c.reasoningTokens;
      e.cacheRead += c.cacheReadTokens;
      e.cacheWrite += c.cacheWriteTokens;
      e.llmCalls += 1;
      if (span.statusCode === 2) e.errors += 1;
      e.retries += c.retries;
    } else if (c.category === "turn") {
      e.turns += 1;
      if (c.sessionId) e.sessions.add(c.sessionId);
    } else if (c.category === "tool") {
      e.durations.push(c.durationMs);
      if (c.toolSuccess === 1) e.toolOk += 1;
    }
  }
  for (const log of logs) {
    const c = changeColumns(log);
    if (!c) continue;
    const e = at(Number(log.timeNs / 1_000_000n), c.sessionId, c.project);
    if (!e) continue;
    e.added += c.added;
    e.removed += c.removed;
    e.commits += c.commits;
    e.pullRequests += c.pullRequests;
  }
  return out;
}

const utcDay = (ms: number) =>
  new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);

/** Report rows against expected ones: integers exactly, sums of fractions to the last digits. */
function expectRows(actual: readonly ReportRow[], want: Map<string, Expected>): void {
  expect(actual.map((row) => row.key).sort()).toEqual([...want.keys()].sort());
  for (const row of actual) {
    const e = want.get(row.key);
    expect(row).toMatchObject({ key: row.key, ...e?.row() });
    expect(row.costUsd).toBeCloseTo(e?.cost ?? 0, 9);
  }
}

function total(want: Map<string, Expected>): Expected {
  const sum = new Expected();
  for (const e of want.values()) {
    for (const key of [
      "cost",
      "input",
      "output",
      "reasoning",
      "cacheRead",
      "cacheWrite",
      "llmCalls",
      "errors",
      "retries",
      "turns",
      "toolOk",
      "added",
      "removed",
      "commits",
      "pullRequests",
    ] as const)
      sum[key] += e[key];
    for (const s of e.sessions) sum.sessions.add(s);
    sum.durations.push(...e.durations);
  }
  return sum;
}

let whole: Store;
let trickled: Store;
const first = Number((spans[0]?.startNs ?? 0n) / 1_000_000n);
const last = Number((spans.at(-1)?.startNs ?? 0n) / 1_000_000n);
/** The start of a quarter hour in which spans start. */
const quarter =
  Math.floor(Number((spans[spans.length >> 1]?.startNs ?? 0n) / 1_000_000n) / 900_000) * 900_000;

beforeAll(async () => {
  whole = await Store.open(join(dir, "whole.db"));
  whole.insertBatch({ spans, logs });
  // The same rows in small batches, out of order and each sent twice: slots are added to in
  // place (durations appended) and a resent row must add nothing.
  trickled = await Store.open(join(dir, "trickled.db"));
  const order = rows.map((_, i) => i).sort((a, b) => ((a * 7919) % 997) - ((b * 7919) % 997));
  for (let i = 0; i < order.length; i += 499) {
    const part = order.slice(i, i + 499).flatMap((k) => (rows[k] ? [rows[k]] : []));
    const batch = {
      spans: part.flatMap((row) => ("span" in row ? [row.span] : [])),
      logs: part.flatMap((row) => ("log" in row ? [row.log] : [])),
    };
    trickled.insertBatch(batch);
    trickled.insertBatch(batch);
  }
}, 120_000);

afterAll(() => {
  whole.close();
  trickled.close();
});

describe("reports from usage slots equal the figures of the spans themselves", () => {
  const open = { since: Number.MIN_SAFE_INTEGER, until: Number.MAX_SAFE_INTEGER };
  // Ranges that begin and end off a quarter hour, on one, inside a single quarter hour, and
  // the whole store.
  const ranges: { readonly name: string; readonly since?: number; readonly until?: number }[] = [
    { name: "everything" },
    {
      name: "a range off the quarter hours",
      since: first + 7 * DAY_MS + 123_457,
      until: last - 5 * DAY_MS - 98_765,
    },
    { name: "whole quarter hours", since: quarter - 900_000 * 4000, until: quarter + 900_000 * 40 },
    { name: "inside one quarter hour", since: quarter + 1, until: quarter + 899_999 },
    { name: "from a point on", since: first + 33 * DAY_MS + 1 },
  ];

  for (const which of ["whole", "trickled"] as const)
    test.each(ranges)(`by session and by UTC day, ${which} writes: %p`, (range) => {
      const store = which === "whole" ? whole : trickled;
      const query: Omit<ReportQuery, "group"> = {
        ...(range.since !== undefined ? { since: range.since } : {}),
        ...(range.until !== undefined ? { until: range.until } : {}),
      };
      const bounds = { since: range.since ?? open.since, until: range.until ?? open.until };
      const bySession = expected(bounds, (_, session) => session ?? undefined);
      const session = store.report({ group: "session", ...query });
      expect(session.rows.length).toBeGreaterThan(0);
      expectRows(session.rows, bySession);

      const byDay = expected(bounds, (ms) => utcDay(ms));
      const day = store.report({ group: "day", timeZone: "utc", ...query });
      expectRows(day.rows, byDay);

      const all = total(byDay).row();
      expect(session.total).toMatchObject(all);
      expect(day.total).toEqual(session.total);
      expect(store.report({ group: "model", ...query }).total).toEqual(session.total);
    });

  test("by month in a project, and a week's buckets in local time", () => {
    const months = expected(open, (ms) => new Date(ms).toISOString().slice(0, 7), "project-3");
    const month = whole.report({ group: "month", timeZone: "utc", project: "project-3" });
    expect(month.rows.length).toBeGreaterThan(0);
    expectRows(month.rows, months);
    // Local weeks add up to the same total as UTC days: every slot lands in one bucket.
    const week = trickled.report({ group: "week" });
    expect(week.total).toEqual(trickled.report({ group: "day" }).total);
    expect(week.rows.reduce((n, row) => n + row.toolCalls, 0)).toBe(week.total.toolCalls);
  });
});

test("a slot whose durations do not match its tool calls is reported as damage, not averaged over", async () => {
  const path = join(dir, "damaged.db");
  const store = await Store.open(path);
  store.insertSpans(spans.slice(0, 2000));
  const good = store.report({ group: "session" });
  expect(good.total.toolCalls).toBeGreaterThan(0);
  const db = await openDatabase(path);
  db.prepare(
    `UPDATE usage_slots SET tool_durations = substr(tool_durations, 1, length(tool_durations) - 8)
     WHERE slot = (SELECT MIN(slot) FROM usage_slots WHERE tool_calls > 1)`,
  ).run();
  db.close();
  for (const group of ["session", "day"] as const)
    expect(() => store.report({ group })).toThrow(/tool durations for \d+ tool calls/);
  expect(() => store.report({ group: "day" })).toThrow(
    expect.objectContaining({ code: "corrupt" }),
  );
  store.close();
});
