import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createPluginInstance } from "../src/plugin.js";
import { type Captured, FIXTURES, loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay, TEST_ENV } from "./support/replay.js";
import { SCOPES } from "./support/trace-shape.js";

const ALL = FIXTURES.flatMap((name) => loadFixture(name).filter((r) => r.hook !== "plugin.init"));

/** Replaces a random field somewhere inside a payload with garbage. */
function damage(value: unknown, path: number[], garbage: unknown): unknown {
  if (typeof value !== "object" || value === null || path.length === 0) return garbage;
  const entries = Object.entries(value);
  if (entries.length === 0) return garbage;
  const [head = 0, ...rest] = path;
  const index = head % entries.length;
  const key = entries[index]?.[0] ?? "";
  const copy: Record<string, unknown> = Object.fromEntries(entries);
  copy[key] = damage(copy[key], rest, garbage);
  return Array.isArray(value) ? Object.values(copy) : copy;
}

const garbage = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.constant({}),
  fc.constant([]),
  fc.constant("x".repeat(100_000)),
);

/** Streams built from the captured shapes: reordered, duplicated, dropped and damaged. */
const streams = fc
  .array(
    fc.record({
      index: fc.nat(ALL.length - 1),
      action: fc.constantFrom("keep", "keep", "keep", "duplicate", "drop", "damage"),
      path: fc.array(fc.nat(20), { maxLength: 6 }),
      garbage,
    }),
    { minLength: 1, maxLength: 300 },
  )
  .map((steps) => {
    const out: Captured[] = [];
    for (const step of steps) {
      const record = ALL[step.index];
      if (!record || step.action === "drop") continue;
      if (step.action === "damage")
        out.push({ ...record, input: damage(record.input, step.path, step.garbage) });
      else out.push(record);
      if (step.action === "duplicate") out.push(record);
    }
    return out;
  });

describe("hostile and broken input", () => {
  // In turn scope roots take ids derived from their prompt: a duplicated or reordered stream
  // must still never export one span id twice.
  test.each(SCOPES)(
    "random streams of captured shapes (%s trace scope): no exception, every span ended once, nothing left open",
    async (scope) => {
      await fc.assert(
        fc.asyncProperty(streams, async (records) => {
          const failures: string[] = [];
          const collected = new Collected();
          const instances = await replay(records, {
            env: { ...TEST_ENV, OPENCODE_OTEL_TRACE_SCOPE: scope },
            exporters: collected.overrides(),
            logSink: (level, message) => level === "error" && failures.push(message),
          });
          expect(failures).toEqual([]);
          for (const instance of instances) expect(instance.model?.size).toBe(0);
          const spans = collected.spans;
          const ids = new Set(spans.map((span) => span.spanContext().spanId));
          expect(ids.size).toBe(spans.length);
          for (const span of spans) {
            expect(span.ended).toBe(true);
            const parent = span.parentSpanContext?.spanId;
            if (parent) expect(ids.has(parent)).toBe(true);
          }
        }),
        { numRuns: Number(process.env.FC_RUNS ?? 150) },
      );
    },
    60_000,
  );

  test("malformed payloads never throw into opencode", async () => {
    const { hooks } = await createPluginInstance({
      env: TEST_ENV,
      exporters: new Collected().overrides(),
      logSink: () => undefined,
    });
    const payloads: unknown[] = [
      undefined,
      null,
      42,
      "session.idle",
      { event: null },
      { event: { type: 7 } },
      { event: { type: "message.updated", properties: { info: 5 } } },
      {
        event: { type: "message.part.updated", properties: { part: { type: "tool", state: "x" } } },
      },
      {
        event: {
          type: "session.diff",
          properties: { sessionID: "s", diff: [null, 1, { additions: "9" }] },
        },
      },
      { event: { type: "message.part.delta", properties: { sessionID: "s", delta: {} } } },
    ];
    for (const payload of payloads) {
      // @ts-expect-error: deliberately not the hook's input type
      await expect(hooks.event?.(payload)).resolves.toBeUndefined();
      await expect(hooks["chat.message"]?.(payload, payload)).resolves.toBeUndefined();
    }
    await expect(hooks.dispose?.()).resolves.toBeUndefined();
    await expect(hooks.dispose?.()).resolves.toBeUndefined();
  });

  test("an invalid setting gives one clear warning in opencode's log and a safe default", async () => {
    const messages: string[] = [];
    const instance = await createPluginInstance({
      env: {
        ...TEST_ENV,
        OPENCODE_OTLP_PROTOCOL: "carrier-pigeon",
        OPENCODE_OTLP_HEADERS: "x-key=s3cr3tvalue,bad",
      },
      exporters: new Collected().overrides(),
      logSink: (_level, message) => messages.push(message),
    });
    expect(instance.config.traces.protocol).toBe("grpc");
    expect(messages.filter((m) => m.includes("OPENCODE_OTLP_PROTOCOL"))).toHaveLength(1);
    expect(messages.join("\n")).not.toContain("s3cr3tvalue");
    await instance.hooks.dispose?.();
  });
});

