/**
 * `opencode serve` end to end: one server per trace scope (its start-up is most of a warm
 * scenario's cost), driven over its HTTP API. Each scenario works in its own session(s) and
 * reads only its own session's telemetry; metric points carry `session.id` here
 * (`OTEL_METRICS_INCLUDE_SESSION_ID`) so they can be told apart too.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { ReceivedMetricPoint } from "../support/otlp-receiver.js";
import type { ReceivedSpan } from "../support/otlp-types.js";
import { expectTraceShape, linksOf, SCOPES } from "../support/trace-shape.js";
import { TOKENS_PER_STEP, USAGE } from "./support/mock-model.js";
import { createProject, sleep, waitUntil } from "./support/opencode.js";
import { localStore, storeReport } from "./support/report.js";
import { ownTotals, type Serve, startServe, waitForRunningTool } from "./support/serve.js";
import { type Suite, startSuite, telemetryEnv } from "./support/suite.js";
import {
  costOf,
  counterTotal,
  eventsNamed,
  expectChildrenOf,
  expectTurnsOf,
  histogramCount,
  sessionTelemetry,
  settled,
  turnIndex,
} from "./support/telemetry.js";

let suite: Suite;
beforeAll(async () => {
  suite = await startSuite();
});
afterAll(async () => {
  await suite?.close();
});

/** Reads one session's counter or histogram count (points carry `session.id` in this file). */
function sessionMetric(sessionId: string, name: string, where = (_: ReceivedMetricPoint) => true) {
  const points = () =>
    suite.receiver.metrics.filter((p) => p.attributes["session.id"] === sessionId);
  return {
    counter: () => counterTotal(points(), name, where),
    histogramCount: () => histogramCount(points(), name, where),
  };
}

/**
 * Waits until `sessions` session spans (one per plugin instance that held the session) and
 * `idle` session.idle events have arrived: spans and log records leave in requests of their
 * own, so the span alone does not say the events are there.
 */
async function finalized(
  receiver: Suite["receiver"],
  id: string,
  idle: number,
  sessions = 1,
): Promise<void> {
  await receiver.waitFor((r) => {
    const t = sessionTelemetry(r, id);
    return t.sessions.length >= sessions && eventsNamed(t.logs, "session.idle").length >= idle;
  }, 15_000);
}

