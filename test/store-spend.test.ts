/**
 * The spend queries (`src/store/spend.ts`) and 5-hour blocks (`src/store/blocks.ts`) on real
 * stores: the captures replayed through the plugin, and a generated history. Every window's
 * figures equal the report's over the same range; blocks equal ccusage's algorithm, written out
 * here independently over the sorted call times.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { BLOCK_MS, blockAt, blockBuckets, floorHour, walkBlocks } from "../src/store/blocks.js";
import type { Spend } from "../src/store/spend.js";
import { openSpendReader, type SpendReader } from "../src/store/spend-reader.js";
import { Store } from "../src/store/store.js";
import type { ReportQuery, ReportRow, SpanRow } from "../src/store/types.js";
import { FIXTURES } from "./support/fixtures.js";
import { llmCallRow } from "./support/span-maker.js";
import { PROJECT_ROOT } from "./support/spend-history.js";
import { fixtureProject, fixtureStore, historyStore } from "./support/spend-stores.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-store-spend-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
/** The generated history ends here (a Wednesday afternoon, local time). */
const END = new Date(2026, 2, 18, 15, 30).getTime();

let fixtures: { store: Store; reader: SpendReader };
let history: { store: Store; reader: SpendReader; spans: SpanRow[] };

beforeAll(async () => {
  await fixtureStore(join(dir, "fixtures.db"));
  fixtures = {
    store: await Store.open(join(dir, "fixtures.db")),
    reader: await openSpendReader(join(dir, "fixtures.db")),
  };
  const spans = await historyStore(join(dir, "history.db"), {
    spans: 60_000,
    end: END,
    days: 30,
  });
  history = {
    store: await Store.open(join(dir, "history.db")),
    reader: await openSpendReader(join(dir, "history.db")),
    spans,
  };
}, 60_000);
afterAll(() => {
  for (const s of [fixtures, history]) {
    s.reader.close();
    s.store.close();
  }
});

/** The LLM figures of a spend window or report row, as plain numbers. */
function figures(row: ReportRow | Spend) {
  return {
    costUsd: row.costUsd,
    totalTokens: row.totalTokens,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    reasoningTokens: row.reasoningTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    cacheReadShare: row.cacheReadShare,
    llmCalls: row.llmCalls,
  };
}

/** The same, to compare with: float sums taken in another order may differ in the last bits. */
function llmFigures(row: ReportRow | Spend) {
  return {
    costUsd: expect.closeTo(row.costUsd, 9),
    totalTokens: row.totalTokens,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    reasoningTokens: row.reasoningTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    cacheReadShare: expect.closeTo(row.cacheReadShare, 12),
    llmCalls: row.llmCalls,
  };
}

function reportTotal(store: Store, query: Omit<ReportQuery, "group">): ReportRow {
  return store.report({ group: "day", ...query }).total;
}

describe("spend windows equal the report over the same range", () => {
  test("today, the last 15 minutes and a past hour of the generated history", () => {
    const q = history.reader.queries;
    const midnight = new Date(END);
    midnight.setHours(0, 0, 0, 0);
    for (const [from, to] of [
      [midnight.getTime(), END],
      [END - 15 * 60_000, END],
      [END - 30 * HOUR, END - 29 * HOUR],
      [END - 31 * 86_400_000, END],
    ] as const) {
      const spend = q.window({ from, to });
      expect(spend.llmCalls).toBeGreaterThan(0);
      expect(figures(spend)).toEqual(
        llmFigures(reportTotal(history.store, { since: from, until: to })),
      );
    }
  });

  test("a project's window: its directory and the folders under it", () => {
    const q = history.reader.queries;
    const project = `${PROJECT_ROOT}/project-19`;
    const spend = q.window({ from: 0, to: END + 1, projects: q.projectRefs(project) });
    expect(spend.llmCalls).toBeGreaterThan(0);
    expect(figures(spend)).toEqual(
      llmFigures(reportTotal(history.store, { project: "project-19" })),
    );
    // A sibling whose name starts the same is not under it.
    expect(q.projectRefs(`${PROJECT_ROOT}/project-1`)).toHaveLength(1);
    expect(q.projectRefs(PROJECT_ROOT)).toHaveLength(20);
    expect(q.projectRefs("/nowhere")).toEqual([]);
  });

  test("each captured session's spend equals its report row", () => {
    const q = fixtures.reader.queries;
    const rows = fixtures.store.report({ group: "session" }).rows;
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(figures(q.session(row.key))).toEqual(llmFigures(row));
    expect(q.session("ses_unknown").llmCalls).toBe(0);
  });

  test("the captures' day and project windows", () => {
    const q = fixtures.reader.queries;
    const day = fixtures.store.report({ group: "day", timeZone: "utc" });
    for (const row of day.rows) {
      const from = Date.parse(`${row.key}T00:00:00Z`);
      expect(figures(q.window({ from, to: from + 24 * HOUR }))).toEqual(llmFigures(row));
    }
    for (const name of FIXTURES) {
      const refs = q.projectRefs(fixtureProject(name));
      expect(refs).toHaveLength(1);
      expect(figures(q.window({ from: 0, to: Date.now() * 2, projects: refs }))).toEqual(
        llmFigures(reportTotal(fixtures.store, { project: fixtureProject(name) })),
      );
    }
  });
});

