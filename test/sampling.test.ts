/**
 * The standard sampler variables (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`) on the built
 * plugin, one OS process per opencode process of a resumed session (`f_lines_run`: `run`, then
 * `run --session`), exporting over OTLP/HTTP to a real receiver on loopback. A session's trace id
 * comes from its id, so a ratio sampler must keep or drop the whole session in every process,
 * and sampling must never touch metrics or log events.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT_CONTEXT } from "@opentelemetry/api";
import { SamplingDecision, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base";
import { traceIdForSession, turnIds } from "../src/sdk/ids.js";
import { FIXTURE_DIR, loadFixture, loadTruth, processSegments } from "./support/fixtures.js";
import { type Receiver, startOtlpReceiver } from "./support/otlp-receiver.js";

const CHILD = join(import.meta.dir, "support/replay-child.ts");
const DIST = join(import.meta.dir, "../dist/index.js");
const CAPTURE = "f_lines_run";

let receiver: Receiver;
let work: string;

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error("dist/index.js is missing: run `npm run build` first");
  receiver = await startOtlpReceiver();
  work = mkdtempSync(join(tmpdir(), "opencode-otel-sampling-"));
});
afterAll(async () => {
  await receiver?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

function runChild(args: string[], env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "ignore", "ignore"],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Replays every process of the capture, each in its own OS process, with `sampler` set. */
async function replayProcesses(sampler: Record<string, string>) {
  receiver.reset();
  const segments = processSegments(loadFixture(CAPTURE));
  for (let index = 0; index < segments.length; index++) {
    const code = await runChild([join(FIXTURE_DIR, `${CAPTURE}.jsonl`), String(index)], {
      OPENCODE_ENABLE_TELEMETRY: "1",
      OPENCODE_OTLP_PROTOCOL: "http/protobuf",
      OPENCODE_OTLP_ENDPOINT: receiver.httpUrl,
      OPENCODE_OTEL_SPOOL: "false",
      HOME: work,
      ...sampler,
    });
    expect(code).toBe(0);
  }
  // One `service.instance.id` per process: every process exported its metrics.
  await receiver.waitFor(
    (r) =>
      new Set(r.metrics.map((point) => point.resource["service.instance.id"])).size ===
      segments.length,
  );
  await receiver.waitFor((r) => r.logs.length > 0);
  return {
    processes: segments.length,
    spans: [...receiver.spans],
    metrics: [...receiver.metrics],
    logs: [...receiver.logs],
  };
}

const sampled = (ratio: number, traceId: string) =>
  new TraceIdRatioBasedSampler(ratio).shouldSample(ROOT_CONTEXT, traceId).decision ===
  SamplingDecision.RECORD_AND_SAMPLED;

/**
 * The two ratios around a trace id's cut (by bisection on the SDK's own sampler): the larger
 * keeps it, the smaller drops it. Any session gives both outcomes, so the test never depends on
 * where its id happens to fall.
 */
function ratiosAround(traceId: string): { keep: number; drop: number } {
  let drop = 0;
  let keep = 1;
  for (let i = 0; i < 40; i++) {
    const middle = (drop + keep) / 2;
    if (sampled(middle, traceId)) keep = middle;
    else drop = middle;
  }
  return { keep, drop };
}

