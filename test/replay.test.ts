import { describe, expect, test } from "bun:test";
import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { expectedTotals, FIXTURES, loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay, TEST_ENV } from "./support/replay.js";
import {
  expectTraceShape,
  fromReadable,
  linksOf,
  SCOPES,
  type TraceScope,
} from "./support/trace-shape.js";

const hex = (span: ReadableSpan) => span.spanContext().spanId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const attr = (span: ReadableSpan, key: string) => span.attributes[key];
const byIndex = (a: ReadableSpan, b: ReadableSpan) =>
  Number(attr(a, "turn.index")) - Number(attr(b, "turn.index"));

async function run(name: string, scope: TraceScope = "session") {
  const collected = new Collected();
  const records = loadFixture(name);
  await replay(records, {
    env: { ...TEST_ENV, OPENCODE_OTEL_TRACE_SCOPE: scope },
    exporters: collected.overrides(),
  });
  return { spans: collected.spans, logs: collected.logs, metrics: collected.metrics, records };
}

describe.each(SCOPES)("%s trace scope", (scope) => {
  describe.each(FIXTURES)("replaying %s", (name) => {
    test("every span ended once, under an exported parent, where its trace scope puts it", async () => {
      const { spans } = await run(name, scope);
      for (const span of spans) expect(span.ended).toBe(true);
      expectTraceShape(spans.map(fromReadable), scope);
    });

    test("puts lifetime totals over every assistant message on the latest session span", async () => {
      const { spans, records } = await run(name, scope);
      const expected = expectedTotals(records);
      expect(expected.size).toBeGreaterThan(0);
      for (const [sessionId, total] of expected) {
        const segments = spans
          .filter(
            (span) => span.name === "opencode.session" && attr(span, "session.id") === sessionId,
          )
          .sort((a, b) => Number(a.endTime[0] - b.endTime[0]) || a.endTime[1] - b.endTime[1]);
        const latest = segments.at(-1);
        expect(latest).toBeDefined();
        expect(attr(latest as ReadableSpan, "session.total_tokens")).toBe(total.tokens);
        expect(attr(latest as ReadableSpan, "session.total_cost_usd")).toBeCloseTo(total.cost, 10);
      }
    });

    test("exports LLM calls as CLIENT spans and tools with their outcome", async () => {
      const { spans } = await run(name, scope);
      const llms = spans.filter((span) => span.name === "opencode.llm");
      expect(llms.length).toBeGreaterThan(0);
      for (const llm of llms) {
        expect(llm.kind).toBe(SpanKind.CLIENT);
        expect(attr(llm, "gen_ai.operation.name")).toBe("chat");
        expect(attr(llm, "gen_ai.request.model")).toBe("mock-model");
      }
      for (const tool of spans.filter((span) => span.name.startsWith("opencode.tool."))) {
        expect(typeof attr(tool, "tool.success")).toBe("boolean");
        expect(attr(tool, "gen_ai.operation.name")).toBe("execute_tool");
      }
    });
  });

  describe("lifecycle", () => {
    test("keeps the session span open across idle and errors: every later turn belongs to it", async () => {
      const { spans } = await run("c2_errors_serve", scope);
      const sessions = spans.filter((span) => span.name === "opencode.session");
      expect(sessions).toHaveLength(1);
      const session = sessions[0] as ReadableSpan;
      const turns = spans.filter((span) => span.name === "opencode.turn").sort(byIndex);
      expect(turns).toHaveLength(7);
      // Under the session span, or (one trace per turn) linked to it.
      for (const turn of turns)
        if (scope === "session") expect(parentOf(turn)).toBe(hex(session));
        else expect(linksOf(fromReadable(turn), "session")[0]?.spanId).toBe(hex(session));
      const traces = new Set(turns.map((turn) => turn.spanContext().traceId));
      expect(traces.size).toBe(scope === "session" ? 1 : 7);
      expect(attr(session, "session.total_turns")).toBe(7);
      // Failed turns are ERROR; the ones after them are fine.
      expect(turns.map((turn) => turn.status.code)).toEqual([0, 2, 0, 2, 0, 2, 0]);
      expect(session.events.filter((event) => event.name === "session.error")).toHaveLength(2);
    });

    test("finalizes a deleted session at deletion, with totals over all three turns", async () => {
      const { spans, records } = await run("b2_multiturn_serve", scope);
      const session = spans.find((span) => span.name === "opencode.session") as ReadableSpan;
      expect(attr(session, "session.end_reason")).toBe("deleted");
      expect(attr(session, "session.total_turns")).toBe(3);
      const deleted = records.find(
        (r) => r.hook === "event" && JSON.stringify(r.input).includes('"session.deleted"'),
      );
      expect(session.endTime[0]).toBe(Math.floor((deleted?.ts ?? 0) / 1000));
    });

    test("gives a resumed session's segments from three processes one session trace", async () => {
      const { spans } = await run("b1_multiturn_run", scope);
      const sessions = spans.filter((span) => span.name === "opencode.session");
      expect(sessions).toHaveLength(3);
      expect(new Set(sessions.map((span) => span.spanContext().traceId)).size).toBe(1);
      expect(sessions.map((span) => attr(span, "session.resumed"))).toEqual([false, true, true]);
      expect(sessions.map((span) => attr(span, "session.total_turns"))).toEqual([1, 1, 1]);
      // The three turns: in it, or three traces of their own.
      const turns = spans.filter((span) => span.name === "opencode.turn");
      const traces = new Set(turns.map((span) => span.spanContext().traceId));
      expect(traces.size).toBe(scope === "session" ? 1 : 3);
    });

    test("ends the tool cut off by an abort with ERROR, and the next turn is normal", async () => {
      const { spans } = await run("e_abort_serve", scope);
      const bash = spans.filter((span) => span.name === "opencode.tool.bash");
      expect(bash).toHaveLength(1);
      expect(bash[0]?.status.code).toBe(2);
      const turns = spans.filter((span) => span.name === "opencode.turn").sort(byIndex);
      expect(turns.map((turn) => turn.status.code)).toEqual([2, 2, 0]);
    });
  });
});