describe("finding the current session and project", () => {
  test("the project holding a directory is it or its nearest stored parent", () => {
    const q = fixtures.reader.queries;
    const project = fixtureProject("m_permissions_serve");
    expect(q.projectOf(project)).toBe(project);
    expect(q.projectOf(`${project}/src/deep/er`)).toBe(project);
    expect(q.projectOf("/work")).toBeUndefined();
    expect(q.projectOf("/elsewhere")).toBeUndefined();
  });

  test("the latest session of a project is the one with its latest call", () => {
    const q = history.reader.queries;
    const refs = q.projectRefs(`${PROJECT_ROOT}/project-0`);
    const latest = history.spans
      .filter(
        (s) =>
          s.name === "opencode.llm" &&
          s.resource["opencode.project.directory"] === `${PROJECT_ROOT}/project-0`,
      )
      .reduce((a, b) => (b.startNs > a.startNs ? b : a));
    expect(q.latestSession({ from: 0, to: END + 1, projects: refs })).toBe(
      String(latest.attributes["session.id"]),
    );
    expect(q.latestSession({ from: END + 1, to: END + 2 })).toBeUndefined();
  });

  test("sessions with calls in a window, newest activity first", () => {
    const q = history.reader.queries;
    const from = END - 15 * 60_000;
    const active = q.activeSessions({ from, to: END });
    expect(active.length).toBeGreaterThan(0);
    const calls = history.spans.filter(
      (s) => s.name === "opencode.llm" && s.startNs >= BigInt(from) * 1_000_000n,
    );
    expect(active.reduce((n, a) => n + a.window.llmCalls, 0)).toBe(calls.length);
    const last = active.map((a) => a.lastMs);
    expect(last).toEqual([...last].sort((a, b) => b - a));
  });

  test("stored spans are told apart from others by their ids", () => {
    const [span] = history.spans;
    if (!span) throw new Error("no spans");
    const stored = history.reader.queries.storedSpans([
      { traceId: span.traceId, spanId: span.spanId },
      { traceId: span.traceId, spanId: "ffffffffffffffff" },
    ]);
    expect([...stored]).toEqual([`${span.traceId}:${span.spanId}`]);
  });
});

/** ccusage's block algorithm over sorted call times, written out independently. */
function referenceBlocks(times: readonly number[]): { start: number; calls: number[] }[] {
  const blocks: { start: number; calls: number[] }[] = [];
  for (const t of [...times].sort((a, b) => a - b)) {
    const current = blocks.at(-1);
    const last = current?.calls.at(-1);
    if (!current || last === undefined || t - current.start >= BLOCK_MS || t - last >= BLOCK_MS)
      blocks.push({ start: Math.floor(t / HOUR) * HOUR, calls: [t] });
    else current.calls.push(t);
  }
  return blocks;
}

/** The first time at or after `from` (binary search): what the index seek answers. */
const nextOf = (times: readonly number[]) => (from: number) => {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] ?? 0) < from) lo = mid + 1;
    else hi = mid;
  }
  return times[lo];
};

const activity = fc
  .array(
    fc.oneof(
      fc.integer({ min: 1, max: 10 * 60_000 }),
      fc.integer({ min: HOUR, max: 6 * HOUR }),
      fc.constant(BLOCK_MS),
    ),
    { minLength: 1, maxLength: 80 },
  )
  .map((gaps) => {
    let t = Date.UTC(2026, 0, 5, 7, 13);
    return gaps.map((gap) => (t += gap));
  });

