import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Front,
  matching,
  namesIn,
  pluginEnv,
  referenceSpans,
  runChild,
  startFront,
} from "./support/delivery.js";
import { type Receiver, startOtlpReceiver } from "./support/otlp-receiver.js";

const DIST = join(import.meta.dir, "../dist/index.js");
// Seven turns, paced so that each leaves as a request of its own: several are queued behind
// the one the slow collector holds.
const CAPTURE = "c2_errors_serve";
const PACE = ["--pace-ms", "150"];
const IDLE = 99;

let receiver: Receiver;
const fronts: Front[] = [];
beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error("dist/index.js is missing: run `npm run build` first");
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  for (const front of fronts.splice(0)) await front.close();
});
afterAll(async () => {
  await receiver.close();
});

async function slowCollector(delayMs: number): Promise<Front> {
  const front = await startFront(() => ({
    status: 200,
    headers: { "content-type": "application/x-protobuf" },
    delayMs,
  }));
  fronts.push(front);
  return front;
}

const scratch = () => join(mkdtempSync(join(tmpdir(), "otel-dispose-")), "spool");

/** Span ids in both lists. */
function overlap(a: readonly { spanId: string }[], b: readonly { spanId: string }[]): string[] {
  const ids = new Set(b.map((span) => span.spanId));
  return a.map((span) => span.spanId).filter((id) => ids.has(id));
}

const names = (spans: readonly { name: string }[]) => spans.map((span) => span.name).sort();

describe("a collector too slow for dispose", () => {
  test("what is in flight when dispose gives up is kept: nothing is lost (at-least-once)", async () => {
    const slow = await slowCollector(10_000);
    const spool = scratch();
    const first = await runChild(
      CAPTURE,
      0,
      pluginEnv(slow.url, spool, { OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "1000" }),
      { extra: PACE },
    );
    expect(first.code).toBe(0);
    const inFlight = slow.spans();
    expect(inFlight.length).toBeGreaterThan(0);
    const kept = matching(first.logs, /traces export\(s\) not delivered yet are kept in/);
    expect(kept).toHaveLength(1);
    expect(kept[0]?.message).toContain("one was still awaiting the collector's answer");
    expect(matching(first.logs, /lost/)).toEqual([]);

    receiver.reset();
    const second = await runChild(CAPTURE, IDLE, pluginEnv(receiver.httpUrl, spool));
    expect(second.code).toBe(0);
    const resent = receiver.spans;
    // Every span reached a collector; the only ones sent twice are those never confirmed.
    expect(names(resent)).toEqual(await referenceSpans(CAPTURE, 0));
    expect(overlap(inFlight, resent)).toEqual(inFlight.map((span) => span.spanId));
    expect(namesIn(spool)).toEqual([]);
  }, 40_000);

  test("a request the collector confirms after dispose gave up is not kept for a resend", async () => {
    const slow = await slowCollector(1_500);
    const spool = scratch();
    // The host goes on running after dispose (as `opencode serve` does until it exits).
    const first = await runChild(
      CAPTURE,
      0,
      pluginEnv(slow.url, spool, { OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "500" }),
      { extra: [...PACE, "--linger-ms", "4000"] },
    );
    expect(first.code).toBe(0);
    const confirmed = slow.spans();
    expect(confirmed.length).toBeGreaterThan(0);
    expect(matching(first.logs, /one was still awaiting the collector's answer/).length).toBe(
      matching(first.logs, /not delivered yet are kept in/).length,
    );

    receiver.reset();
    const second = await runChild(CAPTURE, IDLE, pluginEnv(receiver.httpUrl, spool));
    expect(second.code).toBe(0);
    const resent = receiver.spans;
    // No duplicate where the collector reported success, and still nothing lost.
    expect(overlap(confirmed, resent)).toEqual([]);
    expect(names([...confirmed, ...resent])).toEqual(await referenceSpans(CAPTURE, 0));
    expect(namesIn(spool)).toEqual([]);
  }, 40_000);
});
