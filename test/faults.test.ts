import { afterEach, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURE_DIR, loadFixture, processSegments } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { type Receiver, startOtlpReceiver } from "./support/otlp-receiver.js";
import { replay } from "./support/replay.js";

const CHILD = join(import.meta.dir, "support/replay-child.ts");
// The issue asks for a 60 s outage; FAULT_OUTAGE_SECONDS shortens it for quick local runs.
const OUTAGE_MS = Number(process.env.FAULT_OUTAGE_SECONDS ?? 60) * 1000;
const children: ChildProcess[] = [];
const receivers: Receiver[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 0;
}

async function receiverOn(httpPort?: number): Promise<Receiver> {
  const receiver = await startOtlpReceiver(httpPort ? { httpPort } : {});
  receivers.push(receiver);
  return receiver;
}

interface Run {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly ready: Promise<void>;
}

function start(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [CHILD, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  const ready = new Promise<void>((resolve) => {
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
      if (stdout.includes("ready")) resolve();
    });
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      if (stderr) process.stderr.write(stderr);
      resolve({ code, signal });
    }),
  );
  return { child, exited, ready };
}

function envFor(port: number, spool: string, extra: Record<string, string> = {}) {
  return {
    OPENCODE_ENABLE_TELEMETRY: "1",
    OPENCODE_OTLP_PROTOCOL: "http/protobuf",
    OPENCODE_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OPENCODE_OTEL_SPOOL_DIR: spool,
    OPENCODE_OTLP_METRICS_INTERVAL: "600000",
    OPENCODE_OTLP_LOGS_INTERVAL: "600000",
    ...extra,
  };
}

/** What an undisturbed run exports: the reference every fault run is compared with. */
async function reference(name: string, segments = 1) {
  const collected = new Collected();
  const records = processSegments(loadFixture(name)).slice(0, segments).flat();
  await replay(records, { exporters: collected.overrides() });
  return {
    spans: collected.spans.map((span) => span.name).sort(),
    logs: collected.logs.map((log) => String(log.attributes["event.name"])).sort(),
  };
}

function noDuplicates(receiver: Receiver): void {
  const ids = receiver.spans.map((span) => span.spanId);
  expect(new Set(ids).size).toBe(ids.length);
}

describe("collector outages", () => {
  test(
    "down for a minute while a session runs, then back: every span, log and metric arrives, once",
    async () => {
      const port = await freePort();
      const spool = mkdtempSync(join(tmpdir(), "otel-outage-"));
      const run = start(
        [join(FIXTURE_DIR, "c2_errors_serve.jsonl"), "0", "--serve"],
        envFor(port, spool),
      );
      await run.ready;
      // The turn-end flushes failed: the requests wait in the spool for the whole outage.
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      expect(readdirSync(spool).some((name) => name.endsWith(".claim"))).toBe(true);
      const receiver = await receiverOn(port);
      const expected = await reference("c2_errors_serve");
      // Backoff retries (capped at 30 s) deliver without any new activity; then SIGTERM
      // finalizes the session.
      await receiver.waitFor(
        (r) => r.spans.filter((s) => s.name === "opencode.turn").length === 7,
        45_000,
      );
      run.child.kill("SIGTERM");
      const exit = await run.exited;
      expect(exit.signal).toBe("SIGTERM");
      await receiver.waitFor((r) => r.spans.length === expected.spans.length, 5_000);
      expect(receiver.spans.map((span) => span.name).sort()).toEqual(expected.spans);
      expect(receiver.logs.map((log) => String(log.attributes["event.name"])).sort()).toEqual(
        expected.logs,
      );
      expect(receiver.metrics.some((point) => point.name === "opencode.token.usage")).toBe(true);
      noDuplicates(receiver);
      expect(readdirSync(spool)).toEqual([]);
    },
    OUTAGE_MS + 60_000,
  );

  test("down, and opencode restarts during the outage: the next process delivers the first one's telemetry", async () => {
    const port = await freePort();
    const spool = mkdtempSync(join(tmpdir(), "otel-restart-"));
    const first = start(
      [join(FIXTURE_DIR, "b1_multiturn_run.jsonl"), "0"],
      envFor(port, spool, { OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "1000" }),
    );
    expect((await first.exited).code).toBe(0);
    expect(readdirSync(spool).filter((name) => name.endsWith(".otlp")).length).toBeGreaterThan(0);
    const receiver = await receiverOn(port);
    const second = start([join(FIXTURE_DIR, "b1_multiturn_run.jsonl"), "1"], envFor(port, spool));
    expect((await second.exited).code).toBe(0);
    const sessions = receiver.spans.filter((span) => span.name === "opencode.session");
    expect(sessions.map((span) => span.attributes["session.resumed"]).sort()).toEqual([
      false,
      true,
    ]);
    expect(new Set(receiver.spans.map((span) => span.traceId)).size).toBe(1);
    noDuplicates(receiver);
    expect(readdirSync(spool)).toEqual([]);
  }, 30_000);

  test("a request refused as too large is split, and the whole batch arrives", async () => {
    const receiver = await receiverOn();
    const port = Number(new URL(receiver.httpUrl).port);
    receiver.failNext({ status: 413, count: 1, signal: "traces" });
    const spool = mkdtempSync(join(tmpdir(), "otel-413-"));
    const run = start([join(FIXTURE_DIR, "c2_errors_serve.jsonl"), "0"], envFor(port, spool));
    expect((await run.exited).code).toBe(0);
    expect(receiver.requestLog.some((request) => request.failedWith === 413)).toBe(true);
    const expected = await reference("c2_errors_serve");
    expect(receiver.spans.map((span) => span.name).sort()).toEqual(expected.spans);
    noDuplicates(receiver);
  }, 30_000);
});

