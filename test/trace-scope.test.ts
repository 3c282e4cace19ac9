/**
 * What the trace scope changes and what it must not: the captures replayed through the plugin
 * and the real SDK in both scopes. Per-turn traces (roots, ids, links, content, subagents,
 * compactions, sampling), the `session.start` marker of session scope, and metrics, log events
 * and the local store's report the same whichever scope is on.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT_CONTEXT } from "@opentelemetry/api";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import {
  type ReadableSpan,
  SamplingDecision,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import { runCli } from "../src/cli/cli.js";
import type { Io } from "../src/cli/io.js";
import { turnIds } from "../src/sdk/ids.js";
import type { Report } from "../src/store/index.js";
import { type Captured, expectedTotals, FIXTURES, loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay, TEST_ENV } from "./support/replay.js";
import {
  expectTraceShape,
  fromReadable,
  indexOf,
  kind,
  linksOf,
  type ShapeSpan,
  sessionOf,
  type TraceScope,
} from "./support/trace-shape.js";

const work = mkdtempSync(join(tmpdir(), "opencode-otel-trace-scope-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(
  name: string,
  scope: TraceScope,
  env: Record<string, string> = {},
  options: { readonly disposeAtEnd?: boolean } = {},
) {
  const collected = new Collected();
  const records = loadFixture(name);
  // One HOME for every replay: the pseudonymous user id (a file in it) is the same in both scopes.
  await replay(records, {
    env: { ...TEST_ENV, HOME: work, OPENCODE_OTEL_TRACE_SCOPE: scope, ...env },
    exporters: collected.overrides(),
    ...options,
  });
  return { collected, records, spans: collected.spans.map(fromReadable) };
}

const CAPTURE = { OTEL_LOG_USER_PROMPTS: "1", OPENCODE_OTEL_CAPTURE_CONTENT: "1" };

/** The prompts of a capture as opencode sent them (`chat.message`), by user message id. */
function promptsOf(records: readonly Captured[]): Map<string, string> {
  const prompts = new Map<string, string>();
  for (const record of records) {
    if (record.hook !== "chat.message") continue;
    const output = record.output as {
      message: { id: string };
      parts: { type: string; text?: string; synthetic?: boolean }[];
    };
    const texts = output.parts.filter((p) => p.type === "text" && !p.synthetic && p.text);
    prompts.set(output.message.id, texts.map((p) => p.text).join("\n"));
  }
  return prompts;
}

const roots = (spans: readonly ShapeSpan[]) =>
  kind(spans, "turn").filter((turn) => turn.parentSpanId === "");

