import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "../src/store/db.js";
import { MIGRATIONS, SCHEMA_VERSION } from "../src/store/schema.js";
import { Store } from "../src/store/store.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-store-migrate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Schema v1 exactly as released, written out by hand: a migration must keep working on files
// written by that release even if the code that created them changes.
const V1 = `
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (1);
CREATE TABLE resources (id INTEGER PRIMARY KEY, json TEXT NOT NULL UNIQUE);
CREATE TABLE spans (
  trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT NOT NULL, name TEXT NOT NULL,
  kind INTEGER NOT NULL, start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
  status_code INTEGER NOT NULL, status_message TEXT NOT NULL, service_name TEXT NOT NULL,
  scope_name TEXT NOT NULL, scope_version TEXT NOT NULL, attributes TEXT NOT NULL,
  resource_id INTEGER NOT NULL, events TEXT NOT NULL, PRIMARY KEY (trace_id, span_id)
);
CREATE INDEX spans_start ON spans (start_ns);
CREATE TABLE logs (
  key TEXT NOT NULL PRIMARY KEY, time_ns INTEGER NOT NULL, event_name TEXT NOT NULL,
  severity_number INTEGER NOT NULL, severity_text TEXT NOT NULL, body TEXT NOT NULL,
  trace_id TEXT NOT NULL, span_id TEXT NOT NULL, service_name TEXT NOT NULL,
  scope_name TEXT NOT NULL, scope_version TEXT NOT NULL, attributes TEXT NOT NULL,
  resource_id INTEGER NOT NULL
);
CREATE INDEX logs_time ON logs (time_ns);
CREATE TABLE metric_points (
  series TEXT NOT NULL, time_ns INTEGER NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
  unit TEXT NOT NULL, type TEXT NOT NULL, temporality TEXT NOT NULL, monotonic INTEGER NOT NULL,
  start_ns INTEGER NOT NULL, value REAL NOT NULL, count INTEGER NOT NULL,
  service_name TEXT NOT NULL, scope_name TEXT NOT NULL, scope_version TEXT NOT NULL,
  attributes TEXT NOT NULL, resource_id INTEGER NOT NULL, PRIMARY KEY (series, time_ns)
);
CREATE INDEX metric_points_time ON metric_points (time_ns);
`;

const T0 = 1_790_000_000_000_000_000n; // 2026-09-21, beyond 2^53 as nanoseconds

