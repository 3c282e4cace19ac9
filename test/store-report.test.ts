import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { StoreLogExporter, StoreMetricExporter, StoreSpanExporter } from "../src/store/exporter.js";
import { logRowFromSdk, metricRowsFromSdk, spanRowFromSdk } from "../src/store/from-sdk.js";
import { Store } from "../src/store/store.js";
import type { ReportRow } from "../src/store/types.js";
import { type Captured, expectedTotals, FIXTURES, loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay } from "./support/replay.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-store-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Replayed {
  readonly records: Captured[];
  readonly collected: Collected;
}

const replays = new Map<string, Replayed>();
let store: Store;
let spans: ReadableSpan[] = [];

beforeAll(async () => {
  store = await Store.open(join(dir, "fixtures.db"));
  for (const name of FIXTURES) {
    const records = loadFixture(name);
    const collected = new Collected();
    await replay(records, { exporters: collected.overrides() });
    replays.set(name, { records, collected });
    store.insertSpans(collected.spans.map(spanRowFromSdk));
    store.insertLogs(collected.logs.map(logRowFromSdk));
    store.insertMetricPoints(collected.metrics.flatMap(metricRowsFromSdk));
  }
  spans = [...replays.values()].flatMap((r) => r.collected.spans);
});
afterAll(() => store.close());

// Figures computed straight from the SDK's spans, independently of the store's extraction.
const attr = (span: ReadableSpan, key: string): number => {
  const value = span.attributes[key];
  return typeof value === "number" ? value : 0;
};
const ms = (span: ReadableSpan) =>
  (span.endTime[0] - span.startTime[0]) * 1e3 + (span.endTime[1] - span.startTime[1]) / 1e6;
const sessionOf = (span: ReadableSpan) => String(span.attributes["session.id"]);
/** Every replayed log record of one event (`lines_changed`, `commit`, `pull_request`). */
const changeEvents = (name: string) =>
  [...replays.values()]
    .flatMap((r) => r.collected.logs)
    .filter((log) => log.attributes?.["event.name"] === name);
const isLlm = (span: ReadableSpan) => span.name === "opencode.llm";
const isTool = (span: ReadableSpan) => span.name.startsWith("opencode.tool.");
const isTurn = (span: ReadableSpan) => span.name === "opencode.turn";

function rank(values: number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[Math.ceil((sorted.length * percent) / 100) - 1] ?? 0);
}

function expected(of: readonly ReadableSpan[]) {
  const llms = of.filter(isLlm);
  const tools = of.filter(isTool);
  const sum = (list: ReadableSpan[], key: string) => list.reduce((n, s) => n + attr(s, key), 0);
  const cacheRead = sum(llms, "llm.token_count.prompt_details.cache_read");
  const cacheWrite = sum(llms, "llm.token_count.prompt_details.cache_write");
  const reasoning = sum(llms, "llm.token_count.completion_details.reasoning");
  const durations = tools.map(ms);
  return {
    costUsd: sum(llms, "llm.cost.total"),
    inputTokens: sum(llms, "gen_ai.usage.input_tokens") - cacheRead - cacheWrite,
    outputTokens: sum(llms, "gen_ai.usage.output_tokens") - reasoning,
    reasoningTokens: reasoning,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    llmCalls: llms.length,
    errors: llms.filter((s) => s.status.code === 2).length,
    retries: sum(llms, "llm.retries"),
    turns: of.filter(isTurn).length,
    sessions: new Set(of.filter(isTurn).map(sessionOf)).size,
    toolCalls: tools.length,
    toolSuccessRate:
      tools.length === 0
        ? 0
        : tools.filter((s) => s.attributes["tool.success"]).length / tools.length,
    toolP50Ms: rank(durations, 50),
    toolP95Ms: rank(durations, 95),
  };
}

function expectRow(row: ReportRow | undefined, want: ReturnType<typeof expected>): void {
  expect(row).toBeDefined();
  if (!row) return;
  for (const [key, value] of Object.entries(want)) {
    const got = row[key as keyof ReportRow];
    if (typeof got !== "number") throw new Error(`${key} is not a number`);
    // Sums of floats (cost, durations in ms) may differ in the last bits with the order.
    expect({ key, value: got }).toEqual({ key, value: expect.closeTo(value, 9) });
  }
}

