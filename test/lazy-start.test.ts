/**
 * The pipeline loads in the background after opencode gets its hooks (`src/lazy.ts`). Calls
 * made meanwhile are kept and replayed in order; the queue is bounded in calls and in time, and
 * whatever it does not keep is counted and reported once in opencode's log, never lost silently.
 */
import { describe, expect, test } from "bun:test";
import { createLazyHooks } from "../src/lazy.js";
import type { LogLevel } from "../src/log.js";
import { loadFixture, processSegments } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay, TEST_ENV } from "./support/replay.js";

const segment = processSegments(loadFixture("a_single"))[0] ?? [];
/** The hook calls the capture makes (it also records hooks the plugin does not implement). */
const calls = segment.filter((r) => r.hook === "event" || r.hook === "chat.message").length;
const eventOf = (input: unknown) =>
  typeof input === "object" && input !== null && "event" in input ? input.event : undefined;

async function reference() {
  const collected = new Collected();
  await replay(segment, { exporters: collected.overrides() });
  return collected.spans.map((span) => span.name).sort();
}

/** A delta for a part nobody knows: the model ignores it, the queue still has to hold it. */
const filler = (i: number) => ({
  event: {
    type: "message.part.delta",
    properties: { sessionID: "ses_filler", messageID: "msg_x", partID: `prt_${i}`, delta: "x" },
  },
});

function start(clock: () => number) {
  const collected = new Collected();
  const logged: { level: LogLevel; message: string }[] = [];
  const hooks = createLazyHooks({
    env: TEST_ENV,
    exporters: collected.overrides(),
    logSink: (level, message) => logged.push({ level, message }),
    now: clock,
  });
  // Everything below runs before the pipeline can have loaded: nothing here awaits.
  const replayCapture = () => {
    for (const record of segment)
      if (record.hook === "event") void hooks.event?.({ event: eventOf(record.input) });
      else if (record.hook === "chat.message")
        void hooks["chat.message"]?.(record.input, record.output);
  };
  return { hooks, collected, logged, replayCapture };
}

const dropReports = (logged: readonly { level: LogLevel; message: string }[]) =>
  logged.filter((entry) => entry.message.includes("were not kept"));

describe("calls made while the pipeline loads", () => {
  test("are replayed in order: the session exports whole, and nothing is reported", async () => {
    const { hooks, collected, logged, replayCapture } = start(Date.now);
    replayCapture();
    await hooks.dispose?.();
    expect(collected.spans.map((span) => span.name).sort()).toEqual(await reference());
    expect(dropReports(logged)).toEqual([]);
  });

  test("beyond 10,000 calls, later ones are not kept: counted and reported once", async () => {
    const { hooks, collected, logged, replayCapture } = start(Date.now);
    replayCapture();
    const kept = 10_000 - calls;
    for (let i = 0; i < kept + 2_500; i++) void hooks.event?.(filler(i));
    await hooks.dispose?.();
    // The first calls were kept, so the session they carry is whole.
    expect(collected.spans.map((span) => span.name).sort()).toEqual(await reference());
    const reports = dropReports(logged);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.level).toBe("warn");
    expect(reports[0]?.message).toContain("2500 hook call(s)");
  });

  test("after 30 s of loading, nothing is kept any more: what was is let go and counted", async () => {
    let now = 1_800_000_000_000;
    const { hooks, collected, logged, replayCapture } = start(() => now);
    replayCapture();
    now += 31_000;
    for (let i = 0; i < 10; i++) void hooks.event?.(filler(i));
    await hooks.dispose?.();
    expect(collected.spans).toEqual([]);
    const reports = dropReports(logged);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.message).toContain(`${calls + 10} hook call(s)`);
  });
});
