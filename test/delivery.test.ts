import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectedTotals, FIXTURE_DIR, loadFixture, processSegments } from "./support/fixtures.js";
import {
  type ReceivedSpan,
  type Receiver,
  startOtlpReceiver,
  type Transport,
} from "./support/otlp-receiver.js";

const CHILD = join(import.meta.dir, "support/replay-child.ts");
const BUN = process.execPath;
const DIST = join(import.meta.dir, "../dist/index.js");

let receiver: Receiver;
beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error("dist/index.js is missing: run `npm run build` first");
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});

interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function runChild(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(BUN, [CHILD, ...args], { env: { PATH: process.env.PATH ?? "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const SPOOL = mkdtempSync(join(tmpdir(), "otel-spool-"));

function envFor(transport: Transport): Record<string, string> {
  return {
    OPENCODE_OTEL_SPOOL_DIR: SPOOL,
    OPENCODE_ENABLE_TELEMETRY: "1",
    OPENCODE_OTLP_PROTOCOL: transport,
    OPENCODE_OTLP_ENDPOINT: transport === "grpc" ? receiver.grpcUrl : receiver.httpUrl,
    // Long intervals: only the flushes at turn end and dispose can deliver anything.
    OPENCODE_OTLP_METRICS_INTERVAL: "600000",
    OPENCODE_OTLP_LOGS_INTERVAL: "600000",
  };
}

/** Replays every process segment of a capture in its own process, each ending with exit(). */
async function deliver(name: string, transport: Transport): Promise<ReceivedSpan[]> {
  receiver.reset();
  const segments = processSegments(loadFixture(name));
  for (let index = 0; index < segments.length; index++) {
    const result = await runChild(
      [join(FIXTURE_DIR, `${name}.jsonl`), String(index)],
      envFor(transport),
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  }
  return receiver.spans.filter((span) => span.transport === transport);
}

const TRANSPORTS: Transport[] = ["http/protobuf", "http/json", "grpc"];

describe.each(TRANSPORTS)(
  "over %s, ending like opencode run (dispose, then process.exit)",
  (transport) => {
    test.each(["a_single", "b1_multiturn_run", "d_subagent_serve", "c2_errors_serve"])(
      "%s arrives whole: one trace per session, nothing orphaned, lifetime totals",
      async (name) => {
        const spans = await deliver(name, transport);
        expect(spans.length).toBeGreaterThan(0);
        const ids = new Set(spans.map((span) => span.spanId));
        expect(ids.size).toBe(spans.length);
        for (const span of spans) {
          if (span.parentSpanId) expect(ids.has(span.parentSpanId)).toBe(true);
          // A new session's start marker, or a resumed process's session span.
          else expect(["opencode.session.start", "opencode.session"]).toContain(span.name);
        }
        const expected = expectedTotals(loadFixture(name));
        for (const [sessionId, total] of expected) {
          const members = spans.filter((span) => span.attributes["session.id"] === sessionId);
          expect(new Set(members.map((span) => span.traceId)).size).toBe(1);
          const latest = members
            .filter((span) => span.name === "opencode.session")
            .sort((a, b) => Number(a.endTimeUnixNano - b.endTimeUnixNano))
            .at(-1);
          expect(Number(latest?.attributes["session.total_tokens"])).toBe(total.tokens);
          expect(Number(latest?.attributes["session.total_cost_usd"])).toBeCloseTo(total.cost, 10);
        }
        const logs = receiver.logs.filter((log) => log.transport === transport);
        expect(logs.some((log) => log.attributes["event.name"] === "api_request")).toBe(true);
        const points = receiver.metrics.filter((point) => point.transport === transport);
        expect(points.some((point) => point.name === "opencode.token.usage")).toBe(true);
      },
      30_000,
    );
  },
);

describe("in one process", () => {
  test("two plugin instances, both disposed, leave no listener, timer, socket or provider behind", async () => {
    receiver.reset();
    const result = await runChild(
      [join(FIXTURE_DIR, "a_single.jsonl"), "0", "--no-exit", "--twice"],
      envFor("http/protobuf"),
      15_000,
    );
    // Without process.exit the process ends only when nothing of ours keeps the loop alive.
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(10_000);
    const report = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}");
    expect(report.listenersAfter).toBe(report.listenersBefore);
    // Each instance delivered its own copy: two session spans, both complete.
    const sessions = receiver.spans.filter((span) => span.name === "opencode.session");
    expect(sessions).toHaveLength(2);
  }, 20_000);
});