describe.each(SCOPES)("opencode serve (%s trace scope)", (scope) => {
  let serve: Serve | undefined;
  /** The local store the server also writes (`report` reads it). */
  let db = "";
  beforeAll(async () => {
    db = join(createProject(`serve-store-${scope}`), "telemetry.db");
    serve = await startServe({
      project: createProject(`serve-${scope}`, { "notes.txt": "hello notes\n" }),
      env: telemetryEnv({
        receiver: suite.receiver,
        protocol: "grpc",
        label: `serve-${scope}`,
        // Metrics are not flushed per turn: export them often enough to wait for.
        metricsIntervalMs: 500,
        extra: {
          OTEL_METRICS_INCLUDE_SESSION_ID: "true",
          OPENCODE_OTEL_TRACE_SCOPE: scope,
          ...localStore(db),
        },
      }),
    });
  }, 90_000);
  afterAll(async () => {
    await serve?.stop();
  });

  function server(): Serve {
    if (!serve) throw new Error("opencode serve did not start");
    return serve;
  }

  /** The turn belongs to the session span: under it, or (turn scope) linked to it. */
  const belongsTo = (turn: ReceivedSpan, session: ReceivedSpan) =>
    scope === "session"
      ? turn.parentSpanId === session.spanId
      : linksOf(turn, "session").some((link) => link.spanId === session.spanId);

  test("three prompts then DELETE: the session span ends at deletion with totals over all turns", async () => {
    const { receiver } = suite;
    const api = server();
    const id = await api.createSession();
    const prompts = ["first turn, just talk", "second [[read:notes.txt]]", "third [[bash:echo 3]]"];
    for (const [index, prompt] of prompts.entries()) {
      await api.prompt(id, prompt);
      // Each finished turn is flushed promptly (the log batch delay is 10 minutes here; the bound
      // leaves room for a loaded machine)...
      await receiver.waitFor(() => {
        const t = sessionTelemetry(receiver, id);
        return t.turns.length === index + 1 && eventsNamed(t.logs, "session.idle").length > index;
      }, 10_000);
      // ...with its trace's root: in session scope the start marker (sent with the first turn),
      // in turn scope the turn itself, every call of it already there.
      const t = sessionTelemetry(receiver, id);
      const roots = t.spans.filter((span) => span.parentSpanId === "");
      expect(roots.map((span) => span.name)).toEqual(
        scope === "session" ? ["opencode.session.start"] : t.turns.map(() => "opencode.turn"),
      );
      const turn = t.turns[index];
      const calls = t.llms.filter((span) => span.parentSpanId === turn?.spanId);
      expect(calls).toHaveLength(Number(turn?.attributes["turn.llm_calls"]));
    }
    // ...while the session span stays open across idle.
    expect(sessionTelemetry(receiver, id).sessions).toHaveLength(0);

    await api.deleteSession(id);
    await receiver.waitFor(() => sessionTelemetry(receiver, id).sessions.length > 0, 15_000);
    const t = sessionTelemetry(receiver, id);
    expectTraceShape(t.spans, scope);
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
    expectTurnsOf(session, t.turns, scope);
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

    const input = steps * (USAGE.prompt - USAGE.cached);
    const tokens = sessionMetric(id, "opencode.token.usage", (p) => p.attributes.type === "input");
    expect(await settled(tokens.counter, input)).toBe(input);
    expect(sessionMetric(id, "opencode.cost.usage").counter()).toBeCloseTo(costOf(steps), 12);
    // Recorded once per session, at finalization.
    const duration = sessionMetric(id, "opencode.session.duration").histogramCount;
    expect(await settled(duration, 1)).toBe(1);
    expect(receiver.errors).toEqual([]);
  }, 60_000);

  test("a subagent through the task tool: its session nests under the task tool span", async () => {
    const { receiver } = suite;
    const api = server();
    const parentId = await api.createSession();
    await api.prompt(parentId, "delegate [[task:sub prompt [[bash:echo sub]]]]");
    await api.deleteSession(parentId);
    await receiver.waitFor(() => sessionTelemetry(receiver, parentId).sessions.length > 0, 15_000);
    const parent = sessionTelemetry(receiver, parentId);
    const task = parent.tools.find((span) => span.name === "opencode.tool.task");
    const childId = String(task?.attributes["tool.child_session_id"]);
    await receiver.waitFor(() => sessionTelemetry(receiver, childId).sessions.length > 0, 15_000);
    const child = sessionTelemetry(receiver, childId);
    expectTraceShape([...parent.spans, ...child.spans], scope);

    const [childSession] = child.sessions;
    expect(child.sessions).toHaveLength(1);
    expect(task?.attributes["tool.success"]).toBe(true);
    // Session scope: the child's session span hangs under the task tool span that spawned it,
    // its turns under it. Turn scope: its turns hang under the task call, in the parent turn's
    // trace; its session span (its record) beside the parent's, linked to the task call.
    const [parentSession] = parent.sessions;
    if (task && childSession && parentSession) {
      if (scope === "session") expectChildrenOf(task, [childSession]);
      else {
        expectChildrenOf(parentSession, [childSession]);
        expect(linksOf(childSession, "task").map((link) => link.spanId)).toEqual([task.spanId]);
        expectChildrenOf(task, child.turns);
      }
    }
    expect(childSession?.attributes).toMatchObject({
      "agent.type": "subagent",
      "agent.name": "general",
      "session.parent_id": parentId,
      // opencode deletes a session's children with it.
      "session.end_reason": "deleted",
      "session.total_turns": 1,
      "session.total_tokens": 2 * TOKENS_PER_STEP,
    });
    expect(child.turns).toHaveLength(1);
    const [childTurn] = child.turns;
    if (childSession && scope === "session") expectChildrenOf(childSession, child.turns);
    if (childTurn) expectChildrenOf(childTurn, [...child.llms, ...child.tools]);
    expect(child.tools.map((span) => span.name)).toEqual(["opencode.tool.bash"]);
    expect(parent.sessions[0]?.attributes["agent.type"]).toBe("primary");

    const [invoked] = eventsNamed(parent.logs, "subtask_invoked");
    expect(invoked?.attributes).toMatchObject({
      child_session_id: childId,
      subagent_type: "general",
    });
    expect(invoked?.spanId).toBe(task?.spanId ?? "");
    expect(eventsNamed(child.logs, "session.created")[0]?.attributes).toMatchObject({
      "agent.type": "subagent",
      "session.parent_id": parentId,
    });
    const subtasks = sessionMetric(parentId, "opencode.subtask.count").counter;
    expect(await settled(subtasks, 1)).toBe(1);
  }, 60_000);

  test("errors: 400, 500 after retries, 429 then success, a stream cut mid-answer, aborts while text streams and while a tool runs, then a normal turn", async () => {
    const { receiver, model } = suite;
    const api = server();
    const id = await api.createSession();
    // The mock counts attempts per prompt text: each scope's prompts are its own.
    const prompts = {
      badRequest: `bad request (${scope}) [[fail:400]]`,
      serverError: `server error (${scope}) [[fail:500]]`,
      rateLimited: `rate limited (${scope}) [[fail:429x1]]`,
      cutOnce: `cut mid-answer once (${scope}) [[cut:1]]`,
      slowText: `slow answer (${scope}) [[slow]]`,
      longTool: `long tool (${scope}) [[bash:sleep 30]]`,
      normal: "all good now",
    };
    // First make sure opencode saw what the script meant: two failed turns, then successes.
    const replies = [
      await api.prompt(id, prompts.badRequest),
      await api.prompt(id, prompts.serverError),
      await api.prompt(id, prompts.rateLimited),
      await api.prompt(id, prompts.cutOnce),
    ];
    expect(replies.map((reply) => reply.info.error?.data?.statusCode)).toEqual([
      400,
      500,
      undefined,
      undefined,
    ]);
    expect(replies.map((reply) => reply.info.finish)).toEqual([
      undefined,
      undefined,
      "stop",
      "stop",
    ]);
    // Abort while the answer streams, then while a tool runs.
    await api.promptAsync(id, prompts.slowText);
    await waitUntil(() => model.requests.some((r) => r.prompt === prompts.slowText), "slow answer");
    await sleep(600); // a few chunks in
    await api.abort(id);
    await api.waitIdle(id);
    await api.promptAsync(id, prompts.longTool);
    await waitForRunningTool(api, id);
    await api.abort(id);
    await api.waitIdle(id);
    expect((await api.prompt(id, prompts.normal)).info.error).toBeUndefined();
    // opencode's own aggregate, to compare the exported totals with.
    const own = ownTotals(await api.messages(id));
    await api.deleteSession(id);
    await finalized(receiver, id, 7);

    const attempts = (prompt: string) =>
      model.requests.filter((r) => r.kind === "chat" && r.prompt === prompt).length;
    const serverErrorAttempts = attempts(prompts.serverError);
    expect(attempts(prompts.badRequest)).toBe(1); // 400 is not retried
    expect(serverErrorAttempts).toBeGreaterThan(1);
    expect(attempts(prompts.rateLimited)).toBe(2);
    expect(attempts(prompts.cutOnce)).toBe(2);

    const t = sessionTelemetry(receiver, id);
    // No orphans, no duplicates, every turn (failed or not) in the session's one trace, or in
    // a trace of its own that links to the session.
    expectTraceShape(t.spans, scope);
    expect(t.sessions).toHaveLength(1);
    const [session] = t.sessions;
    if (!session) return;
    expectTurnsOf(session, t.turns, scope);
    const failed = [true, true, false, false, true, true, false];
    expect(t.turns.map((turn) => turn.status.code === "error")).toEqual(failed);
    expect(t.turns.map(turnIndex)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Errors are events on a session span that stays open and OK; totals count every turn.
    expect(session.status.code).not.toBe("error");
    expect(
      session.events
        .filter((event) => event.name === "session.error")
        .map((e) => e.attributes["turn.index"]),
    ).toEqual([1, 2, 5, 6]);
    expect(session.attributes).toMatchObject({
      "session.end_reason": "deleted",
      "session.total_turns": 7,
      "session.total_errors": 4,
      "session.total_tokens": own.tokens,
    });
    expect(session.attributes["session.total_cost_usd"]).toBeCloseTo(own.cost, 12);
    expect(own.cost).toBeGreaterThan(0);

    // Per turn: its LLM spans' [status, error.type, retry events].
    const llmsOf = (index: number) =>
      t.llms
        .filter((span) => span.parentSpanId === t.turns[index - 1]?.spanId)
        .map((span) => [
          span.status.code,
          span.attributes["error.type"],
          span.events.filter((event) => event.name === "retry").length,
        ]);
    expect([1, 2, 3, 4, 5, 7].map(llmsOf)).toEqual([
      [["error", "400", 0]],
      [["error", "500", serverErrorAttempts - 1]],
      [["unset", undefined, 1]],
      [["unset", undefined, 1]], // the cut stream, retried
      [["error", "aborted", 0]],
      [["unset", undefined, 0]],
    ]);
    // The aborted bash call: its tool span ends, as an error, under the aborted turn.
    const aborted = t.tools.filter((span) => span.parentSpanId === t.turns[5]?.spanId);
    expect(
      aborted.map((span) => [span.name, span.status.code, span.attributes["tool.success"]]),
    ).toEqual([["opencode.tool.bash", "error", false]]);

    const idle = eventsNamed(t.logs, "session.idle");
    expect(idle.map((log) => log.attributes.status)).toEqual([
      "error",
      "error",
      "ok",
      "ok",
      "aborted",
      "aborted",
      "ok",
    ]);
    // One api_error per failed request chain, carrying the final attempt; none for aborts.
    expect(
      eventsNamed(t.logs, "api_error").map((log) => [
        log.attributes.status_code,
        log.attributes.attempt,
      ]),
    ).toEqual([
      [400, 1],
      [500, serverErrorAttempts],
    ]);
    const retried = [prompts.serverError, prompts.rateLimited, prompts.cutOnce];
    const retries = retried.reduce((sum, prompt) => sum + attempts(prompt) - 1, 0);
    const retryCount = sessionMetric(id, "opencode.retry.count").counter;
    expect(await settled(retryCount, retries)).toBe(retries);
  }, 90_000);

  // Last in this file: disposing the instance finalizes every session the plugin still holds.
  test("a compaction (POST /session/:id/summarize) is its own span with its summary call, and no user turn", async () => {
    const { receiver } = suite;
    const api = server();
    const id = await api.createSession();
    for (const prompt of ["one", "two [[bash:echo two]]", "three"]) await api.prompt(id, prompt);
    await api.summarize(id);
    await api.waitIdle(id);
    for (const prompt of ["four", "five [[read:notes.txt]]"]) await api.prompt(id, prompt);
    await api.waitIdle(id);
    const messages = await api.messages(id);
    await api.deleteSession(id);
    await finalized(receiver, id, 5);

    // opencode's own account: five prompts, one compaction request, and its summary message.
    const users = messages.filter((m) => m.info.role === "user");
    const isCompaction = (m: (typeof messages)[number]) =>
      m.parts.some((part) => part.type === "compaction");
    expect(users.filter((m) => !isCompaction(m))).toHaveLength(5);
    expect(users.filter(isCompaction)).toHaveLength(1);
    const summaries = messages.filter(
      (m) => m.info.role === "assistant" && m.info.summary === true,
    );
    expect(summaries).toHaveLength(1);
    const own = ownTotals(messages);

    const t = sessionTelemetry(receiver, id);
    expectTraceShape(t.spans, scope);
    const [session] = t.sessions;
    const compactions = t.spans.filter((span) => span.name === "opencode.compaction");
    expect(compactions).toHaveLength(1);
    const [compaction] = compactions;
    if (!session || !compaction) return;
    // Under the session span, or (turn scope) a trace of its own linked to it.
    if (scope === "session") expectChildrenOf(session, [compaction]);
    else {
      expect(compaction.parentSpanId).toBe("");
      expect(linksOf(compaction, "session").map((link) => link.spanId)).toEqual([session.spanId]);
    }
    expectTurnsOf(session, t.turns, scope);
    // The summary's LLM call hangs under the compaction, marked; no other call is.
    const compacted = t.llms.filter((span) => span.attributes["gen_ai.conversation.compacted"]);
    expect(compacted.map((span) => span.parentSpanId)).toEqual([compaction.spanId]);
    expect(compaction.attributes).toMatchObject({
      "compaction.auto": false,
      // The context it replaced (the last call before it) and the summary that replaced it.
      "compaction.tokens_before": TOKENS_PER_STEP,
      "compaction.tokens_after": USAGE.completion,
      "turn.llm_calls": 1,
    });
    expect(compaction.attributes).not.toHaveProperty("turn.index");
    // Five user turns, numbered 1-5, and totals equal to opencode's own.
    expect(t.turns.map(turnIndex)).toEqual([1, 2, 3, 4, 5]);
    const calls = messages.filter((m) => m.info.role === "assistant").length;
    expect(session.attributes).toMatchObject({
      "session.total_turns": 5,
      "session.total_messages": calls,
      "session.total_tokens": own.tokens,
    });
    expect(session.attributes["session.total_cost_usd"]).toBeCloseTo(own.cost, 12);
    expect(t.llms).toHaveLength(calls);
    expect(eventsNamed(t.logs, "user_prompt")).toHaveLength(5);
    expect(eventsNamed(t.logs, "session.idle")).toHaveLength(5);
    const [event] = eventsNamed(t.logs, "compaction");
    expect(eventsNamed(t.logs, "compaction")).toHaveLength(1);
    expect(event?.spanId).toBe(compaction.spanId);
    expect(event?.attributes).toMatchObject({
      trigger: "manual",
      status: "ok",
      tokens_before: TOKENS_PER_STEP,
      tokens_after: USAGE.completion,
    });
    const count = sessionMetric(id, "opencode.compaction.count").counter;
    expect(await settled(count, 1)).toBe(1);

    // The report over the local store: five turns, every token opencode counted.
    let row = storeReport(db, "session").rows.find((r) => r.key === id);
    await waitUntil(() => {
      row = storeReport(db, "session").rows.find((r) => r.key === id);
      return row?.title !== undefined;
    }, "the session span in the local store");
    expect(row).toMatchObject({ turns: 5, llmCalls: calls, totalTokens: own.tokens });
    expect(row?.costUsd).toBeCloseTo(own.cost, 12);
  }, 90_000);

  test("an automatic compaction (a context past the model's limit) runs inside its turn", async () => {
    const { receiver } = suite;
    const api = server();
    const id = await api.createSession();
    await api.prompt(id, "before");
    // The mock overflows only the first answer to a prompt text: each scope's is its own.
    await api.prompt(id, `overflow (${scope}) [[context:200000]] [[bash:echo big]]`);
    await api.waitIdle(id);
    await api.prompt(id, "after");
    const messages = await api.messages(id);
    await api.deleteSession(id);
    await receiver.waitFor(() => sessionTelemetry(receiver, id).sessions.length > 0, 15_000);
    const compactionRequests = messages.filter((m) =>
      m.parts.some((part) => part.type === "compaction"),
    );
    expect(compactionRequests).toHaveLength(1);

    const t = sessionTelemetry(receiver, id);
    expectTraceShape(t.spans, scope);
    const [compaction] = t.spans.filter((span) => span.name === "opencode.compaction");
    expect(compaction?.attributes).toMatchObject({
      "compaction.auto": true,
      "compaction.tokens_before": 200_000 + USAGE.completion,
    });
    // Three user turns; the overflowing one holds its first call and the one after "continue".
    expect(t.turns.map(turnIndex)).toEqual([1, 2, 3]);
    expect(t.turns[1]?.attributes).toMatchObject({ "turn.llm_calls": 2, "turn.tool_calls": 1 });
    // In turn scope it stays in the trace of the turn it interrupted.
    if (scope === "turn") expect(compaction?.parentSpanId).toBe(t.turns[1]?.spanId ?? "");
    const [session] = t.sessions;
    const own = ownTotals(messages);
    expect(session?.attributes).toMatchObject({
      "session.total_turns": 3,
      "session.total_messages": messages.filter((m) => m.info.role === "assistant").length,
      "session.total_tokens": own.tokens,
    });
  }, 60_000);

  test("POST /instance/dispose, then another prompt: the plugin starts again, nothing duplicated or lost", async () => {
    const { receiver } = suite;
    const api = server();
    const id = await api.createSession();
    await api.prompt(id, "before dispose [[bash:echo before]]");
    await api.disposeInstance();
    // The dispose hook finalizes the open session span and flushes.
    await receiver.waitFor(() => sessionTelemetry(receiver, id).sessions.length === 1, 15_000);
    // The next request loads the plugin again; the session is new to that instance.
    await api.prompt(id, "after dispose");
    await api.deleteSession(id);
    await finalized(receiver, id, 2, 2);

    const t = sessionTelemetry(receiver, id);
    expectTraceShape(t.spans, scope);
    const [before, after] = t.sessions.sort((a, b) =>
      Number(a.endTimeUnixNano - b.endTimeUnixNano),
    );
    if (!before || !after) return;
    expect([before.attributes, after.attributes]).toMatchObject([
      {
        "session.end_reason": "shutdown",
        "session.resumed": false,
        "session.total_tokens": 2 * TOKENS_PER_STEP,
      },
      // Lifetime totals: the second instance reads opencode's aggregate for the session.
      {
        "session.end_reason": "deleted",
        "session.resumed": true,
        "session.total_tokens": 3 * TOKENS_PER_STEP,
        // And the session's history through opencode's client: lifetime turns and calls.
        "session.total_turns": 2,
        "session.total_messages": 3,
      },
    ]);
    expect(t.turns.map(turnIndex)).toEqual([1, 2]);
    const turnUnder = (session: typeof before) =>
      t.turns.filter((turn) => belongsTo(turn, session)).length;
    expect([turnUnder(before), turnUnder(after)]).toEqual([1, 1]);
    expect(t.llms).toHaveLength(3);
    expect(t.tools).toHaveLength(1);
    // Every log record once: no second copy from a lingering first instance.
    const count = (name: string) => eventsNamed(t.logs, name).length;
    expect(
      ["session.created", "user_prompt", "api_request", "tool_result", "session.idle"].map(count),
    ).toEqual([1, 2, 3, 1, 2]);
  }, 60_000);
});
