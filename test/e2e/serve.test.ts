/**
 * `opencode serve` end to end: one server for the whole file (its start-up is most of a warm
 * scenario's cost), driven over its HTTP API. Each scenario works in its own session(s) and
 * reads only its own session's telemetry; metric points carry `session.id` here
 * (`OTEL_METRICS_INCLUDE_SESSION_ID`) so they can be told apart too.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ReceivedMetricPoint } from "../support/otlp-receiver.js";
import { TOKENS_PER_STEP, USAGE } from "./support/mock-model.js";
import { createProject, type Serve, startServe } from "./support/opencode.js";
import { type Suite, startSuite, telemetryEnv } from "./support/suite.js";
import {
  costOf,
  counterTotal,
  eventsNamed,
  expectChildrenOf,
  expectWellFormedTrace,
  histogramCount,
  sessionTelemetry,
  turnIndex,
} from "./support/telemetry.js";

let suite: Suite;
let serve: Serve | undefined;
beforeAll(async () => {
  suite = await startSuite();
  serve = await startServe({
    project: createProject("serve", { "notes.txt": "hello notes\n" }),
    env: telemetryEnv({
      receiver: suite.receiver,
      protocol: "grpc",
      label: "serve",
      extra: { OTEL_METRICS_INCLUDE_SESSION_ID: "true" },
    }),
  });
}, 90_000);
afterAll(async () => {
  await serve?.stop();
  await suite?.close();
});

function server(): Serve {
  if (!serve) throw new Error("opencode serve did not start");
  return serve;
}

const ofSession = (sessionId: string) => (point: ReceivedMetricPoint) =>
  point.attributes["session.id"] === sessionId;

describe("opencode serve", () => {
  test("three prompts then DELETE: one trace, the session span ends at deletion with totals over all turns", async () => {
    const { receiver } = suite;
    const api = server();
    const id = await api.createSession();
    await api.prompt(id, "first turn, just talk");
    await api.prompt(id, "second turn [[read:notes.txt]]");
    await api.prompt(id, "third turn [[bash:echo three]]");

    // Each finished turn is flushed at once; the session span stays open across idle.
    await receiver.waitFor(() => sessionTelemetry(receiver, id).turns.length === 3, 15_000);
    expect(sessionTelemetry(receiver, id).sessions).toHaveLength(0);

    await api.deleteSession(id);
    await receiver.waitFor(() => sessionTelemetry(receiver, id).sessions.length > 0, 15_000);
    const t = sessionTelemetry(receiver, id);
    expectWellFormedTrace(t.spans);
    expect(t.sessions).toHaveLength(1);
    const [session] = t.sessions;
    if (!session) return;
    const steps = 1 + 2 + 2;
    expect(session.attributes).toMatchObject({
      "session.end_reason": "deleted",
      "session.total_turns": 3,
      "session.total_messages": steps,
      "session.total_errors": 0,
      "session.total_tokens": steps * TOKENS_PER_STEP,
    });
    expect(session.attributes["session.total_cost_usd"]).toBeCloseTo(costOf(steps), 12);
    expect(t.turns.map(turnIndex)).toEqual([1, 2, 3]);
    expectChildrenOf(session, t.turns);
    for (const turn of t.turns) expect(turn.status.code).not.toBe("error");
    expect(t.llms).toHaveLength(steps);
    expect(t.tools.map((span) => span.name).sort()).toEqual([
      "opencode.tool.bash",
      "opencode.tool.read",
    ]);
    // Tools hang under the turn that ran them.
    const turnOf = (name: string) => t.tools.find((span) => span.name === name)?.parentSpanId;
    expect(turnOf("opencode.tool.read")).toBe(t.turns[1]?.spanId ?? "");
    expect(turnOf("opencode.tool.bash")).toBe(t.turns[2]?.spanId ?? "");

    const idle = eventsNamed(t.logs, "session.idle");
    expect(idle.map((log) => [log.attributes["turn.index"], log.attributes.status])).toEqual([
      [1, "ok"],
      [2, "ok"],
      [3, "ok"],
    ]);
    expect(eventsNamed(t.logs, "user_prompt")).toHaveLength(3);
    expect(eventsNamed(t.logs, "api_request")).toHaveLength(steps);

    const points = receiver.metrics.filter(ofSession(id));
    expect(counterTotal(points, "opencode.token.usage", (p) => p.attributes.type === "input")).toBe(
      steps * (USAGE.prompt - USAGE.cached),
    );
    expect(counterTotal(points, "opencode.cost.usage")).toBeCloseTo(costOf(steps), 12);
    // Recorded once per session, at finalization, and flushed with the deletion.
    expect(histogramCount(points, "opencode.session.duration")).toBe(1);
    expect(receiver.errors).toEqual([]);
  }, 60_000);
});