describe("OTEL_TRACES_SAMPLER", () => {
  const { sessionId } = loadTruth(CAPTURE) as { sessionId: string };
  const traceId = traceIdForSession(sessionId);
  const { keep, drop } = ratiosAround(traceId);

  test("the two ratios fall either side of the session's cut", () => {
    expect(sampled(keep, traceId)).toBe(true);
    expect(sampled(drop, traceId)).toBe(false);
    expect(keep - drop).toBeLessThan(1e-6);
  });

  test("traceidratio keeps a resumed session in every process that exports it", async () => {
    const { processes, spans, metrics, logs } = await replayProcesses({
      OTEL_TRACES_SAMPLER: "traceidratio",
      OTEL_TRACES_SAMPLER_ARG: String(keep),
    });
    // Both processes' session segments, in the one trace the session id gives.
    const sessions = spans.filter((span) => span.name === "opencode.session");
    expect(sessions).toHaveLength(processes);
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([traceId]));
    expect(new Set(sessions.map((span) => span.resource["service.instance.id"])).size).toBe(
      processes,
    );
    expect(spans.filter((span) => span.name === "opencode.turn")).toHaveLength(processes);
    expect(metrics.length).toBeGreaterThan(0);
    expect(logs.length).toBeGreaterThan(0);
  });

  test("traceidratio drops the same session in every process; metrics and logs still flow", async () => {
    const { spans, metrics, logs } = await replayProcesses({
      OTEL_TRACES_SAMPLER: "traceidratio",
      OTEL_TRACES_SAMPLER_ARG: String(drop),
    });
    expect(spans).toEqual([]);
    expect(metrics.some((point) => point.name === "opencode.token.usage")).toBe(true);
    expect(logs.some((log) => log.attributes["event.name"] === "api_request")).toBe(true);
  });

  test("turn scope: each turn kept or dropped whole by its own trace id, whichever process ran it", async () => {
    // The two prompts of the capture, one per process; their turns' ids come from them.
    const prompts = loadFixture(CAPTURE)
      .filter((record) => record.hook === "chat.message")
      .map((record) => (record.output as { message: { id: string } }).message.id);
    expect(prompts).toHaveLength(2);
    const cuts = prompts.map((prompt) => ratiosAround(turnIds(sessionId, prompt).traceId).keep);
    const [low = 0, high = 1] = [...cuts].sort((a, b) => a - b);
    const ratio = (low + high) / 2;
    const { spans } = await replayProcesses({
      OPENCODE_OTEL_TRACE_SCOPE: "turn",
      OTEL_TRACES_SAMPLER: "traceidratio",
      OTEL_TRACES_SAMPLER_ARG: String(ratio),
    });
    const kept = prompts.filter((_, index) => (cuts[index] ?? 1) < ratio);
    expect(kept).toHaveLength(1);
    const turns = spans.filter((span) => span.name === "opencode.turn");
    expect(turns.map((turn) => turn.attributes["prompt.id"])).toEqual(kept);
    // Every span of the kept turn, nothing of the other; the session's record by its own id.
    const traces = new Set(spans.map((span) => span.traceId));
    const expected = new Set(kept.map((prompt) => turnIds(sessionId, prompt).traceId));
    if (sampled(ratio, traceId)) expected.add(traceId);
    expect(traces).toEqual(expected);
    expect(spans.filter((span) => span.name === "opencode.llm").length).toBeGreaterThan(0);
  });

  test("always_off exports no span; the same metrics and log events as always_on", async () => {
    const on = await replayProcesses({ OTEL_TRACES_SAMPLER: "always_on" });
    const off = await replayProcesses({ OTEL_TRACES_SAMPLER: "always_off" });
    expect(on.spans.length).toBeGreaterThan(0);
    expect(off.spans).toEqual([]);
    const names = (run: typeof on) => ({
      // The child replays on the real clock as fast as it can: a turn may last 0 ms and record no
      // active time, in either run.
      metrics: [...new Set(run.metrics.map((point) => point.name))]
        .filter((name) => name !== "opencode.active_time.total")
        .sort(),
      events: run.logs.map((log) => log.attributes["event.name"]).sort(),
    });
    expect(names(off)).toEqual(names(on));
    // Cumulative sums may be exported more than once: the latest value of each series counts.
    const tokens = (run: typeof on) => {
      const series = new Map<string, number>();
      for (const point of run.metrics)
        if (point.name === "opencode.token.usage" && point.type === "sum") {
          const key = `${point.resource["service.instance.id"]} ${JSON.stringify(point.attributes)}`;
          series.set(key, Math.max(series.get(key) ?? 0, point.value));
        }
      return [...series.values()].reduce((sum, value) => sum + value, 0);
    };
    expect(tokens(on)).toBeGreaterThan(0);
    expect(tokens(off)).toBe(tokens(on));
  });
});
