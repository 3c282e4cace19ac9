import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timeBuckets } from "../src/store/buckets.js";
import { openDatabase } from "../src/store/db.js";
import { defaultStorePath } from "../src/store/paths.js";
import { SCHEMA_VERSION } from "../src/store/schema.js";
import { Store } from "../src/store/store.js";
import type { LogRow, MetricPointRow, SpanRow } from "../src/store/types.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `store-${++files}.db`);

const DAY_MS = 86_400_000;
const JAN_1 = Date.UTC(2026, 0, 1);
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const RESOURCE = { "service.name": "opencode", "opencode.project.directory": "/work/alpha" };

let ids = 0;
function span(fields: Partial<SpanRow> & { startMs?: number; durationMs?: number } = {}): SpanRow {
  const { startMs = JAN_1, durationMs = 1000, ...rest } = fields;
  ids += 1;
  return {
    traceId: "a".repeat(32),
    spanId: ids.toString(16).padStart(16, "0"),
    parentSpanId: "",
    name: "opencode.turn",
    kind: 1,
    startNs: ns(startMs),
    endNs: ns(startMs + durationMs),
    statusCode: 0,
    statusMessage: "",
    serviceName: "opencode",
    attributes: { "openinference.span.kind": "CHAIN", "session.id": "ses_1", "turn.index": 1 },
    resource: RESOURCE,
    events: [],
    ...rest,
  };
}

function llm(session: string, tokens: number, cost: number, extra: Record<string, unknown> = {}) {
  return {
    "openinference.span.kind": "LLM",
    "session.id": session,
    "gen_ai.request.model": "model-a",
    "gen_ai.usage.input_tokens": tokens,
    "gen_ai.usage.output_tokens": 10,
    "llm.cost.total": cost,
    ...extra,
  };
}

function point(fields: Partial<MetricPointRow> = {}): MetricPointRow {
  return {
    name: "opencode.lines_of_code.count",
    unit: "{line}",
    type: "sum",
    startNs: ns(JAN_1),
    timeNs: ns(JAN_1 + 60_000),
    temporality: "cumulative",
    monotonic: true,
    value: 0,
    count: 0,
    serviceName: "opencode",
    attributes: { type: "added" },
    resource: RESOURCE,
    ...fields,
  };
}

function log(fields: Partial<LogRow> = {}): LogRow {
  return {
    timeNs: ns(JAN_1),
    eventName: "opencode.api_request",
    severityNumber: 9,
    body: "",
    traceId: "a".repeat(32),
    spanId: "1".padStart(16, "0"),
    serviceName: "opencode",
    attributes: { "event.name": "api_request", "session.id": "ses_1", "event.sequence": 1 },
    resource: RESOURCE,
    ...fields,
  };
}

