/**
 * Reading what the OTLP receiver collected from real opencode: one session's spans, logs and
 * metric points, plus the structural checks every scenario makes (one trace, nothing orphaned).
 */
import { expect } from "bun:test";
import type {
  ReceivedLog,
  ReceivedMetricPoint,
  ReceivedSpan,
  Receiver,
} from "../../support/otlp-receiver.js";
import { linksOf, type TraceScope } from "../../support/trace-shape.js";
import { USAGE } from "./mock-model.js";
import { PRICES } from "./opencode.js";

/** Resource attribute naming the opencode process a record came from (set per process). */
export const PROCESS_ATTRIBUTE = "e2e.process";

/** Environment that labels every record of one process with `e2e.process=<label>`. */
export function processLabel(label: string): Record<string, string> {
  return { OTEL_RESOURCE_ATTRIBUTES: `${PROCESS_ATTRIBUTE}=${label}` };
}

/** Cost opencode computes for `steps` mock LLM steps (prices are USD per million tokens). */
export function costOf(steps: number): number {
  const input = (USAGE.prompt - USAGE.cached) * PRICES.input;
  const cached = USAGE.cached * PRICES.cache_read;
  return (steps * (input + cached + USAGE.completion * PRICES.output)) / 1e6;
}

/** Everything exported about one session, by span name. */
export interface SessionTelemetry {
  readonly spans: ReceivedSpan[];
  readonly sessions: ReceivedSpan[];
  readonly turns: ReceivedSpan[];
  readonly llms: ReceivedSpan[];
  readonly tools: ReceivedSpan[];
  readonly logs: ReceivedLog[];
}

export function sessionTelemetry(receiver: Receiver, sessionId: string): SessionTelemetry {
  const spans = receiver.spans.filter((span) => span.attributes["session.id"] === sessionId);
  const named = (name: string) => spans.filter((span) => span.name === name);
  return {
    spans,
    sessions: named("opencode.session"),
    turns: named("opencode.turn").sort((a, b) => turnIndex(a) - turnIndex(b)),
    llms: named("opencode.llm"),
    tools: spans.filter((span) => span.name.startsWith("opencode.tool.")),
    logs: receiver.logs.filter((log) => log.attributes["session.id"] === sessionId),
  };
}

export const turnIndex = (span: ReceivedSpan) => Number(span.attributes["turn.index"]);

/** Log records of one event (`user_prompt`, `api_request`, ...). */
export const eventsNamed = (logs: readonly ReceivedLog[], name: string) =>
  logs.filter((log) => log.attributes["event.name"] === name);

/**
 * The structural promises of session scope: one trace; every span id unique (nothing exported
 * twice); every span's parent exported too (nothing orphaned), `roots` being the spans allowed
 * to have a parent outside `spans` (a subagent's session span) or none; every span ended after
 * it started. `expectTraceShape` (test/support/trace-shape.ts) holds both scopes to more.
 */
export function expectWellFormedTrace(
  spans: readonly ReceivedSpan[],
  roots: readonly ReceivedSpan[] = spans.filter(
    (span) => span.name === "opencode.session" || span.parentSpanId === "",
  ),
): void {
  expect(spans.length).toBeGreaterThan(0);
  expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
  const ids = new Set(spans.map((span) => span.spanId));
  expect(ids.size).toBe(spans.length);
  for (const span of spans) {
    expect(span.endTimeUnixNano).toBeGreaterThanOrEqual(span.startTimeUnixNano);
    if (roots.includes(span)) continue;
    expect({ span: span.name, parentExported: ids.has(span.parentSpanId) }).toEqual({
      span: span.name,
      parentExported: true,
    });
  }
}

/**
 * Asserts `turns` belong to `session`: under its span in session scope; in turn scope each the
 * root of a trace of its own, linked to it.
 */
export function expectTurnsOf(
  session: ReceivedSpan,
  turns: readonly ReceivedSpan[],
  scope: TraceScope,
): void {
  if (scope === "session") {
    expectChildrenOf(session, turns);
    return;
  }
  for (const turn of turns) {
    expect({ span: turn.name, parent: turn.parentSpanId }).toEqual({ span: turn.name, parent: "" });
    expect(linksOf(turn, "session").map((link) => link.spanId)).toEqual([session.spanId]);
  }
  expect(new Set(turns.map((turn) => turn.traceId)).size).toBe(turns.length);
}

/** Asserts `children` all hang under `parent`. */
export function expectChildrenOf(parent: ReceivedSpan, children: readonly ReceivedSpan[]): void {
  for (const child of children) {
    expect({ span: child.name, parent: child.parentSpanId }).toEqual({
      span: child.name,
      parent: parent.spanId,
    });
    expect(child.traceId).toBe(parent.traceId);
  }
}

/**
 * The latest export of each series of a cumulative metric (series: process × attributes × start
 * time), so summing them never counts a re-export twice.
 */
function latestPoints(
  points: readonly ReceivedMetricPoint[],
  name: string,
  where: (point: ReceivedMetricPoint) => boolean,
): ReceivedMetricPoint[] {
  const latest = new Map<string, ReceivedMetricPoint>();
  for (const point of points) {
    if (point.name !== name || !where(point)) continue;
    const key = JSON.stringify([
      point.resource[PROCESS_ATTRIBUTE],
      point.attributes,
      String(point.startTimeUnixNano),
    ]);
    const seen = latest.get(key);
    if (!seen || point.timeUnixNano >= seen.timeUnixNano) latest.set(key, point);
  }
  return [...latest.values()];
}

/** Current value of a cumulative counter, summed over its series. */
export function counterTotal(
  points: readonly ReceivedMetricPoint[],
  name: string,
  where: (point: ReceivedMetricPoint) => boolean = () => true,
): number {
  let total = 0;
  for (const point of latestPoints(points, name, where)) {
    if (point.type === "sum") total += point.value;
  }
  return total;
}

/**
 * `read()` once it equals `expected`, or its last value after `timeoutMs`: metric points come on
 * their own schedule (the export interval, dispose), after the spans a test waited for. The
 * caller asserts on the result, so a mismatch shows both values.
 */
export async function settled(
  read: () => number,
  expected: number,
  timeoutMs = 10_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (read() !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return read();
}

/** Observations recorded by a cumulative histogram, summed over its series. */
export function histogramCount(
  points: readonly ReceivedMetricPoint[],
  name: string,
  where: (point: ReceivedMetricPoint) => boolean = () => true,
): number {
  let total = 0;
  for (const point of latestPoints(points, name, where)) {
    if (point.type === "histogram") total += point.value.count;
  }
  return total;
}

/** Every exported string (attributes, events, bodies, resources) as one text, to grep for leaks. */
export function exportedText(receiver: Receiver, label?: string): string {
  const mine = <T extends { resource: Record<string, unknown> }>(records: readonly T[]) =>
    label === undefined
      ? records
      : records.filter((record) => record.resource[PROCESS_ATTRIBUTE] === label);
  return JSON.stringify(
    [...mine(receiver.spans), ...mine(receiver.logs), ...mine(receiver.metrics)],
    (_key, value) => (typeof value === "bigint" ? value.toString() : value),
  );
}