function writeV1(db: Database): void {
  db.exec(V1);
  db.prepare("INSERT INTO resources (id, json) VALUES (1, ?)").run(
    JSON.stringify({ "opencode.project.directory": "/work/alpha", "service.name": "opencode" }),
  );
  const span = db.prepare(
    "INSERT INTO spans VALUES (?, ?, ?, ?, 1, ?, ?, ?, '', 'opencode', '', '', ?, 1, '[]')",
  );
  const trace = "f".repeat(32);
  const at = (ms: number) => T0 + BigInt(ms) * 1_000_000n;
  span.run(
    trace,
    "0000000000000001",
    "",
    "opencode.session",
    at(0),
    at(9000),
    0,
    JSON.stringify({
      "openinference.span.kind": "AGENT",
      "session.id": "ses_old",
      "agent.name": "build",
    }),
  );
  span.run(
    trace,
    "0000000000000002",
    "0000000000000001",
    "opencode.turn",
    at(10),
    at(8000),
    0,
    JSON.stringify({
      "openinference.span.kind": "CHAIN",
      "session.id": "ses_old",
      "turn.index": 1,
    }),
  );
  span.run(
    trace,
    "0000000000000003",
    "0000000000000002",
    "opencode.llm",
    at(20),
    at(2020),
    2,
    JSON.stringify({
      "openinference.span.kind": "LLM",
      "session.id": "ses_old",
      "gen_ai.agent.name": "build",
      "gen_ai.request.model": "m1",
      "gen_ai.usage.input_tokens": 1000,
      "gen_ai.usage.output_tokens": 50,
      "llm.token_count.prompt_details.cache_read": 800,
      "llm.token_count.completion_details.reasoning": 20,
      "llm.cost.total": 0.25,
      "llm.retries": 2,
    }),
  );
  span.run(
    trace,
    "0000000000000004",
    "0000000000000002",
    "opencode.tool.bash",
    at(3000),
    at(3400),
    0,
    JSON.stringify({
      "openinference.span.kind": "TOOL",
      "session.id": "ses_old",
      "gen_ai.tool.name": "bash",
      "tool.success": true,
    }),
  );
  db.prepare(
    `INSERT INTO logs VALUES ('k1', ?, 'opencode.api_request', 9, 'INFO', '', ?,
       '0000000000000003', 'opencode', '', '', ?, 1)`,
  ).run(at(2020), trace, JSON.stringify({ "session.id": "ses_old", "event.sequence": 3 }));
  // Change events a newer plugin sent to an older `serve`: the migration finds them too.
  const event = db.prepare(
    `INSERT INTO logs VALUES (?, ?, ?, 9, 'INFO', '', ?, '0000000000000004', 'opencode', '',
       '', ?, 1)`,
  );
  const common = { "session.id": "ses_old", model: "m1", "agent.name": "build" };
  event.run(
    "k2",
    at(3500),
    "opencode.lines_changed",
    trace,
    JSON.stringify({
      ...common,
      "event.name": "lines_changed",
      lines_added: 4,
      lines_removed: 2,
      tool_name: "edit",
    }),
  );
  event.run(
    "k3",
    at(3600),
    "opencode.commit",
    trace,
    JSON.stringify({ ...common, "event.name": "commit", sha: "1a2b3c4", tool_name: "bash" }),
  );
  const metric = db.prepare(
    `INSERT INTO metric_points VALUES ('s1', ?, 'opencode.lines_of_code.count', '', '{line}',
       'sum', 'cumulative', 1, ?, ?, 0, 'opencode', '', '', ?, 1)`,
  );
  metric.run(at(60_000), T0, 7, JSON.stringify({ type: "added" }));
  metric.run(at(120_000), T0, 19, JSON.stringify({ type: "added" }));
}