describe("metrics and logs", () => {
  test("metric points carry no session or message ids by default", async () => {
    const { metrics } = await run("c2_errors_serve");
    const points: { attributes: Record<string, unknown> }[] = metrics.flatMap((rm) =>
      rm.scopeMetrics.flatMap((sm) =>
        sm.metrics.flatMap((m): { attributes: Record<string, unknown> }[] => m.dataPoints),
      ),
    );
    expect(points.length).toBeGreaterThan(0);
    for (const point of points) {
      for (const key of Object.keys(point.attributes))
        expect(key).not.toMatch(/session\.id|message|prompt\.id|call/);
    }
  });

  test("records each per-session histogram once per session", async () => {
    const { metrics } = await run("d_subagent_serve");
    const last = metrics.at(-1);
    const find = (name: string) =>
      last?.scopeMetrics.flatMap((sm) => sm.metrics).find((m) => m.descriptor.name === name);
    for (const name of [
      "opencode.session.duration",
      "opencode.session.token.total",
      "opencode.session.cost.total",
    ]) {
      const metric = find(name);
      expect(metric).toBeDefined();
      let count = 0;
      const points: { value: unknown }[] = metric?.dataPoints ?? [];
      for (const { value } of points)
        if (typeof value === "object" && value !== null && "count" in value)
          count += Number(value.count);
      expect(count).toBe(2);
    }
  });

  test.each(SCOPES)(
    "counts retries and reports each failed call as one api_error linked to its trace (%s trace scope)",
    async (scope) => {
      const { metrics, logs, spans } = await run("c2_errors_serve", scope);
      const last = metrics.at(-1);
      const retry = last?.scopeMetrics
        .flatMap((sm) => sm.metrics)
        .find((m) => m.descriptor.name === "opencode.retry.count");
      const retries = (retry?.dataPoints ?? []).reduce(
        (sum, point) => sum + Number(point.value),
        0,
      );
      expect(retries).toBe(1 + 5 + 3);
      const apiErrors = logs.filter((log) => log.attributes["event.name"] === "api_error");
      expect(apiErrors).toHaveLength(2);
      const traceIds = new Set(spans.map((span) => span.spanContext().traceId));
      for (const log of logs) expect(traceIds.has(log.spanContext?.traceId ?? "")).toBe(true);
      const sequences = logs.map((log) => Number(log.attributes["event.sequence"]));
      expect(new Set(sequences).size).toBe(sequences.length);
    },
  );
});
