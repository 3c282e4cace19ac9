/**
 * `opencode run` end to end: the real binary loads the built plugin from this package folder,
 * talks to the scripted model, and ends with `process.exit()` right after the `dispose` hook.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { TOKENS_PER_STEP, USAGE } from "./support/mock-model.js";
import { createProject, type RunResult, runOpencode } from "./support/opencode.js";
import { type Suite, startSuite, telemetryEnv } from "./support/suite.js";
import {
  costOf,
  counterTotal,
  eventsNamed,
  expectChildrenOf,
  expectWellFormedTrace,
  histogramCount,
  PROCESS_ATTRIBUTE,
  sessionTelemetry,
} from "./support/telemetry.js";

let suite: Suite;
beforeAll(async () => {
  suite = await startSuite();
});
afterAll(async () => {
  await suite?.close();
});

/** opencode's own account of a run, from its `--format json` step_finish events. */
function stepsOf(run: RunResult): { tokens: number; cost: number }[] {
  return run.events
    .filter((event) => event.type === "step_finish")
    .map((event) => {
      const part = event.part as { tokens: { total: number }; cost: number };
      return { tokens: part.tokens.total, cost: part.cost };
    });
}

function expectSuccess(run: RunResult): string {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
  expect(run.sessionId).toBeString();
  return run.sessionId ?? "";
}

describe("opencode run", () => {
  test("a tool call: the whole session arrives although opencode ends with process.exit()", async () => {
    const { receiver } = suite;
    const label = "run-tool";
    const run = await runOpencode({
      project: createProject("run-tool"),
      message: "Please run it [[bash:echo hi]]",
      env: telemetryEnv({ receiver, protocol: "http/protobuf", label }),
    });
    const sessionId = expectSuccess(run);
    // opencode's own numbers: a tool-call step and a final text step.
    const steps = stepsOf(run);
    expect(steps).toEqual([
      { tokens: TOKENS_PER_STEP, cost: costOf(1) },
      { tokens: TOKENS_PER_STEP, cost: costOf(1) },
    ]);

    const t = sessionTelemetry(receiver, sessionId);
    expectWellFormedTrace(t.spans);
    expect(t.sessions).toHaveLength(1);
    const [session] = t.sessions;
    if (!session) return;
    expect(session.parentSpanId).toBe("");
    expect(session.resource[PROCESS_ATTRIBUTE]).toBe(label);
    expect(session.attributes).toMatchObject({
      "session.end_reason": "shutdown",
      "session.resumed": false,
      "agent.type": "primary",
      "agent.name": "build",
      "session.total_turns": 1,
      "session.total_messages": 2,
      "session.total_errors": 0,
      "session.total_tokens": 2 * TOKENS_PER_STEP,
    });
    expect(session.attributes["session.total_cost_usd"]).toBeCloseTo(costOf(2), 12);

    expect(t.turns).toHaveLength(1);
    expectChildrenOf(session, t.turns);
    const [turn] = t.turns;
    if (!turn) return;
    expect(turn.attributes).toMatchObject({ "turn.index": 1, "turn.llm_calls": 2 });
    expect(turn.status.code).not.toBe("error");

    const llms = t.llms.sort((a, b) => Number(a.startTimeUnixNano - b.startTimeUnixNano));
    expectChildrenOf(turn, [...llms, ...t.tools]);
    expect(llms.map((span) => span.attributes["gen_ai.response.finish_reasons"])).toEqual([
      ["tool-calls"],
      ["stop"],
    ]);
    for (const llm of llms) {
      expect(llm.kind).toBe("client");
      expect(llm.attributes).toMatchObject({
        "gen_ai.provider.name": "mock",
        "gen_ai.request.model": "mock-model",
        "gen_ai.usage.input_tokens": USAGE.prompt,
        "gen_ai.usage.output_tokens": USAGE.completion,
        "gen_ai.usage.cache_read.input_tokens": USAGE.cached,
      });
    }
    expect(t.tools).toHaveLength(1);
    const [tool] = t.tools;
    expect(tool?.name).toBe("opencode.tool.bash");
    expect(tool?.attributes).toMatchObject({
      "tool.success": true,
      "tool.exit_code": 0,
      "tool.result_size": 3, // "hi\n"
    });

    // Log events, each linked to the span it belongs to.
    const names = t.logs.map((log) => log.attributes["event.name"]).sort();
    expect(names).toEqual([
      "api_request",
      "api_request",
      "session.created",
      "session.idle",
      "tool_result",
      "user_prompt",
    ]);
    for (const log of t.logs) expect(log.traceId).toBe(session.traceId);
    expect(eventsNamed(t.logs, "tool_result")[0]?.spanId).toBe(tool?.spanId ?? "");
    expect(eventsNamed(t.logs, "tool_result")[0]?.attributes).toMatchObject({
      tool_name: "bash",
      success: true,
    });
    expect(eventsNamed(t.logs, "api_request")[0]?.attributes).toMatchObject({
      input_tokens: USAGE.prompt - USAGE.cached,
      output_tokens: USAGE.completion,
      cache_read_tokens: USAGE.cached,
    });
    expect(eventsNamed(t.logs, "session.idle")[0]?.attributes).toMatchObject({
      status: "ok",
      llm_calls: 2,
      tool_calls: 1,
    });

    // Metrics of this process only (the receiver is shared by the whole file).
    const points = receiver.metrics.filter((p) => p.resource[PROCESS_ATTRIBUTE] === label);
    const tokens = (type: string) =>
      counterTotal(points, "opencode.token.usage", (p) => p.attributes.type === type);
    expect(tokens("input")).toBe(2 * (USAGE.prompt - USAGE.cached));
    expect(tokens("output")).toBe(2 * USAGE.completion);
    expect(tokens("cacheRead")).toBe(2 * USAGE.cached);
    expect(counterTotal(points, "opencode.cost.usage")).toBeCloseTo(costOf(2), 12);
    expect(counterTotal(points, "opencode.session.count")).toBe(1);
    expect(histogramCount(points, "opencode.tool.duration")).toBe(1);
    expect(histogramCount(points, "opencode.session.duration")).toBe(1);
    expect(receiver.errors).toEqual([]);
  }, 90_000);
});