describe("crashes and signals", () => {
  test("SIGKILL in the middle of turn 3: turns 1-2 arrive whole, and the resumed process joins the trace", async () => {
    const receiver = await receiverOn();
    const port = Number(new URL(receiver.httpUrl).port);
    const spool = mkdtempSync(join(tmpdir(), "otel-kill-"));
    const file = join(FIXTURE_DIR, "b2_multiturn_serve.jsonl");
    const first = start([file, "0", "--stop-at-seq", "207"], envFor(port, spool));
    await first.ready;
    await receiver.waitFor(
      (r) => r.spans.filter((s) => s.name === "opencode.turn").length === 2,
      10_000,
    );
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    const turns = receiver.spans.filter((span) => span.name === "opencode.turn");
    expect(turns.map((turn) => turn.attributes["turn.index"]).sort()).toEqual([1, 2]);
    // Each finished turn arrived with its LLM and tool spans.
    for (const turn of turns)
      expect(
        receiver.spans.some(
          (span) => span.parentSpanId === turn.spanId && span.name === "opencode.llm",
        ),
      ).toBe(true);
    const second = start([file, "0", "--from-seq", "208"], envFor(port, spool));
    expect((await second.exited).code).toBe(0);
    const sessions = receiver.spans.filter((span) => span.name === "opencode.session");
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.attributes["session.resumed"]).toBe(true);
    expect(new Set(receiver.spans.map((span) => span.traceId)).size).toBe(1);
  }, 30_000);

  test("serve stopped by SIGTERM: buffered telemetry arrives and the process ends as it would without the plugin", async () => {
    const receiver = await receiverOn();
    const port = Number(new URL(receiver.httpUrl).port);
    const spool = mkdtempSync(join(tmpdir(), "otel-term-"));
    const file = join(FIXTURE_DIR, "d_subagent_serve.jsonl");
    const control = start([file, "0", "--serve", "--no-plugin"], {});
    await control.ready;
    control.child.kill("SIGTERM");
    const without = await control.exited;

    const run = start([file, "0", "--serve"], envFor(port, spool));
    await run.ready;
    run.child.kill("SIGTERM");
    const withPlugin = await run.exited;
    expect(withPlugin).toEqual(without);
    expect(withPlugin.signal).toBe("SIGTERM");
    // Session spans only end at finalization: their arrival proves the flush ran.
    const sessions = receiver.spans.filter((span) => span.name === "opencode.session");
    expect(sessions).toHaveLength(2);
    expect(sessions.every((span) => span.attributes["session.end_reason"] === "shutdown")).toBe(
      true,
    );
  }, 30_000);
});