describe("streaming styles", () => {
  /** Rewrites 1.18's delta stream into the older style: the whole text so far in every update. */
  function asFullTextUpdates(records: readonly Captured[]): Captured[] {
    const texts = new Map<string, string>();
    return records.map((record) => {
      const event = (
        record.input as { event?: { type?: string; properties?: Record<string, unknown> } }
      )?.event;
      if (record.hook !== "event" || event?.type !== "message.part.delta" || !event.properties)
        return record;
      const { sessionID, messageID, partID, delta } = event.properties as Record<string, string>;
      const text = (texts.get(String(partID)) ?? "") + delta;
      texts.set(String(partID), text);
      const part = { id: partID, messageID, sessionID, type: "text", text };
      return {
        ...record,
        input: { event: { type: "message.part.updated", properties: { sessionID, part } } },
      };
    });
  }

  test("deltas and full-text updates give the same output length", async () => {
    const records = loadFixture("b2_multiturn_serve");
    const lengths = async (input: Captured[]) => {
      const collected = new Collected();
      await replay(input, { exporters: collected.overrides() });
      return collected.spans
        .filter((span) => span.name === "opencode.llm")
        .map((span) => span.attributes["llm.output_length"])
        .sort();
    };
    const delta = await lengths(records);
    expect(delta.some((length) => Number(length) > 0)).toBe(true);
    expect(await lengths(asFullTextUpdates(records))).toEqual(delta);
  });

  test("per-chunk work does not grow with the reply's length", async () => {
    const instance = await createPluginInstance({
      env: TEST_ENV,
      exporters: new Collected().overrides(),
      logSink: () => undefined,
    });
    const event = instance.hooks.event;
    if (!event) throw new Error("no event hook");
    const sessionID = "ses_stream";
    await event({
      event: { type: "session.created", properties: { sessionID, info: { id: sessionID } } },
    });
    await instance.hooks["chat.message"]?.(
      { sessionID },
      { message: { id: "msg_1", sessionID }, parts: [] },
    );
    const info = {
      id: "msg_2",
      sessionID,
      role: "assistant",
      modelID: "m",
      providerID: "p",
      time: { created: 1 },
    };
    await event({ event: { type: "message.updated", properties: { sessionID, info } } });
    const chunk = (n: number) => ({
      type: "message.part.delta",
      properties: {
        sessionID,
        messageID: "msg_2",
        partID: "prt_1",
        field: "text",
        delta: `chunk ${n} `.repeat(8),
      },
    });
    // Each timed batch includes the deferred drain (model and emitters), not just the hook.
    const drained = () => new Promise((resolve) => setImmediate(resolve));
    const time = async (from: number, count: number) => {
      const started = performance.now();
      for (let i = from; i < from + count; i++) void event({ event: chunk(i) });
      await drained();
      return performance.now() - started;
    };
    await time(0, 2_000); // warm up
    const early = Math.min(await time(2_000, 5_000), await time(7_000, 5_000));
    await time(12_000, 100_000); // the reply is now ~100x longer
    const late = Math.min(await time(112_000, 5_000), await time(117_000, 5_000));
    // O(1) per chunk: the same work whatever has streamed before (generous bound for noise).
    expect(late).toBeLessThan(early * 3 + 5);
    await instance.hooks.dispose?.();
  });
});

describe("W3C parent", () => {
  test("OPENCODE_TRACEPARENT makes root session spans children of the given span", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const collected = new Collected();
    await replay(loadFixture("a_single"), {
      env: {
        ...TEST_ENV,
        OPENCODE_TRACEPARENT: `00-${traceId}-00f067aa0ba902b7-01`,
        OPENCODE_TRACESTATE: "vendor=abc",
      },
      exporters: collected.overrides(),
    });
    const session = collected.spans.find((span) => span.name === "opencode.session");
    expect(session?.spanContext().traceId).toBe(traceId);
    expect(session?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    expect(collected.spans.every((span) => span.spanContext().traceId === traceId)).toBe(true);
  });

  test("in turn trace scope, turns hang under the given span, still linked to each other and to the session", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const collected = new Collected();
    await replay(loadFixture("b2_multiturn_serve"), {
      env: {
        ...TEST_ENV,
        OPENCODE_OTEL_TRACE_SCOPE: "turn",
        OPENCODE_TRACEPARENT: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      exporters: collected.overrides(),
    });
    const spans = collected.spans;
    expect(spans.every((span) => span.spanContext().traceId === traceId)).toBe(true);
    const session = spans.find((span) => span.name === "opencode.session");
    expect(session?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    const turns = spans
      .filter((span) => span.name === "opencode.turn")
      .sort((a, b) => Number(a.attributes["turn.index"]) - Number(b.attributes["turn.index"]));
    expect(turns).toHaveLength(3);
    turns.forEach((turn, i) => {
      expect(turn.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
      const linked = (type: string) =>
        turn.links
          .filter((link) => link.attributes?.["link.type"] === type)
          .map((link) => link.context.spanId);
      expect(linked("session")).toEqual([session?.spanContext().spanId ?? ""]);
      const before = turns[i - 1];
      expect(linked("previous_turn")).toEqual(before ? [before.spanContext().spanId] : []);
    });
  });
});