describe("turn scope: one trace per user turn", () => {
  test.each(["b2_multiturn_serve", "c2_errors_serve", "h_compaction_serve"])(
    "%s: each turn's root names its session, agent and totals; they add up to opencode's own",
    async (name) => {
      const { spans, records } = await run(name, "turn");
      const turns = roots(spans);
      const [session] = kind(spans, "session");
      expect(turns.length).toBeGreaterThan(1);
      for (const turn of turns) {
        expect(turn.attributes).toMatchObject({
          "openinference.span.kind": "AGENT",
          "gen_ai.operation.name": "invoke_agent",
          "session.id": sessionOf(turn),
          "gen_ai.conversation.id": sessionOf(turn),
          "gen_ai.agent.name": "build",
        });
        for (const key of ["turn.total_tokens", "turn.total_cost_usd", "turn.llm_calls"])
          expect(typeof turn.attributes[key]).toBe("number");
      }
      // Every call in some turn or compaction: their totals are the session's, and opencode's.
      const [expected] = [...expectedTotals(records).values()];
      const units = [...turns, ...kind(spans, "compaction")];
      const sum = (key: string) =>
        units.reduce((total, span) => total + Number(span.attributes[key]), 0);
      expect(sum("turn.total_tokens")).toBe(expected?.tokens ?? -1);
      expect(sum("turn.total_cost_usd")).toBeCloseTo(expected?.cost ?? -1, 10);
      expect(session?.attributes["session.total_tokens"]).toBe(expected?.tokens ?? -1);
      expect(session?.attributes["session.total_turns"]).toBe(turns.length);
    },
  );

  test("trace ids come from the session and the prompt: the same in every replay, never shared by a resumed session's turns", async () => {
    for (const name of ["b1_multiturn_run", "f_lines_run", "l_dispose_serve"]) {
      const first = roots((await run(name, "turn")).spans);
      const second = roots((await run(name, "turn")).spans);
      const ids = (turns: ShapeSpan[]) => turns.map((turn) => `${turn.traceId}/${turn.spanId}`);
      expect(ids(second)).toEqual(ids(first));
      expect(new Set(first.map((turn) => turn.traceId)).size).toBe(first.length);
      for (const turn of first)
        expect(turn.traceId).toBe(
          turnIds(sessionOf(turn), String(turn.attributes["prompt.id"])).traceId,
        );
    }
  });

  test("a resumed process links its first turn to the previous process's last, once the session's history names it", async () => {
    // f_lines_run: the history answers after the second process's prompt; l_dispose_serve: 4 s
    // after it, while the instance starts again. Both before the turn ends.
    for (const name of ["f_lines_run", "l_dispose_serve"]) {
      const turns = roots((await run(name, "turn")).spans).sort((a, b) => indexOf(a) - indexOf(b));
      expect(turns.map(indexOf)).toEqual([1, 2]);
      const [one, two] = turns;
      expect(one?.resource["service.instance.id"]).not.toBe(two?.resource["service.instance.id"]);
      const previous = two ? linksOf(two, "previous_turn") : [];
      expect(previous.map((l) => [l.traceId, l.spanId])).toEqual([
        [one?.traceId ?? "", one?.spanId ?? ""],
      ]);
    }
  });

  test("a subagent's turns nest under the task call of the turn that spawned them; its session span beside its parent's", async () => {
    for (const name of ["d_subagent_serve", "i_subagent_lines_serve"]) {
      const { spans } = await run(name, "turn");
      const task = spans.find((span) => span.name === "opencode.tool.task");
      const childId = String(task?.attributes["tool.child_session_id"]);
      const parentId = task ? sessionOf(task) : "";
      const childTurns = kind(spans, "turn").filter((turn) => sessionOf(turn) === childId);
      expect(childTurns.length).toBeGreaterThan(0);
      for (const turn of childTurns) {
        expect([turn.parentSpanId, turn.traceId]).toEqual([
          task?.spanId ?? "",
          task?.traceId ?? "",
        ]);
        // Langfuse keeps the trace in the parent's session.
        expect(turn.attributes["langfuse.session.id"]).toBe(parentId);
      }
      const sessions = kind(spans, "session");
      const parent = sessions.find((span) => sessionOf(span) === parentId);
      const child = sessions.find((span) => sessionOf(span) === childId);
      expect([child?.parentSpanId, child?.traceId]).toEqual([parent?.spanId, parent?.traceId]);
      const spawnedBy = child ? linksOf(child, "task") : [];
      expect(spawnedBy.map((link) => link.spanId)).toEqual([task?.spanId ?? ""]);
    }
  });

  test("an automatic compaction stays in the turn it interrupts; a requested one is a trace of its own, linked to its session", async () => {
    const auto = (await run("k_autocompaction_serve", "turn")).spans;
    const [inside] = kind(auto, "compaction");
    const turn = auto.find((span) => span.spanId === inside?.parentSpanId);
    expect(turn?.name).toBe("opencode.turn");
    expect(inside?.attributes["compaction.auto"]).toBe(true);

    const asked = (await run("h_compaction_serve", "turn")).spans;
    const [own] = kind(asked, "compaction");
    const [session] = kind(asked, "session");
    expect(own?.parentSpanId).toBe("");
    const toSession = own ? linksOf(own, "session") : [];
    expect(toSession.map((link) => link.spanId)).toEqual([session?.spanId ?? ""]);
    const summary = asked.filter((span) => span.parentSpanId === own?.spanId);
    expect(summary.map((span) => [span.name, span.traceId])).toEqual([
      ["opencode.llm", own?.traceId ?? ""],
    ]);
  });

  test("with capture on, each root carries its prompt as input and its final reply as output, as GenAI messages too", async () => {
    for (const name of ["b2_multiturn_serve", "d_subagent_serve", "a_single"]) {
      const { spans, records } = await run(name, "turn", CAPTURE);
      const prompts = promptsOf(records);
      for (const turn of kind(spans, "turn")) {
        const prompt = prompts.get(String(turn.attributes["prompt.id"]));
        expect(prompt).toBeString();
        expect(turn.attributes["input.value"]).toBe(prompt ?? "");
        expect(JSON.parse(String(turn.attributes["gen_ai.input.messages"]))).toEqual([
          { role: "user", parts: [{ type: "text", content: prompt }] },
        ]);
        // The reply: what the turn's last call that wrote text wrote.
        const calls = spans
          .filter((span) => span.parentSpanId === turn.spanId && span.name === "opencode.llm")
          .filter((span) => span.attributes["output.value"] !== undefined)
          .sort((a, b) => Number(a.endTimeUnixNano - b.endTimeUnixNano));
        const last = calls.at(-1);
        expect(last).toBeDefined();
        expect(turn.attributes["output.value"]).toBe(last?.attributes["output.value"] ?? "");
        const [message] = JSON.parse(String(turn.attributes["gen_ai.output.messages"]));
        expect(message).toEqual({
          role: "assistant",
          parts: [{ type: "text", content: last?.attributes["output.value"] }],
          finish_reason: "stop",
        });
      }
    }
  });

  test("the reply is what the turn's last call wrote, not text from a call before a tool", async () => {
    // b2_multiturn_serve's first turn: a tool call, then the answer. Text on the tool-call step
    // too (a model that says what it is about to do), right after the step's message appears, as
    // opencode sends a text part.
    const original = loadFixture("b2_multiturn_serve");
    const step = original.find((r) => JSON.stringify(r.input ?? "").includes('"role":"assistant"'));
    if (!step) throw new Error("b2_multiturn_serve has no assistant message");
    const properties = (step.input as { event: { properties: Record<string, unknown> } }).event
      .properties;
    const sessionID = String(properties.sessionID);
    const messageID = String((properties.info as { id: string }).id);
    expect(messageID).toStartWith("msg_");
    const said: Captured = {
      seq: step.seq,
      ts: step.ts,
      hook: "event",
      input: {
        event: {
          type: "message.part.updated",
          properties: {
            sessionID,
            part: { id: "prt_said", messageID, sessionID, type: "text", text: "Let me look." },
          },
        },
      },
    };
    const records = original.flatMap((r) => (r === step ? [r, said] : [r]));
    const collected = new Collected();
    await replay(records, {
      env: { ...TEST_ENV, HOME: work, OPENCODE_OTEL_TRACE_SCOPE: "turn", ...CAPTURE },
      exporters: collected.overrides(),
    });
    const spans = collected.spans.map(fromReadable);
    const first = roots(spans).find((turn) => indexOf(turn) === 1);
    const calls = spans.filter(
      (span) => span.parentSpanId === first?.spanId && span.name === "opencode.llm",
    );
    const texts = calls
      .sort((a, b) => Number(a.endTimeUnixNano - b.endTimeUnixNano))
      .map((call) => call.attributes["output.value"]);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toBe("Let me look.");
    expect(first?.attributes["output.value"]).toBe(texts[1] ?? "");
  });

  test("with capture off (the default), no root carries a prompt or a reply", async () => {
    const { spans } = await run("b2_multiturn_serve", "turn");
    for (const span of spans)
      for (const key of [
        "input.value",
        "output.value",
        "gen_ai.input.messages",
        "gen_ai.output.messages",
      ])
        expect(span.attributes).not.toHaveProperty(key);
  });

  test("a ratio sampler keeps or drops each turn whole, by its own id; the session's record by the session's", async () => {
    const name = "h_compaction_serve";
    const all = roots((await run(name, "turn")).spans);
    const ratio = 0.5;
    const sampled = (traceId: string) =>
      new TraceIdRatioBasedSampler(ratio).shouldSample(ROOT_CONTEXT, traceId).decision ===
      SamplingDecision.RECORD_AND_SAMPLED;
    const expected = all.filter((turn) => sampled(turn.traceId)).map((turn) => turn.spanId);
    // Five turns: the test is meaningless unless the ratio keeps some and drops some.
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
    for (const sampler of ["traceidratio", "parentbased_traceidratio"]) {
      const { spans } = await run(name, "turn", {
        OTEL_TRACES_SAMPLER: sampler,
        OTEL_TRACES_SAMPLER_ARG: String(ratio),
      });
      expect(roots(spans).map((turn) => turn.spanId)).toEqual(expected);
      // Whole turns: every exported span's trace is one of the kept turns, or a kept session
      // or compaction trace.
      const kept = new Set(spans.filter((span) => span.parentSpanId === "").map((s) => s.traceId));
      for (const span of spans) expect(kept.has(span.traceId)).toBe(true);
      for (const span of spans) expect(sampled(span.traceId)).toBe(true);
    }
  });
});