describe("reports over the replayed fixture sessions", () => {
  test("the total equals the sums over every stored span", () => {
    const report = store.report({ group: "day", timeZone: "utc" });
    expectRow(report.total, expected(spans));
    expect(report.total.cacheReadShare).toBeCloseTo(
      report.total.cacheReadTokens /
        (report.total.inputTokens + report.total.cacheReadTokens + report.total.cacheWriteTokens),
      12,
    );
  });

  test("each session's row equals the sums over its spans", () => {
    const report = store.report({ group: "session" });
    const sessions = new Set(spans.map(sessionOf));
    expect(report.rows.map((row) => row.key).sort()).toEqual([...sessions].sort());
    for (const session of sessions) {
      const row = report.rows.find((r) => r.key === session);
      expectRow(row, expected(spans.filter((s) => sessionOf(s) === session)));
    }
  });

  test("each session's tokens and cost equal opencode's own per-message figures", () => {
    const report = store.report({ group: "session" });
    for (const [name, { records }] of replays) {
      for (const [session, truth] of expectedTotals(records)) {
        const row = report.rows.find((r) => r.key === session);
        const tokens = row
          ? row.inputTokens +
            row.outputTokens +
            row.reasoningTokens +
            row.cacheReadTokens +
            row.cacheWriteTokens
          : -1;
        expect({ name, session, tokens }).toEqual({ name, session, tokens: truth.tokens });
        expect(row?.costUsd ?? -1).toBeCloseTo(truth.cost, 10);
      }
    }
  });

  test("rows by model, agent and tool add up to their LLM and tool spans", () => {
    const byModel = store.report({ group: "model" });
    const models = new Set(
      spans.filter(isLlm).map((s) => String(s.attributes["gen_ai.request.model"])),
    );
    expect(byModel.rows.map((r) => r.key)).toEqual([...models]);
    for (const model of models) {
      const llms = spans.filter((s) => isLlm(s) && s.attributes["gen_ai.request.model"] === model);
      const row = byModel.rows.find((r) => r.key === model);
      expect(row?.costUsd).toBeCloseTo(expected(llms).costUsd, 12);
      expect(row?.llmCalls).toBe(llms.length);
      expect(row?.turns).toBe(new Set(llms.map((s) => s.parentSpanContext?.spanId)).size);
    }

    const byTool = store.report({ group: "tool" });
    const tools = new Set(spans.filter(isTool).map((s) => s.name.slice("opencode.tool.".length)));
    // Lines no edit tool wrote (a shell command's, a subagent's) have a row of their own.
    const unclaimed = changeEvents("lines_changed").some((log) => !log.attributes?.tool_name);
    expect(byTool.rows.map((r) => r.key).sort()).toEqual(
      [...tools, ...(unclaimed ? ["(unknown)"] : [])].sort(),
    );
    for (const tool of tools) {
      const row = byTool.rows.find((r) => r.key === tool);
      const calls = spans.filter((s) => s.name === `opencode.tool.${tool}`);
      expect(row?.toolCalls).toBe(calls.length);
      expect(row?.toolP95Ms).toBeCloseTo(rank(calls.map(ms), 95), 9);
    }

    const byAgent = store.report({ group: "agent" });
    const sum = (key: "llmCalls" | "toolCalls" | "costUsd") =>
      byAgent.rows.reduce((n, row) => n + row[key], 0);
    expect(sum("llmCalls")).toBe(spans.filter(isLlm).length);
    expect(sum("toolCalls")).toBe(spans.filter(isTool).length);
    expect(sum("costUsd")).toBeCloseTo(expected(spans).costUsd, 12);
    // The subagents' calls are their own agent's.
    const general = spans.filter(
      (s) => isLlm(s) && s.attributes["gen_ai.agent.name"] === "general",
    );
    expect(general.length).toBeGreaterThan(0);
    expect(byAgent.rows.find((row) => row.key === "general")?.llmCalls).toBe(general.length);
  });

  test("lines, commits and pull requests per group equal the sums of the change events", () => {
    const figures = (logs: readonly ReadableLogRecord[]) => ({
      linesAdded: logs.reduce((n, log) => n + Number(log.attributes?.lines_added ?? 0), 0),
      linesRemoved: logs.reduce((n, log) => n + Number(log.attributes?.lines_removed ?? 0), 0),
      commits: logs.filter((log) => log.attributes?.["event.name"] === "commit").length,
      pullRequests: logs.filter((log) => log.attributes?.["event.name"] === "pull_request").length,
    });
    const events = [
      ...changeEvents("lines_changed"),
      ...changeEvents("commit"),
      ...changeEvents("pull_request"),
    ];
    const total = figures(events);
    expect(total.linesAdded).toBeGreaterThan(0);
    expect(total.commits).toBeGreaterThan(0);
    const keys: Record<string, string> = {
      session: "session.id",
      model: "model",
      agent: "agent.name",
      tool: "tool_name",
    };
    for (const [group, key] of Object.entries(keys)) {
      const report = store.report({ group: group as "session" });
      expect(report.total).toMatchObject(total);
      const named = new Map<string, ReadableLogRecord[]>();
      for (const log of events) {
        const name = String(log.attributes?.[key] ?? "(unknown)");
        named.set(name, [...(named.get(name) ?? []), log]);
      }
      for (const [name, logs] of named)
        expect({ group, name, ...report.rows.find((r) => r.key === name) }).toMatchObject({
          group,
          name,
          ...figures(logs),
        });
    }
  });

  test("total tokens are every kind of token, as opencode's own tokens.total counts them", () => {
    const report = store.report({ group: "session" });
    for (const row of [...report.rows, report.total])
      expect(row.totalTokens).toBe(
        row.inputTokens +
          row.outputTokens +
          row.reasoningTokens +
          row.cacheReadTokens +
          row.cacheWriteTokens,
      );
    for (const { records } of replays.values())
      for (const [session, truth] of expectedTotals(records))
        expect(report.rows.find((r) => r.key === session)?.totalTokens).toBe(truth.tokens);
  });

  test("the total is the same whatever the grouping", () => {
    const totals = (["day", "week", "month", "session", "model", "agent", "tool"] as const).map(
      (group) => store.report({ group, timeZone: "utc" }).total,
    );
    for (const total of totals) expectRow(total, expected(spans));
    // Bit for bit: a total added up from the rows would differ in the last bits of its floats.
    for (const total of totals) expect(total).toEqual(totals[0] ?? total);
  });

  test("a time range keeps only the spans that start in it", () => {
    const starts = spans
      .map((s) => s.startTime[0] * 1e3 + s.startTime[1] / 1e6)
      .sort((a, b) => a - b);
    const middle = starts[Math.floor(starts.length / 2)] ?? 0;
    const since = Math.floor(middle);
    const inRange = spans.filter((s) => s.startTime[0] * 1e3 + s.startTime[1] / 1e6 >= since);
    expectRow(store.report({ group: "day", since }).total, expected(inRange));
  });

  test("any range, whether it cuts a quarter hour or not, sums what starts in it", () => {
    // Reports read whole quarter hours from the usage slots and the rest from the spans: ranges
    // that start and end anywhere must give what the spans themselves give.
    const nsOf = ([s, n]: readonly [number, number]) => BigInt(s) * 1_000_000_000n + BigInt(n);
    const counted = spans.filter((s) => isLlm(s) || isTool(s) || isTurn(s));
    const events = ["lines_changed", "commit", "pull_request"].flatMap(changeEvents);
    const starts = counted.map((s) => Number(nsOf(s.startTime) / 1_000_000n)).sort((a, b) => a - b);
    const [first = 0, last = 0] = [starts[0], starts.at(-1)];
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    // Ranges that begin and end among the spans (inside one capture's few minutes, so inside a
    // quarter hour), and anywhere between them.
    const at = () => starts[Math.floor(random() * starts.length)] ?? first;
    const ranges = [
      { since: first - 1, until: last + 1 },
      ...Array.from({ length: 10 }, () => {
        const [a, b] = [at(), at()].sort((x, y) => x - y);
        return { since: (a ?? 0) + 1, until: (b ?? 0) + 2 };
      }),
      ...Array.from({ length: 4 }, () => {
        const since = Math.floor(first + random() * (last - first));
        return { since, until: since + 1 + Math.floor(random() * (last - since)) };
      }),
    ];
    const changes = (logs: readonly ReadableLogRecord[]) => ({
      linesAdded: logs.reduce((n, log) => n + Number(log.attributes?.lines_added ?? 0), 0),
      commits: logs.filter((log) => log.attributes?.["event.name"] === "commit").length,
    });
    for (const { since, until } of ranges) {
      const inside = (ns: bigint) =>
        ns >= BigInt(since) * 1_000_000n && ns < BigInt(until) * 1_000_000n;
      const inRange = counted.filter((s) => inside(nsOf(s.startTime)));
      const logs = events.filter((log) => inside(nsOf(log.hrTime)));
      const bySession = store.report({ group: "session", since, until });
      expectRow(bySession.total, expected(inRange));
      expect({ since, ...bySession.total }).toMatchObject({ since, ...changes(logs) });
      const sessions = new Set([
        ...inRange.map(sessionOf),
        ...logs.map((log) => String(log.attributes?.["session.id"])),
      ]);
      expect(bySession.rows.map((row) => row.key).sort()).toEqual([...sessions].sort());
      for (const session of sessions) {
        const row = bySession.rows.find((r) => r.key === session);
        expectRow(row, expected(inRange.filter((s) => sessionOf(s) === session)));
        const own = logs.filter((log) => log.attributes?.["session.id"] === session);
        expect({ session, ...row }).toMatchObject({ session, ...changes(own) });
      }
      const byDay = store.report({ group: "day", since, until, timeZone: "utc" });
      expect(byDay.total).toEqual(bySession.total);
      const sum = (key: "llmCalls" | "toolCalls" | "turns" | "linesAdded") =>
        byDay.rows.reduce((n, row) => n + row[key], 0);
      expect([sum("llmCalls"), sum("toolCalls"), sum("turns"), sum("linesAdded")]).toEqual([
        bySession.total.llmCalls,
        bySession.total.toolCalls,
        bySession.total.turns,
        bySession.total.linesAdded,
      ]);
    }
  });

  test("the session tree nests the subagent session under the task tool call", () => {
    const parent = store
      .sessions()
      .find(
        (s) =>
          s.parentSessionId === "" &&
          s.toolCalls > 0 &&
          spans.some(
            (span) => span.name === "opencode.tool.task" && sessionOf(span) === s.sessionId,
          ),
      );
    expect(parent).toBeDefined();
    const [root] = store.spanTree(parent?.sessionId ?? "");
    const names: string[] = [];
    const walk = (node: NonNullable<typeof root>, depth: number) => {
      names.push(`${"  ".repeat(depth)}${node.span.name}`);
      for (const child of node.children) walk(child, depth + 1);
    };
    if (root) walk(root, 0);
    // Under the session's start marker (the trace's root), the session, its turn, its task call.
    expect(names.slice(0, 3)).toEqual([
      "opencode.session.start",
      "  opencode.session",
      "    opencode.turn",
    ]);
    expect(names.join("\n")).toContain(
      ["      opencode.tool.task", "        opencode.session", "          opencode.turn"].join(
        "\n",
      ),
    );
  });
});

