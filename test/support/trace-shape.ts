/**
 * The structural promises of both trace scopes, checked on exported spans: from the SDK's
 * in-memory exporter (replays) or decoded from OTLP (a real receiver). One checker, so the
 * replay and end-to-end suites hold both scopes to the same rules.
 */
import { expect } from "bun:test";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { TraceScope } from "../../src/config/types.js";
import { sessionStartIds, traceIdForSession, turnIds } from "../../src/sdk/ids.js";
import type { Attributes, ReceivedSpan } from "./otlp-types.js";

export type { TraceScope };
export const SCOPES: readonly TraceScope[] = ["session", "turn"];

/** What the checks read of a span. `parentSpanId` is `""` for a root. */
export type ShapeSpan = Pick<
  ReceivedSpan,
  | "traceId"
  | "spanId"
  | "parentSpanId"
  | "name"
  | "attributes"
  | "links"
  | "startTimeUnixNano"
  | "endTimeUnixNano"
  | "resource"
>;

const nanos = ([seconds, ns]: readonly [number, number]) =>
  BigInt(seconds) * 1_000_000_000n + BigInt(ns);

/** The SDK's attributes as decoded OTLP has them: absent values left out. */
function defined(attributes: Readonly<Record<string, unknown>>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    const scalar = scalarOf(value);
    if (scalar !== null) out[key] = scalar;
    else if (Array.isArray(value)) out[key] = value.map(scalarOf);
  }
  return out;
}

const scalarOf = (value: unknown): string | number | boolean | null =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? value
    : null;

/** An SDK span as the checks read it. */
export function fromReadable(span: ReadableSpan): ShapeSpan {
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? "",
    name: span.name,
    attributes: defined(span.attributes),
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      attributes: defined(link.attributes ?? {}),
    })),
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    resource: defined(span.resource.attributes),
  };
}

export const sessionOf = (span: ShapeSpan) => String(span.attributes["session.id"]);
export const indexOf = (span: ShapeSpan) => Number(span.attributes["turn.index"]);
const instanceOf = (span: ShapeSpan) => span.resource["service.instance.id"];
export const linksOf = (span: ShapeSpan, type: string) =>
  span.links.filter((link) => link.attributes["link.type"] === type);

/** The spans of one kind (default prefix). */
export function kind(spans: readonly ShapeSpan[], name: string): ShapeSpan[] {
  return spans.filter((span) => span.name === `opencode.${name}`);
}

const isTool = (span: ShapeSpan) => span.name.startsWith("opencode.tool.");

/**
 * Every rule of `scope` on `spans`: each span exported once, ended after it started, under a
 * parent that was exported too (unless `outside` says its parent is elsewhere) and in its
 * trace; LLM and tool calls under a turn (or compaction) of their own session; each turn's
 * totals equal to its calls'; and where sessions, turns and compactions hang, by scope.
 */