describe("session scope: a root from the first prompt on", () => {
  test("the zero-length session.start marker is exported at the first turn, while the session span is still open", async () => {
    // b2_multiturn_serve up to the first turn's end: no dispose, no deletion yet.
    const records = loadFixture("b2_multiturn_serve");
    const firstIdle = records.findIndex((r) =>
      JSON.stringify(r.input ?? "").includes('"session.idle"'),
    );
    const collected = new Collected();
    const [instance] = await replay(records.slice(0, firstIdle + 1), {
      env: { ...TEST_ENV, HOME: work },
      exporters: collected.overrides(),
      disposeAtEnd: false,
    });
    // The turn's end flushes shortly after it (a delay that gathers near turn ends): wait for it.
    for (let waited = 0; waited < 5000; waited += 20) {
      if (collected.spans.some((span) => span.name === "opencode.turn")) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const spans = collected.spans.map(fromReadable);
    const [marker] = kind(spans, "session.start");
    const [turn] = kind(spans, "turn");
    expect(kind(spans, "session")).toEqual([]);
    expect(marker?.parentSpanId).toBe("");
    expect(marker?.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "build",
      "session.id": turn ? sessionOf(turn) : "",
    });
    expect(turn?.traceId).toBe(marker?.traceId ?? "");
    await instance?.hooks.dispose?.();
    const all = collected.spans.map(fromReadable);
    const [session] = kind(all, "session");
    expect(session?.parentSpanId).toBe(marker?.spanId ?? "");
    expectTraceShape(all, "session");
  });
});