describe.each(["bun:sqlite", "node:sqlite"] as const)("the %s adapter", (driver) => {
  test("round-trips nanosecond times exactly and runs a transaction", async () => {
    const db = await openDatabase(freshPath(), { driver });
    expect(db.driver).toBe(driver);
    db.exec("CREATE TABLE t (ns INTEGER, s TEXT)");
    const time = 1_795_492_510_703_123_457n; // beyond 2^53
    db.transaction(() => db.prepare("INSERT INTO t VALUES (?, ?)").run(time, "x"));
    expect(db.prepare("SELECT ns FROM t", { bigints: true }).get()?.ns).toBe(time);
    expect(db.prepare("SELECT s FROM t WHERE s = ?").get("y")).toBeUndefined();
    expect(() =>
      db.transaction(() => {
        db.prepare("INSERT INTO t VALUES (?, ?)").run(1, "rolled back");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(db.prepare("SELECT COUNT(*) AS n FROM t").get()?.n).toBe(1);
    expect(db.prepare("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
    expect(db.prepare("PRAGMA busy_timeout").get()?.timeout).toBe(5000);
    db.close();
  });

  test("stores and reads back every signal under the same driver", async () => {
    const store = await Store.open(freshPath(), { driver });
    const row = span({
      events: [{ name: "retry", timeNs: 1_795_492_510_703_123_457n, attributes: { n: 1 } }],
    });
    expect(store.insertSpans([row])).toBe(1);
    expect(store.insertLogs([log()])).toBe(1);
    expect(store.insertMetricPoints([point({ value: 3 })])).toBe(1);
    const [stored] = store.spans().items;
    expect(stored).toMatchObject({ ...row, scope: { name: "", version: "" } });
    expect(store.logs().items[0]).toMatchObject(log());
    expect(store.metricPoints().items[0]).toMatchObject(point({ value: 3 }));
    store.close();
  });
});

describe("opening a store", () => {
  test("puts the default file in the platform's user data folder", () => {
    const home = "/home/u";
    expect(defaultStorePath({ env: {}, platform: "linux", home })).toBe(
      "/home/u/.local/share/opencode-otel/telemetry.db",
    );
    expect(defaultStorePath({ env: { XDG_DATA_HOME: "/x" }, platform: "linux", home })).toBe(
      "/x/opencode-otel/telemetry.db",
    );
    // A relative XDG value is invalid per the spec and ignored.
    expect(defaultStorePath({ env: { XDG_DATA_HOME: "rel" }, platform: "linux", home })).toBe(
      "/home/u/.local/share/opencode-otel/telemetry.db",
    );
    expect(defaultStorePath({ env: {}, platform: "darwin", home })).toBe(
      "/home/u/Library/Application Support/opencode-otel/telemetry.db",
    );
    expect(
      defaultStorePath({ env: { LOCALAPPDATA: "/appdata" }, platform: "win32", home }),
    ).toContain("opencode-otel");
    // No absolute folder, no default: never a store relative to the working directory.
    for (const platform of ["linux", "darwin", "win32"] as const)
      expect(defaultStorePath({ env: { XDG_DATA_HOME: "rel" }, platform, home: "." })).toBe(
        undefined,
      );
  });

  test("creates the folder and the schema, and reopens without migrating again", async () => {
    const path = join(dir, "nested", "deeper", "telemetry.db");
    const store = await Store.open(path);
    expect(store.schemaVersion()).toBe(SCHEMA_VERSION);
    store.insertSpans([span()]);
    store.close();
    const again = await Store.open(path, { mustExist: true });
    expect(again.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(again.count("spans")).toBe(1);
    again.close();
  });

  test("refuses a missing file when asked to, with a code the CLI can act on", async () => {
    const path = join(dir, "missing.db");
    await expect(Store.open(path, { mustExist: true })).rejects.toMatchObject({ code: "no-store" });
  });

  test("refuses a file from a newer opencode-otel instead of touching it", async () => {
    const path = freshPath();
    (await Store.open(path)).close();
    const db = await openDatabase(path);
    db.exec(`UPDATE schema_version SET version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await expect(Store.open(path)).rejects.toMatchObject({ code: "newer-schema" });
  });

  test("reports a file that is not a database as corrupt", async () => {
    const path = freshPath();
    writeFileSync(
      path,
      "not a database, just text that is long enough to have a header".repeat(20),
    );
    await expect(Store.open(path)).rejects.toMatchObject({ code: "corrupt" });
  });

  test("says which runtimes it needs when neither SQLite binding exists (Node 20)", async () => {
    const node = spawnSync("node", ["--version"], { encoding: "utf8" });
    if (node.status !== 0) return; // no Node on this machine
    const built = await Bun.build({
      entrypoints: [join(import.meta.dir, "../src/store/db.ts")],
      target: "node",
      format: "esm",
    });
    const bundle = join(dir, "db.mjs");
    writeFileSync(bundle, (await built.outputs[0]?.text()) ?? "");
    const script = `import(${JSON.stringify(bundle)}).then((m) => m.openDatabase(${JSON.stringify(
      freshPath(),
    )})).then(() => console.log("opened"), (e) => console.log(e.code + ": " + e.message))`;
    const run = spawnSync("node", ["--input-type=module", "-e", script], { encoding: "utf8" });
    const [major = 0, minor = 0] = node.stdout.slice(1).split(".").map(Number);
    if (major > 22 || (major === 22 && minor >= 13)) expect(run.stdout.trim()).toBe("opened");
    else
      expect(run.stdout.trim()).toMatch(
        /^no-sqlite: opencode-otel's store needs Node 22\.13\+ or Bun \(node:sqlite is missing in Node v/,
      );
  });
});

describe("writing", () => {
  test("ignores resent spans, logs and metric points", async () => {
    const store = await Store.open(freshPath());
    const spans = [span(), span({ name: "opencode.llm", attributes: llm("ses_1", 100, 0.5) })];
    const logs = [log(), log({ attributes: { "session.id": "ses_1", "event.sequence": 2 } })];
    const points = [point({ value: 5 }), point({ value: 8, timeNs: ns(JAN_1 + 120_000) })];
    expect([
      store.insertSpans(spans),
      store.insertLogs(logs),
      store.insertMetricPoints(points),
    ]).toEqual([2, 2, 2]);
    expect([
      store.insertSpans(spans),
      store.insertLogs(logs),
      store.insertMetricPoints(points),
    ]).toEqual([0, 0, 0]);
    expect(store.report({ group: "session" }).total).toMatchObject({
      llmCalls: 1,
      costUsd: 0.5,
      turns: 1,
      linesAdded: 8,
    });
    store.close();
  });

  test("a write that fails adds nothing to the report figures, and its rows count once later", async () => {
    const store = await Store.open(freshPath());
    const spans = [span(), span({ name: "opencode.llm", attributes: llm("ses_1", 100, 0.5) })];
    // Attributes that cannot be written as JSON fail the batch after its first rows (the last
    // span; a log record written after the spans): all of it is rolled back.
    const cyclic: Record<string, unknown> = { "session.id": "ses_1" };
    cyclic.self = cyclic;
    expect(() => store.insertBatch({ spans, logs: [log({ attributes: cyclic })] })).toThrow();
    expect(() => store.insertSpans([...spans, span({ attributes: cyclic })])).toThrow();
    expect(store.count("spans")).toBe(0);
    expect(store.report({ group: "day" }).total).toMatchObject({ llmCalls: 0, turns: 0 });
    expect(store.insertSpans(spans)).toBe(2);
    expect(store.report({ group: "session" }).total).toMatchObject({
      llmCalls: 1,
      costUsd: 0.5,
      turns: 1,
    });
    store.close();
  });

  test("gives tool spans their session's agent, whichever arrives first", async () => {
    const store = await Store.open(freshPath());
    const tool = (session: string) =>
      span({
        name: "opencode.tool.bash",
        attributes: {
          "openinference.span.kind": "TOOL",
          "session.id": session,
          "tool.success": true,
        },
      });
    const call = (session: string) =>
      span({
        name: "opencode.llm",
        attributes: llm(session, 1, 0, { "gen_ai.agent.name": "plan" }),
      });
    store.insertSpans([tool("ses_a")]); // before the LLM call that names the agent
    store.insertSpans([call("ses_a")]);
    store.insertSpans([call("ses_b")]);
    store.insertSpans([tool("ses_b")]); // after it
    const rows = store.report({ group: "agent" }).rows;
    expect(rows.map((row) => [row.key, row.llmCalls, row.toolCalls])).toEqual([["plan", 2, 2]]);
    store.close();
  });

  test("stores each metric point's increase, whatever the order the points arrive in", async () => {
    const store = await Store.open(freshPath());
    const at = (minutes: number) => ns(JAN_1 + minutes * 60_000);
    const restart = ns(JAN_1 + 30 * 60_000);
    // Cumulative added: 5, 12, 20 (a process), then 4 after a restart (a new start time).
    store.insertMetricPoints([
      point({ value: 20, timeNs: at(3) }),
      point({ value: 5, timeNs: at(1) }),
    ]);
    store.insertMetricPoints([point({ value: 12, timeNs: at(2) })]);
    store.insertMetricPoints([point({ value: 4, startNs: restart, timeNs: at(31) })]);
    // Unchanged cumulative values are not stored again.
    expect(store.insertMetricPoints([point({ value: 20, timeNs: at(4) })])).toBe(0);
    // Delta points count as they are.
    store.insertMetricPoints([
      point({ temporality: "delta", value: 7, attributes: { type: "removed" }, timeNs: at(5) }),
      point({ temporality: "delta", value: 1, attributes: { type: "removed" }, timeNs: at(6) }),
    ]);
    const total = store.report({ group: "day", timeZone: "utc" }).total;
    expect([total.linesAdded, total.linesRemoved]).toEqual([24, 8]);
    // Minutes 2..3 only: 12 - 5 and 20 - 12.
    const window = store.report({ group: "month", since: JAN_1 + 90_000, until: JAN_1 + 200_000 });
    expect(window.total.linesAdded).toBe(15);
    store.close();
  });
});

describe("changes", () => {
  const change = (name: string, attributes: Record<string, unknown>, minute: number) =>
    log({
      timeNs: ns(JAN_1 + minute * 60_000),
      eventName: `opencode.${name}`,
      attributes: { "event.name": name, "session.id": "ses_1", model: "model-a", ...attributes },
    });

  test("counts lines, commits and pull requests from the change events, each once", async () => {
    const store = await Store.open(freshPath());
    const events = [
      change("lines_changed", { lines_added: 5, lines_removed: 1, tool_name: "write" }, 1),
      change("lines_changed", { lines_added: 2, lines_removed: 3, tool_name: "edit" }, 2),
      change("commit", { sha: "1a2b3c4", tool_name: "bash" }, 3),
      change("pull_request", { url: "https://github.com/a/b/pull/1", tool_name: "bash" }, 4),
    ];
    expect(store.insertLogs(events)).toBe(4);
    expect(store.insertLogs(events)).toBe(0);
    // The plugin's own counter carries the same lines as its events: not counted twice.
    store.insertMetricPoints([point({ value: 7, scope: { name: "opencode-otel", version: "" } })]);
    const totals = { linesAdded: 7, linesRemoved: 4, commits: 1, pullRequests: 1 };
    expect(store.report({ group: "day" }).total).toMatchObject(totals);
    expect(store.report({ group: "session" }).rows).toEqual([
      expect.objectContaining({ key: "ses_1", ...totals }),
    ]);
    expect(store.report({ group: "model" }).rows).toEqual([
      expect.objectContaining({ key: "model-a", ...totals }),
    ]);
    const byTool = store.report({ group: "tool" }).rows;
    expect(byTool.map((r) => [r.key, r.linesAdded, r.linesRemoved, r.commits])).toEqual([
      ["bash", 0, 0, 1],
      ["edit", 2, 3, 0],
      ["write", 5, 1, 0],
    ]);
    // A range keeps the events in it; retention drops them with their log records.
    expect(
      store.report({ group: "day", since: JAN_1 + 90_000, until: JAN_1 + 150_000 }).total,
    ).toMatchObject({ linesAdded: 2, commits: 0 });
    store.deleteOlderThan(0, JAN_1 + 150_000);
    expect(store.report({ group: "day" }).total).toMatchObject({ linesAdded: 0, commits: 1 });
    store.close();
  });
});

describe("retention", () => {
  test("deletes what is older than N days and keeps report figures of the rest", async () => {
    const store = await Store.open(freshPath());
    const now = JAN_1 + 100 * DAY_MS;
    const spans = [10, 50, 95, 99].map((day) =>
      span({
        name: "opencode.llm",
        startMs: JAN_1 + day * DAY_MS,
        attributes: llm("ses_1", day, day),
      }),
    );
    store.insertSpans(spans);
    store.insertLogs([10, 95].map((day) => log({ timeNs: ns(JAN_1 + day * DAY_MS) })));
    store.insertMetricPoints(
      [10, 50, 95].map((day, i) =>
        point({ value: (i + 1) * 10, timeNs: ns(JAN_1 + day * DAY_MS) }),
      ),
    );
    // A call that started before the cutoff and ended after it stays, with its figures; one
    // that started in the cutoff's quarter hour and ended before it goes.
    const cutoff = now - 30 * DAY_MS;
    store.insertSpans([
      span({
        name: "opencode.llm",
        startMs: cutoff - 60_000,
        durationMs: 120_000,
        attributes: llm("ses_2", 7, 7),
      }),
      span({
        name: "opencode.llm",
        startMs: cutoff - 30_000,
        durationMs: 1000,
        attributes: llm("ses_2", 5, 5),
      }),
    ]);
    const recent = { group: "day" as const, since: now - 30 * DAY_MS };
    const before = store.report(recent).total;
    expect(store.deleteOlderThan(30, now)).toEqual({ spans: 3, logs: 1, metricPoints: 2 });
    expect(store.report(recent).total).toEqual(before);
    expect(store.report({ group: "day" }).total).toMatchObject({
      llmCalls: 3,
      costUsd: 201,
      linesAdded: 10,
    });
    expect(store.report({ group: "session" }).rows.map((r) => [r.key, r.llmCalls])).toEqual([
      ["ses_1", 2],
      ["ses_2", 1],
    ]);
    expect(store.integrityCheck()).toBe("ok");
    store.close();
  });
});

describe("reading", () => {
  test("lists sessions newest first and pages rows in insertion order", async () => {
    const store = await Store.open(freshPath());
    for (let i = 0; i < 5; i++)
      store.insertSpans([
        span({
          startMs: JAN_1 + i * DAY_MS,
          attributes: {
            "openinference.span.kind": "CHAIN",
            "session.id": `ses_${i}`,
            "turn.index": 1,
          },
        }),
      ]);
    expect(store.sessions({ limit: 3 }).map((s) => s.sessionId)).toEqual([
      "ses_4",
      "ses_3",
      "ses_2",
    ]);
    expect(
      store.sessions({ since: JAN_1 + DAY_MS, until: JAN_1 + 2 * DAY_MS }).map((s) => s.sessionId),
    ).toEqual(["ses_1"]);
    const first = store.spans(0, 2);
    const second = store.spans(first.lastId, 10);
    expect(first.items.length + second.items.length).toBe(5);
    expect(store.spans(second.lastId).items).toEqual([]);
    expect(store.count("spans", first.lastId)).toBe(3);
    store.close();
  });
});

describe("time groups", () => {
  test("follow the local calendar, daylight-saving days and Monday weeks included", async () => {
    const zone = process.env.TZ;
    process.env.TZ = "Europe/Paris";
    try {
      const days = timeBuckets("day", Date.UTC(2025, 2, 29, 0), Date.UTC(2025, 2, 31, 0), "local");
      expect(days.map((b) => [b.key, (b.to - b.from) / 3_600_000])).toEqual([
        ["2025-03-29", 23], // clipped: the range starts at 01:00 Paris time
        ["2025-03-30", 23], // clocks go forward
        ["2025-03-31", 2],
      ]);
      const weeks = timeBuckets("week", Date.UTC(2025, 2, 26), Date.UTC(2025, 3, 8), "utc");
      expect(weeks.map((b) => b.key)).toEqual(["2025-03-24", "2025-03-31", "2025-04-07"]);

      const store = await Store.open(freshPath());
      // 23:30 UTC on March 29th is already March 30th in Paris.
      const late = Date.UTC(2025, 2, 29, 23, 30);
      store.insertSpans([
        span({ startMs: late, name: "opencode.llm", attributes: llm("ses_1", 1, 1) }),
      ]);
      expect(store.report({ group: "day" }).rows.map((r) => r.key)).toEqual(["2025-03-30"]);
      expect(store.report({ group: "day", timeZone: "utc" }).rows.map((r) => r.key)).toEqual([
        "2025-03-29",
      ]);
      store.close();
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});