export function expectTraceShape(
  spans: readonly ShapeSpan[],
  scope: TraceScope,
  outside: (span: ShapeSpan) => boolean = () => false,
): void {
  expect(spans.length).toBeGreaterThan(0);
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  expect(byId.size).toBe(spans.length);
  const parentOf = (span: ShapeSpan) => byId.get(span.parentSpanId);
  for (const span of spans) {
    expect(span.endTimeUnixNano).toBeGreaterThanOrEqual(span.startTimeUnixNano);
    if (span.parentSpanId === "" || outside(span)) continue;
    const parent = parentOf(span);
    expect({ span: span.name, parentExported: parent !== undefined }).toEqual({
      span: span.name,
      parentExported: true,
    });
    expect(span.traceId).toBe(parent?.traceId ?? "");
  }

  const sessions = kind(spans, "session");
  const turns = kind(spans, "turn");
  const compactions = kind(spans, "compaction");
  // LLM calls and tools hang under a turn or compaction of their own session.
  for (const span of spans) {
    if (span.name !== "opencode.llm" && !isTool(span)) continue;
    const parent = parentOf(span);
    expect(["opencode.turn", "opencode.compaction"]).toContain(parent?.name ?? "");
    expect(parent && sessionOf(parent)).toBe(sessionOf(span));
    if (isTool(span)) expect(parent?.name).toBe("opencode.turn");
  }
  // A turn's totals are its own calls'.
  for (const turn of [...turns, ...compactions]) {
    const calls = spans.filter(
      (span) => span.name === "opencode.llm" && span.parentSpanId === turn.spanId,
    );
    const tokens = calls.reduce(
      (sum, call) =>
        sum +
        Number(call.attributes["gen_ai.usage.input_tokens"]) +
        Number(call.attributes["gen_ai.usage.output_tokens"]),
      0,
    );
    expect(turn.attributes["turn.llm_calls"]).toBe(calls.length);
    expect(turn.attributes["turn.total_tokens"]).toBe(tokens);
  }
  // A subagent's spawning call: the task tool span that names its session.
  const taskOf = (sessionId: string) =>
    spans.find(
      (span) =>
        span.name === "opencode.tool.task" &&
        span.attributes["tool.child_session_id"] === sessionId,
    );
  const sessionSpansOf = (sessionId: string) =>
    sessions.filter((span) => sessionOf(span) === sessionId);

  if (scope === "session")
    expectSessionScope(spans, { sessions, turns, compactions, parentOf, taskOf });
  else expectTurnScope(spans, { sessions, turns, compactions, parentOf, taskOf, sessionSpansOf });
}

interface Kinds {
  readonly sessions: ShapeSpan[];
  readonly turns: ShapeSpan[];
  readonly compactions: ShapeSpan[];
  readonly parentOf: (span: ShapeSpan) => ShapeSpan | undefined;
  readonly taskOf: (sessionId: string) => ShapeSpan | undefined;
}

/**
 * `session` scope: a session is one trace, named after its id. A new session's trace is rooted
 * in a zero-length `session.start` marker with the session span under it; a resumed segment is
 * a root of the same trace that links to the marker; turns and compactions hang under their
 * process's session span; a subagent's session under the task call that spawned it.
 */
function expectSessionScope(spans: readonly ShapeSpan[], k: Kinds): void {
  const markers = kind(spans, "session.start");
  for (const marker of markers) {
    const ids = sessionStartIds(sessionOf(marker));
    expect([marker.parentSpanId, marker.traceId, marker.spanId]).toEqual([
      "",
      ids.traceId,
      ids.spanId,
    ]);
    expect(marker.endTimeUnixNano).toBe(marker.startTimeUnixNano);
  }
  expect(new Set(markers.map(sessionOf)).size).toBe(markers.length);
  for (const session of k.sessions) {
    const id = sessionOf(session);
    const parent = k.parentOf(session);
    if (session.attributes["agent.type"] === "subagent") {
      if (parent) expect(parent).toBe(k.taskOf(id) ?? parent);
      if (parent) expect(parent.name).toBe("opencode.tool.task");
      continue;
    }
    expect(session.traceId).toBe(traceIdForSession(id));
    if (session.attributes["session.resumed"] === true) {
      expect(session.parentSpanId).toBe("");
      expect(linksOf(session, "session_start").map((link) => link.spanId)).toEqual([
        sessionStartIds(id).spanId,
      ]);
    } else expect(parent?.name).toBe("opencode.session.start");
  }
  for (const span of [...k.turns, ...k.compactions]) {
    const parent = k.parentOf(span);
    expect(parent?.name).toBe("opencode.session");
    expect(parent && sessionOf(parent)).toBe(sessionOf(span));
    expect(span.links).toEqual([]);
  }
  for (const turn of k.turns) expect(turn.attributes["openinference.span.kind"]).toBe("CHAIN");
  // One trace per session: its spans (a subagent's included, in its parent's) share one id.
  const traces = new Map<string, Set<string>>();
  for (const span of spans) {
    const set = traces.get(sessionOf(span)) ?? new Set();
    set.add(span.traceId);
    traces.set(sessionOf(span), set);
  }
  for (const ids of traces.values()) expect(ids.size).toBe(1);
}