describe("migrations", () => {
  test("are numbered 1..current in order", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
  });

  test("bring a v1 file to the current schema, backfilling the report columns", async () => {
    const path = join(dir, "v1.db");
    const db = await openDatabase(path);
    writeV1(db);
    db.close();

    const store = await Store.open(path);
    expect(store.schemaVersion()).toBe(SCHEMA_VERSION);
    const report = store.report({ group: "agent" });
    expect(report.rows.map((row) => [row.key, row.llmCalls, row.toolCalls, row.turns])).toEqual([
      ["build", 1, 1, 1], // the tool span took its session's agent
    ]);
    expect(report.total).toMatchObject({
      costUsd: 0.25,
      inputTokens: 200,
      cacheReadTokens: 800,
      outputTokens: 30,
      reasoningTokens: 20,
      errors: 1,
      retries: 2,
      sessions: 1,
      toolSuccessRate: 1,
      toolP50Ms: 400,
      // 19 from the metric points (no session on them), 4 from the event.
      linesAdded: 23,
      linesRemoved: 2,
      commits: 1,
    });
    expect(store.report({ group: "session" }).rows).toEqual([
      expect.objectContaining({ key: "ses_old", linesAdded: 4, linesRemoved: 2, commits: 1 }),
    ]);
    expect(
      store.report({ group: "tool" }).rows.map((row) => [row.key, row.linesAdded, row.commits]),
    ).toEqual([
      ["bash", 0, 1],
      ["edit", 4, 0],
    ]);
    expect(store.report({ group: "month", project: "alpha" }).total.llmCalls).toBe(1);
    expect(store.sessions()[0]).toMatchObject({
      sessionId: "ses_old",
      agent: "build",
      project: "/work/alpha",
    });
    expect(store.spanTree("ses_old")[0]?.span.startNs).toBe(T0);
    // New rows next to the migrated ones: a resent v1 span is still recognized.
    expect(store.insertSpans(store.trace("f".repeat(32)))).toBe(0);
    expect(store.integrityCheck()).toBe("ok");
    store.close();

    // Opening again finds nothing to do.
    const again = await Store.open(path);
    expect(again.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(again.report({ group: "day" }).total.llmCalls).toBe(1);
    again.close();
  });

  test("bring a v3 file to v4: usage slots counted from what it holds, titles by index", async () => {
    const path = join(dir, "v3.db");
    const db = await openDatabase(path);
    writeV1(db);
    // v3 as that release left it: the first three migrations, and a title on the session span
    // (what the local exporter adds).
    db.transaction(() => {
      for (const migration of MIGRATIONS.slice(1, 3)) migration.up(db);
      db.prepare("UPDATE schema_version SET version = 3").run();
      db.prepare(
        `UPDATE spans SET attributes = json_set(attributes, '$."session.title"', 'Fix the build')
         WHERE category = 'session'`,
      ).run();
    });
    const tables = () =>
      db
        .prepare("SELECT name FROM sqlite_master WHERE name IN ('usage_slots', 'spans_title')")
        .all()
        .map((row) => row.name);
    expect(tables()).toEqual([]);
    db.close();

    const store = await Store.open(path);
    expect(store.schemaVersion()).toBe(4);
    const check = await openDatabase(path);
    expect(
      check
        .prepare("SELECT name FROM sqlite_master WHERE name IN ('usage_slots', 'spans_title')")
        .all()
        .map((row) => row.name)
        .sort(),
    ).toEqual(["spans_title", "usage_slots"]);
    // The slots hold every LLM, tool and turn span and every change event.
    expect(
      check
        .prepare(
          `SELECT SUM(llm_calls) AS llm, SUM(tool_calls) AS tools, SUM(turns) AS turns,
             TOTAL(cost) AS cost, SUM(lines_added) AS added, SUM(commits) AS commits
           FROM usage_slots`,
        )
        .get(),
    ).toEqual({ llm: 1, tools: 1, turns: 1, cost: 0.25, added: 4, commits: 1 });
    check.close();
    const rows = store.report({ group: "session" }).rows;
    const [row] = rows;
    expect(row).toMatchObject({
      key: "ses_old",
      title: "Fix the build",
      llmCalls: 1,
      toolCalls: 1,
      toolP50Ms: 400,
      turns: 1,
      costUsd: 0.25,
      linesAdded: 4,
      commits: 1,
    });
    // A range that cuts the slot (T0 is not on a quarter hour) reads the spans themselves, with
    // the same figures.
    const startMs = Number(T0 / 1_000_000n);
    expect(T0 % 900_000_000_000n).not.toBe(0n);
    const cut = store.report({ group: "session", since: startMs, until: startMs + 3601 });
    expect(cut.rows).toEqual(rows);
    expect(store.report({ group: "day" }).total).toEqual(
      store.report({ group: "day", since: startMs, until: startMs + 3_600_000 }).total,
    );
    expect(store.integrityCheck()).toBe("ok");
    store.close();
  });

  test("leave the file at its old version when a step fails", async () => {
    const path = join(dir, "v1-broken.db");
    const db = await openDatabase(path);
    writeV1(db);
    db.exec("CREATE TABLE names (unexpected TEXT)"); // makes v2's CREATE TABLE fail
    db.close();

    await expect(Store.open(path)).rejects.toMatchObject({ code: "sqlite" });
    const after = await openDatabase(path);
    expect(after.prepare("SELECT version FROM schema_version").get()?.version).toBe(1);
    const columns = after
      .prepare("PRAGMA table_info(spans)")
      .all()
      .map((row) => row.name);
    expect(columns).not.toContain("category");
    after.close();
  });
});