describe("5-hour blocks", () => {
  test("walking the chain gives ccusage's blocks, for any activity", () => {
    fc.assert(
      fc.property(activity, (times) => {
        const walked: number[] = [];
        const first = times[0] ?? 0;
        walkBlocks(nextOf(times), floorHour(first), Number.MAX_SAFE_INTEGER, (block) =>
          walked.push(block.start),
        );
        expect(walked).toEqual(referenceBlocks(times).map((b) => b.start));
      }),
      { numRuns: 300 },
    );
  });

  test("the block holding a moment is ccusage's active block, or none after 5 idle hours", () => {
    fc.assert(
      fc.property(activity, fc.integer({ min: 0, max: 8 * HOUR }), (times, offset) => {
        const at = (times.at(-1) ?? 0) + offset;
        const blocks = referenceBlocks(times);
        const active = blocks.find((b) => b.start <= at && at < b.start + BLOCK_MS);
        const found = blockAt(nextOf(times), floorHour(times[0] ?? 0), at);
        expect(found?.start).toBe(active?.start);
      }),
      { numRuns: 300 },
    );
  });

  test("a 5-hour break ends a block, so the chain can start after the latest one", () => {
    fc.assert(
      fc.property(activity, (times) => {
        const at = (times.at(-1) ?? 0) + 1;
        let afterBreak: number | undefined;
        for (let i = 1; i < times.length; i++)
          if ((times[i] ?? 0) - (times[i - 1] ?? 0) >= BLOCK_MS) afterBreak = times[i];
        if (afterBreak === undefined) return;
        expect(blockAt(nextOf(times), floorHour(afterBreak), at)?.start).toBe(
          blockAt(nextOf(times), floorHour(times[0] ?? 0), at)?.start,
        );
      }),
      { numRuns: 300 },
    );
  });

  test("a store's blocks and breaks are the reference's, and each block row is its window", async () => {
    const times = fc.sample(activity, { numRuns: 1, seed: 16 })[0] ?? [];
    const path = join(dir, "blocks.db");
    const store = await Store.open(path);
    store.insertSpans(times.map((t, i) => llmSpan(t, i)));
    const reader = await openSpendReader(path);
    try {
      const reference = referenceBlocks(times);
      const report = store.report({ group: "block", timeZone: "utc" });
      expect(report.rows.map((r) => [r.key, r.llmCalls])).toEqual(
        reference.map((b) => [
          new Date(b.start).toISOString().slice(0, 16).replace("T", " "),
          b.calls.length,
        ]),
      );
      const q = reader.queries;
      for (const row of report.rows) {
        const start = Date.parse(`${row.key.replace(" ", "T")}:00Z`);
        expect(figures(q.window({ from: start, to: start + BLOCK_MS }))).toEqual(llmFigures(row));
      }
      const at = (times.at(-1) ?? 0) + 1;
      let afterBreak: number | undefined;
      for (let i = 1; i < times.length; i++)
        if ((times[i] ?? 0) - (times[i - 1] ?? 0) >= BLOCK_MS) afterBreak = times[i];
      expect(q.afterLastBreak(at, BLOCK_MS, 10_000)).toBe(afterBreak);
      expect(q.nextActivity(0)).toBe(times[0]);
      expect(q.lastActivity(at)).toBe(times.at(-1));
    } finally {
      reader.close();
      store.close();
    }
  });

  test("the generated history: nights end blocks; the report's blocks cover every call", () => {
    const q = history.reader.queries;
    const report = history.store.report({ group: "block" });
    const calls = history.spans.filter((s) => s.name === "opencode.llm").length;
    expect(report.rows.reduce((n, r) => n + r.llmCalls, 0)).toBe(calls);
    expect(report.total.llmCalls).toBe(calls);
    // Working days of 14 hours: three blocks a day, each starting on the hour.
    expect(report.rows.length).toBeGreaterThanOrEqual(3 * 30);
    const afterBreak = q.afterLastBreak(END, BLOCK_MS, 10_000);
    expect(afterBreak).toBeDefined();
    expect(new Date(afterBreak ?? 0).getDate()).toBe(new Date(END).getDate());
  });

  test("a call exactly at a block's end starts the next block, on the hour", () => {
    const times = [Date.UTC(2026, 0, 5, 7), Date.UTC(2026, 0, 5, 12), Date.UTC(2026, 0, 5, 14, 30)];
    const starts: number[] = [];
    walkBlocks(nextOf(times), times[0] ?? 0, Number.MAX_SAFE_INTEGER, (b) => starts.push(b.start));
    expect(starts).toEqual(referenceBlocks(times).map((b) => b.start));
    expect(starts).toEqual([Date.UTC(2026, 0, 5, 7), Date.UTC(2026, 0, 5, 12)]);
    expect(blockAt(nextOf(times), times[0] ?? 0, Date.UTC(2026, 0, 5, 12))?.start).toBe(
      Date.UTC(2026, 0, 5, 12),
    );
  });

  test("block rows are keyed by their start and cut to the report's range", () => {
    const times = [Date.UTC(2026, 0, 5, 7, 13), Date.UTC(2026, 0, 5, 13, 0)];
    const buckets = blockBuckets(
      nextOf(times),
      times[0],
      { from: Date.UTC(2026, 0, 5, 8), to: Date.UTC(2026, 0, 6) },
      "utc",
    );
    expect(buckets).toEqual([
      { key: "2026-01-05 07:00", from: Date.UTC(2026, 0, 5, 8), to: Date.UTC(2026, 0, 5, 12) },
      { key: "2026-01-05 13:00", from: Date.UTC(2026, 0, 5, 13), to: Date.UTC(2026, 0, 5, 18) },
    ]);
  });
});