/**
 * `turn` scope: each user turn is a trace of its own, rooted in an agent span whose ids derive
 * from the session and the prompt, linked to the turn before it (turn N to turn N−1, across
 * processes too) and to its process's session span; a subagent's turns under the task call
 * that spawned them; a session's span is a trace of its own (a subagent's beside its parent's);
 * an automatic compaction inside its turn, a requested one a root.
 */
function expectTurnScope(
  spans: readonly ShapeSpan[],
  k: Kinds & { readonly sessionSpansOf: (sessionId: string) => ShapeSpan[] },
): void {
  expect(kind(spans, "session.start")).toEqual([]);
  for (const session of k.sessions) {
    const id = sessionOf(session);
    const parent = k.parentOf(session);
    if (session.attributes["agent.type"] === "subagent") {
      if (!parent) continue;
      expect(parent.name).toBe("opencode.session");
      expect(sessionOf(parent)).toBe(String(session.attributes["session.parent_id"]));
      continue;
    }
    expect([session.parentSpanId, session.traceId]).toEqual(["", traceIdForSession(id)]);
  }
  // Only session spans in a session's trace: nothing there waits for the session to end.
  for (const session of k.sessions) {
    const others = spans.filter(
      (span) => span.traceId === session.traceId && span.name !== "opencode.session",
    );
    expect(others.map((span) => span.name)).toEqual([]);
  }
  const roots = k.turns.filter((turn) => turn.parentSpanId === "");
  expect(new Set(roots.map((turn) => turn.traceId)).size).toBe(roots.length);
  for (const turn of k.turns) {
    const id = sessionOf(turn);
    expect(turn.attributes["openinference.span.kind"]).toBe("AGENT");
    expect(turn.attributes["gen_ai.operation.name"]).toBe("invoke_agent");
    const parent = k.parentOf(turn);
    if (parent) {
      // A subagent's turn: under the task call that spawned it, in that turn's trace.
      expect(parent.name).toBe("opencode.tool.task");
      expect(parent.attributes["tool.child_session_id"]).toBe(id);
    } else {
      const prompt = turn.attributes["prompt.id"];
      if (typeof prompt === "string") {
        const ids = turnIds(id, prompt);
        expect([turn.traceId, turn.spanId]).toEqual([ids.traceId, ids.spanId]);
      }
    }
    // Linked to its process's session span...
    const own = k.sessionSpansOf(id).filter((span) => instanceOf(span) === instanceOf(turn));
    const toSession = linksOf(turn, "session");
    if (own.length > 0)
      expect(toSession.map((link) => link.spanId)).toEqual(own.map((s) => s.spanId));
    // ...and to the turn before it, which is exported too.
    const previous = linksOf(turn, "previous_turn");
    if (indexOf(turn) <= 1) expect(previous).toEqual([]);
    else {
      const before = k.turns.filter((t) => sessionOf(t) === id && indexOf(t) === indexOf(turn) - 1);
      expect(before).toHaveLength(1);
      expect(previous.map((link) => [link.traceId, link.spanId])).toEqual(
        before.map((t) => [t.traceId, t.spanId]),
      );
    }
  }
  // One trace per turn: a root turn's trace holds it and what hangs under it, nothing else.
  const descends = (span: ShapeSpan, root: ShapeSpan): boolean => {
    for (let up: ShapeSpan | undefined = span; up; up = k.parentOf(up))
      if (up === root) return true;
    return false;
  };
  for (const root of roots) {
    const strays = spans.filter((span) => span.traceId === root.traceId && !descends(span, root));
    expect(strays.map((span) => span.name)).toEqual([]);
  }
  for (const compaction of k.compactions) {
    const parent = k.parentOf(compaction);
    if (parent)
      expect([parent.name, sessionOf(parent)]).toEqual(["opencode.turn", sessionOf(compaction)]);
    else expect(compaction.attributes["compaction.auto"]).toBe(false);
  }
}
