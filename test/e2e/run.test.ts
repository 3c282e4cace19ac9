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
  exportedText,
  histogramCount,
  PROCESS_ATTRIBUTE,
  sessionTelemetry,
  turnIndex,
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
    const spanOf = (name: string) => eventsNamed(t.logs, name).map((log) => log.spanId);
    expect(spanOf("session.created")).toEqual([session.spanId]);
    expect(spanOf("user_prompt")).toEqual([turn.spanId]);
    expect(spanOf("api_request").sort()).toEqual(llms.map((span) => span.spanId).sort());
    expect(spanOf("tool_result")).toEqual([tool?.spanId ?? ""]);
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

  test("resume: run, run --session, run --continue are three segments of one session in one trace", async () => {
    const { receiver } = suite;
    const project = createProject("run-resume");
    const segment = (label: string, message: string, args: string[] = []) =>
      runOpencode({
        project,
        message,
        args,
        env: telemetryEnv({ receiver, protocol: "http/protobuf", label }),
      });
    const first = await segment("resume-1", "first segment");
    const sessionId = expectSuccess(first);
    const second = await segment("resume-2", "second [[bash:echo two]]", ["--session", sessionId]);
    const third = await segment("resume-3", "third segment", ["--continue"]);
    expect([expectSuccess(second), expectSuccess(third)]).toEqual([sessionId, sessionId]);

    const t = sessionTelemetry(receiver, sessionId);
    // Three roots (one per process), every other span under one of them, all in one trace.
    expectWellFormedTrace(t.spans);
    const labels = ["resume-1", "resume-2", "resume-3"];
    const sessions = labels.map((label) =>
      t.sessions.filter((span) => span.resource[PROCESS_ATTRIBUTE] === label),
    );
    expect(sessions.map((spans) => spans.length)).toEqual([1, 1, 1]);
    // Lifetime totals as of each segment's end: 1, 1 + 2 and 1 + 2 + 1 LLM steps.
    expect(
      sessions.map(([span]) => ({
        resumed: span?.attributes["session.resumed"],
        endReason: span?.attributes["session.end_reason"],
        tokens: span?.attributes["session.total_tokens"],
        cost: Number(span?.attributes["session.total_cost_usd"]).toFixed(9),
      })),
    ).toEqual(
      [1, 3, 4].map((steps, index) => ({
        resumed: index > 0,
        endReason: "shutdown",
        tokens: steps * TOKENS_PER_STEP,
        cost: costOf(steps).toFixed(9),
      })),
    );
    // Each segment's turn hangs under that segment's session span, numbered over the session's
    // lifetime: each resumed process reads the session's history from opencode first.
    expect(t.turns).toHaveLength(3);
    for (const [index, label] of labels.entries()) {
      const [session] = sessions[index] ?? [];
      const turns = t.turns.filter((span) => span.resource[PROCESS_ATTRIBUTE] === label);
      expect(turns.map(turnIndex)).toEqual([index + 1]);
      if (session) expectChildrenOf(session, turns);
    }
    expect(
      eventsNamed(t.logs, "session.idle").map((log) => [
        log.resource[PROCESS_ATTRIBUTE],
        log.attributes["turn.index"],
      ]),
    ).toEqual(labels.map((label, index) => [label, index + 1]));
    // Turns and LLM calls are lifetime totals too: 1, 1 + 1, 1 + 1 + 1 turns; 1, 1 + 2,
    // 1 + 2 + 1 calls.
    expect(
      sessions.map(([span]) => [
        span?.attributes["session.total_turns"],
        span?.attributes["session.total_messages"],
      ]),
    ).toEqual([
      [1, 1],
      [2, 3],
      [3, 4],
    ]);
    expect(t.tools.map((span) => span.resource[PROCESS_ATTRIBUTE])).toEqual(["resume-2"]);
    // The session was created once; each segment logged its own prompt.
    expect(eventsNamed(t.logs, "session.created")).toHaveLength(1);
    expect(eventsNamed(t.logs, "user_prompt")).toHaveLength(3);
    for (const log of t.logs) expect(log.traceId).toBe(t.spans[0]?.traceId ?? "");
  }, 120_000);

  describe("privacy", () => {
    // Canaries: content that must leave only when switched on, and secrets that never may.
    const canary = {
      prompt: "CANARY_PROMPT_7f3a",
      bash: "CANARY_BASH_9c1d",
      file: "CANARY_FILE_5e2b",
      reply: "CANARY_REPLY_b81e",
    };
    const secret = {
      openai: "sk-e2eSecretValue0123456789abcdef",
      github: `ghp_${"e2eSecret0123456789".repeat(2)}`,
      env: "canary-env-value-4d8e",
    };
    const maxLength = 400;
    const message =
      `Check ${canary.prompt} with ${secret.openai} ` +
      `[[bash:echo ${canary.bash} ${secret.env}]] [[read:secret.txt]] [[say:${canary.reply}]]`;
    const file = [
      canary.file,
      `token ${secret.github}`,
      ...Array.from({ length: 100 }, (_, i) => `filler line ${i} lorem ipsum dolor sit amet`),
    ].join("\n");

    async function runWithCanaries(label: string, capture: Record<string, string>) {
      const run = await runOpencode({
        project: createProject(label, { "secret.txt": file }),
        message,
        env: telemetryEnv({
          receiver: suite.receiver,
          protocol: "http/json",
          label,
          // A secret-looking variable: its value must be masked wherever it shows up.
          extra: { E2E_SERVICE_TOKEN: secret.env, ...capture },
        }),
      });
      const sessionId = expectSuccess(run);
      const t = sessionTelemetry(suite.receiver, sessionId);
      expect(t.tools.map((span) => span.name).sort()).toEqual([
        "opencode.tool.bash",
        "opencode.tool.read",
      ]);
      const exported = exportedText(suite.receiver, label);
      for (const value of Object.values(secret)) expect(exported).not.toContain(value);
      return { t, exported };
    }

    test("by default no prompt, command, file or reply text is exported, only sizes", async () => {
      const { t, exported } = await runWithCanaries("privacy-default", {});
      for (const value of Object.values(canary)) expect(exported).not.toContain(value);
      const [prompt] = eventsNamed(t.logs, "user_prompt");
      expect(prompt?.attributes.prompt_length).toBeGreaterThan(message.length);
      expect(prompt?.attributes).not.toHaveProperty("prompt");
      for (const log of eventsNamed(t.logs, "tool_result")) {
        expect(log.attributes.tool_result_size_bytes).toBeGreaterThan(0);
        expect(log.attributes).not.toHaveProperty("tool_parameters");
      }
      for (const span of t.spans) {
        expect(span.attributes).not.toHaveProperty("input.value");
        expect(span.attributes).not.toHaveProperty("output.value");
      }
    }, 90_000);

    test("with the opt-in switches content is exported truncated and redacted", async () => {
      const { t, exported } = await runWithCanaries("privacy-opt-in", {
        OTEL_LOG_USER_PROMPTS: "1",
        OTEL_LOG_TOOL_DETAILS: "1",
        OPENCODE_OTEL_CAPTURE_CONTENT: "1",
        OPENCODE_OTEL_CONTENT_MAX_LENGTH: String(maxLength),
      });
      // The same search that found nothing by default finds every canary now.
      for (const value of Object.values(canary)) expect(exported).toContain(value);
      const tool = (name: string) => t.tools.find((span) => span.name === `opencode.tool.${name}`);
      const text = (value: unknown) => (typeof value === "string" ? value : "");

      const prompt = text(eventsNamed(t.logs, "user_prompt")[0]?.attributes.prompt);
      expect(prompt).toContain(canary.prompt);
      expect(prompt).toContain("[REDACTED:openai]");
      expect(text(t.turns[0]?.attributes["input.value"])).toBe(prompt);

      const bashLog = eventsNamed(t.logs, "tool_result").find(
        (l) => l.attributes.tool_name === "bash",
      );
      for (const value of [
        text(bashLog?.attributes.tool_parameters),
        text(tool("bash")?.attributes["input.value"]),
        text(tool("bash")?.attributes["output.value"]),
      ]) {
        expect(value).toContain(canary.bash);
        expect(value).toContain("[REDACTED:env]");
      }

      const fileOutput = text(tool("read")?.attributes["output.value"]);
      expect(fileOutput).toContain(canary.file);
      expect(fileOutput).toContain("[REDACTED:github]");
      expect(fileOutput).toMatch(/…\[truncated \d+ chars\]$/);
      expect(fileOutput.length).toBeLessThan(maxLength + 30);

      const replies = t.llms.map((span) => text(span.attributes["output.value"]));
      expect(replies.some((reply) => reply.includes(canary.reply))).toBe(true);
    }, 90_000);
  });
});