describe("the store exporters", () => {
  test("write what the plugin exports, with the same report as the converted spans", async () => {
    const local = await Store.open(join(dir, "exporters.db"));
    const name = "d_subagent_serve";
    await replay(loadFixture(name), {
      exporters: {
        traces: () => new StoreSpanExporter({ store: local }),
        logs: () => new StoreLogExporter({ store: local }),
        metrics: () => new StoreMetricExporter({ store: local }),
      },
    });
    const collected = replays.get(name)?.collected;
    expect(local.count("spans")).toBe(collected?.spans.length ?? -1);
    expect(local.count("logs")).toBe(collected?.logs.length ?? -1);
    expect(local.count("metricPoints")).toBeGreaterThan(0);
    expectRow(local.report({ group: "session" }).total, expected(collected?.spans ?? []));
    local.close();
  });

  test("turn the SDK's cumulative lines-of-code counter into lines changed", async () => {
    const path = join(dir, "metrics.db");
    const exporter = new StoreMetricExporter({ path });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const lines = provider.getMeter("test").createCounter("opencode.lines_of_code.count");
    lines.add(5, { type: "added" });
    await provider.forceFlush();
    lines.add(3, { type: "added" });
    lines.add(2, { type: "removed" });
    await provider.forceFlush();
    await provider.forceFlush(); // unchanged: nothing new stored
    await provider.shutdown();
    const stored = await Store.open(path);
    expect(stored.report({ group: "month" }).total).toMatchObject({
      linesAdded: 8,
      linesRemoved: 2,
    });
    expect(stored.count("metricPoints")).toBe(3);
    stored.close();
  });

  test("report failures through the callback and onError, never by throwing", async () => {
    const blocker = join(dir, "a-file");
    writeFileSync(blocker, "");
    const errors: unknown[] = [];
    // A folder cannot be created under a regular file.
    const exporter = new StoreSpanExporter({
      path: join(blocker, "telemetry.db"),
      onError: (e) => errors.push(e),
    });
    const result = await new Promise<ExportResult>((resolve) => exporter.export([], resolve));
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error).toBeInstanceOf(Error);
    expect(errors).toHaveLength(1);
    await exporter.shutdown();
    const after = await new Promise<ExportResult>((resolve) => exporter.export([], resolve));
    expect(after.code).toBe(ExportResultCode.FAILED);
  });
});