/** Metric points without their times and resource (a random instance id per process). */
function points(metrics: readonly ResourceMetrics[]): string[] {
  return metrics
    .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
    .flatMap((metric) =>
      metric.dataPoints.map((point: { attributes: object; value: unknown }) =>
        JSON.stringify([metric.descriptor.name, point.attributes, point.value]),
      ),
    )
    .sort();
}

/** Log records without their times and span context. */
function records(logs: readonly ReadableLogRecord[]): string[] {
  return logs
    .map((log) => {
      const { "event.timestamp": _time, ...attributes } = log.attributes;
      // An api_error for a call that never ended measures it to the wall clock, which a replay
      // (on the capture's clock) does not share.
      if (log.attributes["event.name"] === "api_error") delete attributes.duration_ms;
      return JSON.stringify([log.eventName, log.body, log.severityText, attributes]);
    })
    .sort();
}

describe("the same metrics and log events in both scopes", () => {
  test.each([...FIXTURES])("%s", async (name) => {
    const [session, turn] = await Promise.all(
      (["session", "turn"] as const).map((scope) => run(name, scope, CAPTURE)),
    );
    if (!session || !turn) return;
    expect(points(turn.collected.metrics)).toEqual(points(session.collected.metrics));
    expect(records(turn.collected.logs)).toEqual(records(session.collected.logs));
    expect(points(session.collected.metrics).length).toBeGreaterThan(0);
    expect(records(session.collected.logs).length).toBeGreaterThan(0);
    // Every log record still links to a span of its own session, in either scope.
    for (const { collected } of [session, turn]) {
      const ids = new Map(
        collected.spans.map((span: ReadableSpan) => [span.spanContext().spanId, span]),
      );
      for (const log of collected.logs) {
        const span = ids.get(log.spanContext?.spanId ?? "");
        expect(span?.spanContext().traceId).toBe(log.spanContext?.traceId ?? "");
        expect(String(span?.attributes["session.id"])).toBe(String(log.attributes["session.id"]));
      }
    }
  });
});

async function report(db: string, by: string): Promise<unknown> {
  let out = "";
  const io: Io = {
    out: (text) => {
      out += text;
    },
    err: () => undefined,
    columns: undefined,
    errIsTty: false,
    interrupted: new Promise(() => undefined),
    env: {},
  };
  const code = await runCli(["report", "--by", by, "--json", "--db", db, "--utc"], io);
  expect(code).toBe(0);
  return JSON.parse(out);
}

describe("the local store", () => {
  test("report --json gives the same figures in both scopes, for every grouping", async () => {
    const captures = ["b1_multiturn_run", "d_subagent_serve", "h_compaction_serve", "f_lines_run"];
    const dbs: string[] = [];
    for (const scope of ["session", "turn"] as const) {
      const db = join(work, `${scope}.db`);
      dbs.push(db);
      for (const name of captures)
        await run(name, scope, { OPENCODE_OTLP_PROTOCOL: "local", OPENCODE_OTEL_STORE: db });
    }
    const [sessionDb = "", turnDb = ""] = dbs;
    for (const by of ["day", "session", "model", "agent", "tool"]) {
      const figures = await report(sessionDb, by);
      expect(await report(turnDb, by)).toEqual(figures);
    }
    const bySession = (await report(sessionDb, "session")) as Report;
    // Four captures: two sessions in d_subagent_serve, one in each of the others.
    expect(bySession.rows).toHaveLength(5);
    expect(bySession.rows.reduce((sum, row) => sum + row.turns, 0)).toBe(3 + 2 + 5 + 2);
  });
});
