import { afterAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../src/store/store.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-store-writers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPANS = 5000;
const SHARED = 500;
const LOGS = 200;
const SESSIONS = 20;
const BATCH = 50;

// Each writer creates the store itself at the same instant (so creation and migration race
// too), then inserts its own spans, logs and metric points in small batches, plus the same
// SHARED spans as every other writer (resends across processes).
const CHILD = `
import { Store } from ${JSON.stringify(join(import.meta.dir, "../src/store/store.ts"))};
const [path, driver, who, startAt] = process.argv.slice(2);
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
const store = await Store.open(path, { driver });
const T0 = 1_790_000_000_000;
const span = (trace, i, session) => ({
  traceId: trace.padStart(32, "0"), spanId: i.toString(16).padStart(16, "0"), parentSpanId: "",
  name: "opencode.llm", kind: 3, startNs: BigInt(T0 + i) * 1000000n,
  endNs: BigInt(T0 + i + 5) * 1000000n, statusCode: 0, statusMessage: "", serviceName: "opencode",
  attributes: { "openinference.span.kind": "LLM", "session.id": session,
    "gen_ai.request.model": "m", "gen_ai.usage.input_tokens": 10, "llm.cost.total": 0.5 },
  resource: { "service.name": "opencode", writer: who }, events: [],
});
for (let i = 0; i < ${SPANS}; i += ${BATCH}) {
  const rows = [];
  for (let j = i; j < i + ${BATCH}; j++) rows.push(span("w" + who, j, "ses_" + who + "_" + (j % ${SESSIONS})));
  // A tool call of (i / BATCH) ms per batch, in the batch's first session: durations appended
  // to the same quarter hour's row by several processes.
  rows.push({ ...span("7001" + who, i, "ses_" + who + "_0"), name: "opencode.tool.bash",
    endNs: BigInt(T0 + i) * 1000000n + BigInt(i / ${BATCH}) * 1000000n,
    attributes: { "openinference.span.kind": "TOOL", "session.id": "ses_" + who + "_0",
      "tool.success": true } });
  const shared = (i / ${BATCH}) % ${SHARED / 10};
  for (let j = shared * 10; j < shared * 10 + 10; j++) rows.push(span("5ade", j, "ses_shared"));
  store.insertSpans(rows);
  if (i % 500 === 0)
    store.insertLogs(Array.from({ length: ${LOGS / 10} }, (_, k) => ({
      timeNs: BigInt(T0 + i + k) * 1000000n, eventName: "opencode.api_request", severityNumber: 9,
      body: "", traceId: "", spanId: "", serviceName: "opencode",
      attributes: { "session.id": "ses_" + who, "event.sequence": i + k }, resource: {},
    })));
  store.insertMetricPoints([{ name: "opencode.lines_of_code.count", unit: "{line}", type: "sum",
    startNs: 1n, timeNs: BigInt(T0 + i) * 1000000n, temporality: "cumulative", monotonic: true,
    value: i + ${BATCH}, count: 0, serviceName: "opencode", attributes: { type: "added" },
    resource: { writer: who } }]);
}
store.close();
console.log("done " + who + " " + (typeof Bun === "undefined" ? "node" : "bun " + Bun.version) + " " + driver);
`;

interface Writer {
  readonly command: string;
  readonly env: Record<string, string>;
  readonly driver: "bun:sqlite" | "node:sqlite";
}

/** opencode's own Bun (1.3), run as `bun` by its compiled binary, when installed here. */
function opencodeBun(): Writer | undefined {
  const binary = join(
    import.meta.dir,
    "../node_modules/.tools/opencode/node_modules/opencode-linux-x64/bin/opencode",
  );
  if (!existsSync(binary)) return undefined;
  return { command: binary, env: { BUN_BE_BUN: "1" }, driver: "bun:sqlite" };
}

function run(writer: Writer, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(writer.command, args, { env: { ...process.env, ...writer.env } });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      out += chunk;
    });
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe("several processes writing one store at once", () => {
  test("lose nothing, duplicate nothing and leave a sound file", async () => {
    const script = join(dir, "writer.ts");
    writeFileSync(script, CHILD);
    const path = join(dir, "shared.db");
    const bun: Writer = { command: process.execPath, env: {}, driver: "bun:sqlite" };
    const writers: Writer[] = [bun, { ...bun, driver: "node:sqlite" }, opencodeBun() ?? bun, bun];
    const startAt = Date.now() + 1500;
    const started = performance.now();
    const results = await Promise.all(
      writers.map((writer, who) =>
        run(writer, [script, path, writer.driver, String(who), String(startAt)]),
      ),
    );
    const elapsed = performance.now() - started - 1500;
    const outputs = results.map((r) => r.out.trim());
    process.stdout.write(
      `${outputs.join("; ")}\n` +
        `4 writers, ${4 * (SPANS + (SPANS / BATCH) * 10)} span inserts in ${elapsed.toFixed(0)} ms\n`,
    );
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    for (const out of outputs) expect(out).toStartWith("done");

    const store = await Store.open(path, { mustExist: true });
    expect(store.integrityCheck()).toBe("ok");
    expect(store.count("spans")).toBe(4 * SPANS + SHARED + (4 * SPANS) / BATCH);
    expect(store.count("logs")).toBe(4 * LOGS);
    expect(store.count("metricPoints")).toBe((4 * SPANS) / BATCH);
    const total = store.report({ group: "session" }).total;
    expect(total.llmCalls).toBe(4 * SPANS + SHARED);
    expect(total.costUsd).toBe(0.5 * (4 * SPANS + SHARED));
    expect(total.linesAdded).toBe(4 * SPANS);
    const sessions = store.report({ group: "session" }).rows;
    expect(sessions).toHaveLength(4 * SESSIONS + 1);
    for (const row of sessions)
      expect(row.llmCalls).toBe(row.key === "ses_shared" ? SHARED : SPANS / SESSIONS);
    // Each writer's tool calls lasted 0, 1, ... 99 ms: nearest-rank p50 49 ms, p95 94 ms.
    const tools = sessions.filter((row) => row.toolCalls > 0);
    expect(tools.map((row) => [row.toolCalls, row.toolP50Ms, row.toolP95Ms])).toEqual(
      Array.from({ length: 4 }, () => [SPANS / BATCH, 49, 94]),
    );
    expect(total.toolCalls).toBe((4 * SPANS) / BATCH);
    store.close();
  }, 120_000);
});
