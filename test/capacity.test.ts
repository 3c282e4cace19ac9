import { describe, expect, test } from "bun:test";
import { createPluginInstance } from "../src/plugin.js";
import { loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay, TEST_ENV } from "./support/replay.js";

describe("bounded memory", () => {
  test("10,000 sessions never closed: at most maxSessions held, every one ended and exported", async () => {
    const collected = new Collected();
    const instance = await createPluginInstance({
      env: { ...TEST_ENV, OPENCODE_OTEL_MAX_SESSIONS: "200", OPENCODE_DISABLE_METRICS: "1" },
      exporters: collected.overrides(),
      logSink: () => undefined,
    });
    const event = instance.hooks.event;
    const chat = instance.hooks["chat.message"];
    if (!event || !chat) throw new Error("hooks missing");
    let largest = 0;
    for (let i = 0; i < 10_000; i++) {
      const sessionID = `ses_${String(i).padStart(6, "0")}`;
      await event({
        event: { type: "session.created", properties: { sessionID, info: { id: sessionID } } },
      });
      await chat(
        { sessionID },
        { message: { id: `msg_${i}`, sessionID }, parts: [{ type: "text", text: "hi" }] },
      );
      largest = Math.max(largest, instance.model?.size ?? 0);
      // Events arrive over time in real life; let the batch processors export between them.
      if (i % 200 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(largest).toBeLessThanOrEqual(200);
    await instance.hooks.dispose?.();
    const sessions = collected.spans.filter((span) => span.name === "opencode.session");
    expect(sessions).toHaveLength(10_000);
    const reasons = new Map<unknown, number>();
    for (const span of sessions) {
      const reason = span.attributes["session.end_reason"];
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    expect(reasons.get("evicted")).toBe(9_800);
    expect(reasons.get("shutdown")).toBe(200);
    // The open turn of an evicted session is ended too, marked as not completed.
    const turns = collected.spans.filter((span) => span.name === "opencode.turn");
    expect(turns).toHaveLength(10_000);
    expect(turns.every((turn) => turn.status.code === 2)).toBe(true);
  }, 60_000);
});

describe("huge values", () => {
  test("a 5 MB tool output with capture on is cut to the configured size; its batch is whole", async () => {
    const huge = "y".repeat(5 * 1024 * 1024);
    const records = loadFixture("a_single").map((record) =>
      JSON.parse(JSON.stringify(record).replaceAll('"hi\\n"', JSON.stringify(huge))),
    );
    const collected = new Collected();
    await replay(records, {
      env: { ...TEST_ENV, OPENCODE_OTEL_CAPTURE_CONTENT: "1" },
      exporters: collected.overrides(),
    });
    const tool = collected.spans.find((span) => span.name === "opencode.tool.bash");
    const output = String(tool?.attributes["output.value"] ?? "");
    expect(output.length).toBeGreaterThan(1000);
    expect(output.length).toBeLessThan(4_200);
    expect(output).toContain("truncated");
    expect(tool?.attributes["tool.result_size"]).toBe(huge.length);
    expect(collected.spans.some((span) => span.name === "opencode.session")).toBe(true);
    const biggest = Math.max(
      ...collected.spans.map((span) => JSON.stringify(span.attributes).length),
    );
    expect(biggest).toBeLessThan(16_000);
    // Redacting 5 MB is a CPU-bound second or two on a loaded 2-core machine; the limit is about
    // size, and redaction speed has its own test.
  }, 30_000);
});

describe("state", () => {
  test("a finalized session leaves nothing behind in the model", async () => {
    const instances = await replay(loadFixture("b2_multiturn_serve"), {
      exporters: new Collected().overrides(),
      disposeAtEnd: false,
    });
    const instance = instances[0];
    // Let the deferred drain apply everything, the deletion included.
    await new Promise((resolve) => setImmediate(resolve));
    expect(instance?.model?.get("ses_df44d002affescmrbHA5KNZTXR")).toBeUndefined();
    expect(instance?.model?.size).toBe(0);
    await instance?.hooks.dispose?.();
  });
});