describe("report extras", () => {
  test("per project: one row per directory, summing to the total", () => {
    const report = history.store.report({ group: "project" });
    expect(report.rows).toHaveLength(20);
    for (const row of report.rows) {
      expect(row.key.startsWith(`${PROJECT_ROOT}/project-`)).toBe(true);
      const refs = history.reader.queries.projectRefs(row.key);
      expect(
        figures(history.reader.queries.window({ from: 0, to: END + 1, projects: refs })),
      ).toEqual(llmFigures(row));
    }
    const sum = report.rows.reduce((n, r) => n + r.costUsd, 0);
    expect(sum).toBeCloseTo(report.total.costUsd, 9);
    expect(report.rows.reduce((n, r) => n + r.toolCalls, 0)).toBe(report.total.toolCalls);
  });

  test("a breakdown lists, under each day, the rows of a per-model report over that day", () => {
    const since = END - 7 * 86_400_000;
    const report = history.store.report({ group: "day", since, until: END, breakdown: true });
    expect(report.rows.length).toBeGreaterThanOrEqual(7);
    for (const row of report.rows) {
      const breakdown = row.breakdown ?? [];
      expect(breakdown.length).toBeGreaterThan(0);
      const [y, m, d] = row.key.split("-").map(Number);
      const from = Math.max(since, new Date(y ?? 0, (m ?? 1) - 1, d).getTime());
      const until = Math.min(END, new Date(y ?? 0, (m ?? 1) - 1, (d ?? 0) + 1).getTime());
      expect(breakdown).toEqual(
        history.store.report({ group: "model", since: from, until }).rows as ReportRow[],
      );
      expect(breakdown.reduce((n, r) => n + r.llmCalls, 0)).toBe(row.llmCalls);
    }
    // Without the flag, no breakdown.
    expect(
      history.store.report({ group: "day", since, until: END }).rows[0]?.breakdown,
    ).toBeUndefined();
  });
});

function llmSpan(ms: number, i: number): SpanRow {
  return llmCallRow({
    traceId: "ab".repeat(16),
    index: i,
    startMs: ms,
    attributes: {
      "session.id": `ses_${i % 3}`,
      "gen_ai.request.model": "m",
      "gen_ai.usage.input_tokens": 100 + i,
      "gen_ai.usage.output_tokens": 10,
      "llm.cost.total": 0.001 * (i + 1),
    },
  });
}

describe("local midnight without JavaScript's time zone", () => {
  test("SQLite's localtime gives the midnight Date gives, across clock changes, in a process started with TZ", async () => {
    const path = join(dir, "midnight.db");
    (await Store.open(path)).close();
    // Instants around the 2026 clock changes of zones that change at 02:00 or 03:00 (not at
    // midnight), a half-hour zone, and one east of UTC by more than half a day.
    const instants = [
      "2026-03-08T06:30:00Z",
      "2026-03-08T07:30:00Z",
      "2026-03-29T00:30:00Z",
      "2026-03-29T01:30:00Z",
      "2026-04-05T15:30:00Z",
      "2026-10-04T15:30:00Z",
      "2026-10-25T00:30:00Z",
      "2026-10-25T23:30:00Z",
      "2026-11-01T05:30:00Z",
      "2026-11-01T06:30:00Z",
      "2026-12-31T23:59:59Z",
    ].map(Date.parse);
    const script = `
      const { openSpendReader } = await import(${JSON.stringify(join(import.meta.dir, "../src/store/spend-reader.ts"))});
      const reader = await openSpendReader(${JSON.stringify(path)});
      const rows = ${JSON.stringify(instants)}.map((at) => {
        const d = new Date(at);
        return [reader.queries.localDayStart(at), new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()];
      });
      reader.close();
      process.stdout.write(JSON.stringify(rows));`;
    for (const zone of [
      "America/New_York",
      "Europe/Paris",
      "Australia/Lord_Howe",
      "Pacific/Kiritimati",
    ]) {
      const run = Bun.spawnSync([process.execPath, "-e", script], {
        env: { ...process.env, TZ: zone },
      });
      expect(run.stderr.toString()).toBe("");
      const rows = JSON.parse(run.stdout.toString()) as [number, number][];
      expect(rows).toHaveLength(instants.length);
      for (const [sqlite, js] of rows) expect({ zone, sqlite }).toEqual({ zone, sqlite: js });
    }
  });
});
