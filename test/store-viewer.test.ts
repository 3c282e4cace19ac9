/**
 * The store's reads for the viewer, over a store filled by replaying every capture through the
 * real plugin and its local exporter: session figures equal the report's and opencode's own
 * sums, the index stays equal to a fresh read as rows arrive, waterfalls nest subagents and
 * resumed processes, and usage is made of reports.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SessionListRow, SpanRow } from "../src/store/index.js";
import { Store } from "../src/store/index.js";
import { expectedTotals, FIXTURES, loadFixture, loadTruth } from "./support/fixtures.js";
import { fillStore } from "./support/store-fill.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-store-viewer-"));
const path = join(dir, "telemetry.db");
let store: Store;

beforeAll(async () => {
  await fillStore(path);
  store = await Store.open(path);
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function allSessions(): SessionListRow[] {
  const index = store.sessionIndex();
  index.load();
  return [...index.page({ limit: 500 }).rows];
}

describe("the session index", () => {
  test("lists every captured session with opencode's own cost and tokens", () => {
    const rows = allSessions();
    const expected = new Map<string, { tokens: number; cost: number }>();
    for (const name of FIXTURES)
      for (const [id, totals] of expectedTotals(loadFixture(name))) expected.set(id, totals);
    expect(rows.map((row) => row.sessionId).sort()).toEqual([...expected.keys()].sort());
    for (const row of rows) {
      const want = expected.get(row.sessionId);
      expect(row.costUsd).toBeCloseTo(want?.cost ?? -1, 10);
      expect(row.tokens).toBe(want?.tokens ?? -1);
    }
  });

  test("equals the report per session, figure by figure", () => {
    const report = new Map(store.report({ group: "session" }).rows.map((row) => [row.key, row]));
    for (const row of allSessions()) {
      const want = report.get(row.sessionId);
      expect(want).toBeDefined();
      expect(row.costUsd).toBeCloseTo(want?.costUsd ?? -1, 12);
      expect(row.llmCalls).toBe(want?.llmCalls ?? -1);
      expect(row.turns).toBe(want?.turns ?? -1);
      expect(row.errors).toBe(want?.errors ?? -1);
      expect(row.toolCalls).toBe(want?.toolCalls ?? -1);
      expect(row.cacheReadShare).toBeCloseTo(want?.cacheReadShare ?? -1, 12);
      expect(row.inputTokens).toBe(want?.inputTokens ?? -1);
      expect(row.tokens).toBe(want?.totalTokens ?? -1);
      expect(row.title).toBe(want?.title ?? "");
      expect([row.linesAdded, row.linesRemoved, row.commits, row.pullRequests]).toEqual([
        want?.linesAdded ?? -1,
        want?.linesRemoved ?? -1,
        want?.commits ?? -1,
        want?.pullRequests ?? -1,
      ]);
    }
    // The captures changed lines, made a commit and opened a pull request: the figures are there.
    const rows = allSessions();
    expect(rows.some((row) => row.linesAdded > 0 && row.linesRemoved > 0)).toBe(true);
    expect(rows.some((row) => row.commits === 1 && row.pullRequests === 1)).toBe(true);
  });

  test("knows subagents, agents, models and projects", () => {
    const rows = allSessions();
    const child = rows.find((row) => row.parentSessionId !== "");
    expect(child?.agent).toBe("general");
    expect(rows.some((row) => row.sessionId === child?.parentSessionId)).toBe(true);
    for (const row of rows) {
      expect(row.models).toEqual(["mock-model"]);
      expect(row.project).toStartWith("/home/dev/projects/");
      expect(row.endMs).toBeGreaterThan(row.startMs);
    }
  });

  test("filters, sorts and pages", () => {
    const index = store.sessionIndex();
    index.load();
    const all = index.page({ limit: 500 });
    const sessions = FIXTURES.flatMap((name) => [...expectedTotals(loadFixture(name)).keys()]);
    expect(all.total).toBe(sessions.length);
    const subagents = all.rows.filter((row) => row.parentSessionId !== "");
    const byCost = index.page({ sort: "cost", descending: true, limit: 3 });
    expect(byCost.rows.map((row) => row.costUsd)).toEqual(
      [...all.rows]
        .map((row) => row.costUsd)
        .sort((a, b) => b - a)
        .slice(0, 3),
    );
    const second = index.page({ sort: "cost", descending: true, offset: 3, limit: 3 });
    expect(second.total).toBe(sessions.length);
    expect(second.rows[0]?.costUsd).toBeLessThanOrEqual(byCost.rows[2]?.costUsd ?? 0);
    // Two subagent captures, each a parent and its child session, in projects named after them.
    expect(subagents).toHaveLength(2);
    expect(index.page({ project: "subagent" }).total).toBe(4);
    expect(index.page({ agent: "general" }).total).toBe(subagents.length);
    expect(index.page({ model: "mock-model" }).total).toBe(sessions.length);
    expect(index.page({ model: "other-model" }).total).toBe(0);
    const one = all.rows[0];
    expect(index.page({ text: one?.sessionId.slice(-6).toUpperCase() }).rows[0]?.sessionId).toBe(
      one?.sessionId ?? "",
    );
    // Sessions active in the range: the first one alone before its end, all but it after.
    const first = [...all.rows].sort((a, b) => a.startMs - b.startMs)[0];
    expect(index.page({ until: (first?.startMs ?? 0) + 1 }).total).toBe(1);
    expect(index.page({ since: (first?.endMs ?? 0) + 1 }).total).toBe(sessions.length - 1);
    const facets = index.facets();
    expect(facets.agents.map((facet) => facet.value).sort()).toEqual(["build", "general"]);
    expect(facets.models).toEqual([{ value: "mock-model", sessions: sessions.length }]);
    expect(facets.projects).toHaveLength(FIXTURES.length);
  });

  test("updates from new rows by row id and then equals a fresh read", async () => {
    const copy = join(dir, "growing.db");
    await fillStore(copy, ["a_single"]);
    const growing = await Store.open(copy);
    try {
      const index = growing.sessionIndex();
      index.load();
      expect(index.update()).toBeUndefined();
      const before = index.page({}).rows[0];
      // Another process writes: the next capture, then a span of the first session.
      await fillStore(copy, ["d_subagent_serve"]);
      const changes = index.update();
      expect(changes?.sessions).toHaveLength(2);
      expect(index.size).toBe(3);
      const llm = growing
        .trace(growing.sessions()[2]?.traceId ?? "")
        .find((s) => s.name === "opencode.llm");
      if (!llm || !before) throw new Error("no LLM span in the capture");
      const extra: SpanRow = {
        ...llm,
        spanId: "00000000000000ff",
        startNs: llm.endNs,
        endNs: llm.endNs + 1_000_000n,
      };
      growing.insertSpans([extra]);
      expect(index.update()?.sessions).toEqual([before.sessionId]);
      const after = index.session(before.sessionId);
      expect(after?.llmCalls).toBe(before.llmCalls + 1);
      const fresh = growing.sessionIndex();
      fresh.load();
      expect(index.page({ limit: 500 })).toEqual(fresh.page({ limit: 500 }));

      // A commit and a pull request arrive as change events: they add to their session.
      await fillStore(copy, ["g_git_run"]);
      const [git] = [...expectedTotals(loadFixture("g_git_run")).keys()];
      expect(index.update()?.sessions).toContain(git ?? "");
      expect(index.session(git ?? "")).toMatchObject({
        linesAdded: 1,
        commits: 1,
        pullRequests: 1,
      });
      const again = growing.sessionIndex();
      again.load();
      expect(index.page({ limit: 500 })).toEqual(again.page({ limit: 500 }));
    } finally {
      growing.close();
    }
  });
});

test("a read in steps answers along the way, the newest sessions first, and ends equal to a whole read", async () => {
  const copy = join(dir, "steps.db");
  await fillStore(copy, FIXTURES.slice(0, 6));
  const stepped = await Store.open(copy);
  try {
    const before = stepped.sessionIndex();
    before.load();
    const calls = new Map(before.page({ limit: 500 }).rows.map((r) => [r.sessionId, r.llmCalls]));
    const index = stepped.sessionIndex();
    // A zero budget: every step is as small as the reader allows.
    const step = index.loadInSteps(0);
    const seen: number[] = [];
    let wrote = false;
    while (step()) {
      const page = index.page({ limit: 500 });
      expect(page.loading).toBe(index.loading ?? -1);
      seen.push(page.loading ?? -1);
      // Newest first: once a session is whole, so is every session that started after it.
      const rows = page.rows.filter((row) => calls.has(row.sessionId));
      const whole = rows.map((row) => row.llmCalls === calls.get(row.sessionId));
      expect(whole).toEqual([...whole].sort((x, y) => Number(y) - Number(x)));
      // New rows wait for the end of the read.
      expect(index.update()).toBeUndefined();
      if (!wrote && page.total > 0) {
        await fillStore(copy, ["g_git_run"]);
        wrote = true;
      }
    }
    expect(seen.length).toBeGreaterThan(2);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(index.loading).toBeUndefined();
    const whole = stepped.sessionIndex();
    whole.load();
    const a = index.page({ limit: 500 });
    const b = whole.page({ limit: 500 });
    expect(a.loading).toBeUndefined();
    expect(a.rows.map((row) => row.sessionId)).toEqual(b.rows.map((row) => row.sessionId));
    expect(a.rows.map((row) => row.sessionId)).toContain(
      [...expectedTotals(loadFixture("g_git_run")).keys()][0] ?? "",
    );
    a.rows.forEach((row, i) => {
      const other = b.rows[i];
      // Sums taken in other steps may differ in the last bits.
      expect(row.costUsd).toBeCloseTo(other?.costUsd ?? -1, 12);
      expect({ ...row, costUsd: 0 }).toEqual({ ...(other ?? row), costUsd: 0 });
    });
  } finally {
    stepped.close();
  }
});

test("a replayed session shows opencode's title with content capture off, and the search finds it", async () => {
  // The plugin's default privacy: no prompt content on OTLP, the title kept to the local store.
  const copy = join(dir, "private.db");
  await fillStore(copy, ["d_subagent_serve"], { content: false });
  const stored = await Store.open(copy);
  try {
    const index = stored.sessionIndex();
    index.load();
    const rows = index.page({}).rows;
    expect(rows.map((row) => row.title).sort()).toEqual([
      "Mock session title",
      "Mock subtask (@general subagent)",
    ]);
    expect(index.page({ text: "SUBTASK" }).rows.map((row) => row.agent)).toEqual(["general"]);
    const report = stored.report({ group: "session" }).rows;
    for (const row of rows)
      expect(report.find((r) => r.key === row.sessionId)?.title).toBe(row.title);
  } finally {
    stored.close();
  }
});

test("a session span's title names the session, and the search finds it", async () => {
  const copy = join(dir, "titled.db");
  await fillStore(copy, ["b2_multiturn_serve"]);
  const titled = await Store.open(copy);
  try {
    const [summary] = titled.sessions();
    const root = titled
      .trace(summary?.traceId ?? "")
      .find((span) => span.name === "opencode.session");
    if (!root) throw new Error("no session span in the capture");
    // A later process segment of the same session carries the title opencode gave it.
    titled.insertSpans([
      {
        ...root,
        spanId: "00000000000000cc",
        startNs: root.endNs,
        endNs: root.endNs + 1_000_000n,
        attributes: { ...root.attributes, "session.title": "Fix the flaky login test" },
      },
    ]);
    const index = titled.sessionIndex();
    index.load();
    expect(index.page({ text: "flaky LOGIN" }).rows.map((row) => row.title)).toEqual([
      "Fix the flaky login test",
    ]);
    expect(index.page({ text: "nothing like it" }).total).toBe(0);
  } finally {
    titled.close();
  }
});

describe("waterfalls", () => {
  test("nest the subagent session under its task call", () => {
    const child = allSessions().find((row) => row.parentSessionId !== "");
    const waterfall = store.waterfall(child?.parentSessionId ?? "");
    const spans = waterfall?.spans ?? [];
    const task = spans.find((span) => span.tool === "task");
    expect(task?.childSessionId).toBe(child?.sessionId ?? "");
    const childRoot = spans.find(
      (span) => span.category === "session" && span.sessionId === child?.sessionId,
    );
    expect(childRoot?.parentSpanId).toBe(task?.spanId ?? "");
    // Parents come before children.
    const order = new Map(spans.map((span, i) => [span.spanId, i]));
    for (const span of spans)
      if (order.has(span.parentSpanId))
        expect(order.get(span.parentSpanId) ?? -1).toBeLessThan(order.get(span.spanId) ?? -1);
    expect(spans.filter((span) => span.sessionId === child?.sessionId).length).toBeGreaterThan(3);
    // The subagent alone: its own tree, without its parent's spans.
    const own = store.waterfall(child?.sessionId ?? "")?.spans ?? [];
    expect(own[0]?.spanId).toBe(childRoot?.spanId ?? "");
    expect(own.every((span) => span.sessionId === child?.sessionId)).toBe(true);
  });

  test("put the processes of a resumed session in one timeline", () => {
    const [[id]] = [[...expectedTotals(loadFixture("b1_multiturn_run")).keys()]];
    const spans = store.waterfall(id ?? "")?.spans ?? [];
    const segments = spans.filter((span) => span.category === "session");
    expect(segments).toHaveLength(3);
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
    expect(spans.filter((span) => span.category === "turn")).toHaveLength(3);
  });

  test("mark errors and retries, and show a span's attributes and events", () => {
    const [[id]] = [[...expectedTotals(loadFixture("c2_errors_serve")).keys()]];
    const spans = store.waterfall(id ?? "")?.spans ?? [];
    expect(spans.some((span) => span.category === "llm" && span.status === 2)).toBe(true);
    const retried = spans.find((span) => span.retries > 0);
    expect(retried?.events).toBeGreaterThan(0);
    const full = store.span(retried?.traceId ?? "", retried?.spanId ?? "");
    expect(full?.events.some((event) => event.name === "retry")).toBe(true);
    expect(full?.attributes["llm.retries"]).toBe(retried?.retries ?? -1);
  });

  test("give each turn the lines, commits and pull requests of its change events", () => {
    const truth = loadTruth("f_lines_run") as {
      sessionId: string;
      processes: { numstat: { added: number; removed: number } }[];
    };
    const waterfall = store.waterfall(truth.sessionId);
    const turns = (waterfall?.spans ?? []).filter((span) => span.category === "turn");
    const byTurn = new Map(
      (waterfall?.turnChanges ?? []).map((c) => [c.spanId, [c.linesAdded, c.linesRemoved]]),
    );
    // One edit turn per process; each turn's lines are what git counted for that process.
    expect(turns.map((turn) => byTurn.get(turn.spanId))).toEqual(
      truth.processes.map((p) => [p.numstat.added, p.numstat.removed]),
    );
    for (const row of allSessions()) {
      const changes = store.waterfall(row.sessionId)?.turnChanges ?? [];
      const own = new Set(
        (store.waterfall(row.sessionId)?.spans ?? [])
          .filter((span) => span.sessionId === row.sessionId)
          .map((span) => span.spanId),
      );
      const sum = (pick: (c: (typeof changes)[number]) => number) =>
        changes.filter((c) => own.has(c.spanId)).reduce((n, c) => n + pick(c), 0);
      // Every change event of these captures is tied to a turn of its own session.
      expect([sum((c) => c.linesAdded), sum((c) => c.commits), sum((c) => c.pullRequests)]).toEqual(
        [row.linesAdded, row.commits, row.pullRequests],
      );
    }
  });

  test("are undefined for an unknown session", () => {
    expect(store.waterfall("ses_nope")).toBeUndefined();
  });
});

describe("usage", () => {
  test("is the report of the same filter, by time, model, tool and agent", () => {
    const usage = store.usage({ project: "serve" });
    expect(usage.group).toBe("day");
    const report = store.report({ group: "day", project: "serve" });
    expect(usage.byTime).toEqual(report);
    expect(usage.byModel).toEqual(store.report({ group: "model", project: "serve" }).rows);
    expect(usage.byTool).toEqual(store.report({ group: "tool", project: "serve" }).rows);
    const costs = usage.modelCosts.reduce(
      (sum, bucket) => sum + (bucket.costs["mock-model"] ?? 0),
      0,
    );
    expect(costs).toBeCloseTo(report.total.costUsd, 12);
  });

  test("an agent filter keeps that agent's calls, tools and turns", () => {
    const general = store.report({ group: "day", agent: "general" }).total;
    const byAgent = store.report({ group: "agent" }).rows.find((row) => row.key === "general");
    expect(general.llmCalls).toBe(byAgent?.llmCalls ?? -1);
    expect(general.toolCalls).toBe(byAgent?.toolCalls ?? -1);
    expect(general.turns).toBe(byAgent?.turns ?? -1);
    expect(general.costUsd).toBeCloseTo(byAgent?.costUsd ?? -1, 12);
    expect(store.report({ group: "day", agent: "nobody" }).total.llmCalls).toBe(0);
  });

  test("a model filter keeps that model's calls and the turns they ran in, as its row does", () => {
    const filtered = store.report({ group: "day", model: "mock-model" }).total;
    const [row] = store.report({ group: "model" }).rows;
    expect(filtered).toEqual({ ...row, key: "total" } as typeof filtered);
    expect(filtered.toolCalls).toBe(0);
    expect(store.report({ group: "session", model: "mock-model" }).rows).toHaveLength(
      allSessions().length,
    );
    expect(store.report({ group: "day", model: "nobody" }).total.llmCalls).toBe(0);
    expect(store.usage({ model: "mock-model" }).byTime.total).toEqual(filtered);
  });
});

describe("live reads", () => {
  test("the newest row ids and the latest spans", () => {
    const ids = store.lastRowIds();
    expect(ids.spans).toBe(store.count("spans"));
    const recent = store.recentSpans(5);
    expect(recent).toHaveLength(5);
    expect(recent[0]?.id).toBe(ids.spans);
    expect(recent[0]?.id ?? 0).toBeGreaterThan(recent[1]?.id ?? 0);
  });
});
