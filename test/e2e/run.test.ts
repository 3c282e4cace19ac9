/**
 * `opencode run` end to end: the real binary loads the built plugin from this package folder,
 * talks to the scripted model, and ends with `process.exit()` right after the `dispose` hook.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ReceivedLog, ReceivedSpan } from "../support/otlp-types.js";
import { expectTraceShape, SCOPES, type TraceScope } from "../support/trace-shape.js";
import { TOKENS_PER_STEP, USAGE } from "./support/mock-model.js";
import { createProject, type RunResult, runOpencode } from "./support/opencode.js";
import { type Suite, startSuite, telemetryEnv } from "./support/suite.js";
import {
  costOf,
  counterTotal,
  eventsNamed,
  expectChildrenOf,
  expectTurnsOf,
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

/**
 * Each log record carries the trace context of the span it belongs to: in session scope all in
 * the session's one trace; in turn scope in that span's trace, whichever it is.
 */
function expectLinkedLogs(
  logs: readonly ReceivedLog[],
  spans: readonly ReceivedSpan[],
  scope: TraceScope,
): void {
  const traceOf = new Map(spans.map((span) => [span.spanId, span.traceId]));
  for (const log of logs) expect(traceOf.get(log.spanId)).toBe(log.traceId);
  if (scope === "session") expect(new Set(logs.map((log) => log.traceId)).size).toBe(1);
}

function expectSuccess(run: RunResult): string {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
  expect(run.sessionId).toBeString();
  return run.sessionId ?? "";
}

describe("opencode run", () => {
  test.each(SCOPES)(
    "a tool call (%s trace scope): the whole session arrives although opencode ends with process.exit()",
    async (scope) => {
      const { receiver } = suite;
      const label = `run-tool-${scope}`;
      const run = await runOpencode({
        project: createProject(label),
        message: "Please run it [[bash:echo hi]]",
        env: telemetryEnv({
          receiver,
          protocol: "http/protobuf",
          label,
          extra: { OPENCODE_OTEL_TRACE_SCOPE: scope },
        }),
      });
      const sessionId = expectSuccess(run);
      // opencode's own numbers: a tool-call step and a final text step.
      const steps = stepsOf(run);
      expect(steps).toEqual([
        { tokens: TOKENS_PER_STEP, cost: costOf(1) },
        { tokens: TOKENS_PER_STEP, cost: costOf(1) },
      ]);

      const t = sessionTelemetry(receiver, sessionId);
      expectTraceShape(t.spans, scope);
      expect(t.sessions).toHaveLength(1);
      const [session] = t.sessions;
      if (!session) return;
      // Session scope: under the session's zero-length start marker, the trace's root. Turn
      // scope: the root of the session's own short trace.
      const markers = t.spans.filter((span) => span.name === "opencode.session.start");
      expect(markers).toHaveLength(scope === "session" ? 1 : 0);
      expect(session.parentSpanId).toBe(markers[0]?.spanId ?? "");
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
      expectTurnsOf(session, t.turns, scope);
      const [turn] = t.turns;
      if (!turn) return;
      expect(turn.attributes).toMatchObject({
        "turn.index": 1,
        "turn.llm_calls": 2,
        "turn.tool_calls": 1,
        "turn.total_tokens": 2 * TOKENS_PER_STEP,
        "openinference.span.kind": scope === "turn" ? "AGENT" : "CHAIN",
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "build",
        "session.id": sessionId,
        "gen_ai.conversation.id": sessionId,
      });
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
      expectLinkedLogs(t.logs, t.spans, scope);
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
    },
    180_000,
  );

  test.each(SCOPES)(
    "resume (%s trace scope): run, run --session, run --continue are three segments of one session",
    async (scope) => {
      const { receiver } = suite;
      const project = createProject(`run-resume-${scope}`);
      const segment = (label: string, message: string, args: string[] = []) =>
        runOpencode({
          project,
          message,
          args,
          env: telemetryEnv({
            receiver,
            protocol: "http/protobuf",
            label,
            extra: { OPENCODE_OTEL_TRACE_SCOPE: scope },
          }),
        });
      const labels = [1, 2, 3].map((n) => `resume-${scope}-${n}`);
      const [one = "", two = "", three = ""] = labels;
      const first = await segment(one, "first segment");
      const sessionId = expectSuccess(first);
      const second = await segment(two, "second [[bash:echo two]]", ["--session", sessionId]);
      const third = await segment(three, "third segment", ["--continue"]);
      expect([expectSuccess(second), expectSuccess(third)]).toEqual([sessionId, sessionId]);

      const t = sessionTelemetry(receiver, sessionId);
      // The session's trace holds one session span per process (the first under the start
      // marker, the resumed ones roots linked to it); in session scope every turn is in it too,
      // under its process's span; in turn scope each turn is a trace of its own, turn N linked
      // to turn N−1 across processes (the previous turn's ids come from its prompt, which the
      // session's history names).
      expectTraceShape(t.spans, scope);
      expect(new Set(t.sessions.map((span) => span.traceId)).size).toBe(1);
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
        if (session) expectTurnsOf(session, turns, scope);
      }
      // Turn 2 and turn 3 each link back to the turn before them, in an earlier process.
      const linked = t.turns.filter((turn) =>
        turn.links.some((link) => link.attributes["link.type"] === "previous_turn"),
      );
      expect(linked.map(turnIndex)).toEqual(scope === "turn" ? [2, 3] : []);
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
      expect(t.tools.map((span) => span.resource[PROCESS_ATTRIBUTE])).toEqual([two]);
      // The session was created once; each segment logged its own prompt.
      expect(eventsNamed(t.logs, "session.created")).toHaveLength(1);
      expect(eventsNamed(t.logs, "user_prompt")).toHaveLength(3);
      expectLinkedLogs(t.logs, t.spans, scope);
    },
    300_000,
  );

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

    async function runWithCanaries(
      label: string,
      capture: Record<string, string>,
      scope: TraceScope = "session",
    ) {
      const run = await runOpencode({
        project: createProject(label, { "secret.txt": file }),
        message,
        env: telemetryEnv({
          receiver: suite.receiver,
          protocol: "http/json",
          label,
          // A secret-looking variable: its value must be masked wherever it shows up.
          extra: {
            E2E_SERVICE_TOKEN: secret.env,
            OPENCODE_OTEL_TRACE_SCOPE: scope,
            ...capture,
          },
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
    }, 180_000);

    test.each(SCOPES)(
      "with the opt-in switches content is exported truncated and redacted (%s trace scope)",
      async (scope) => {
        const { t, exported } = await runWithCanaries(
          `privacy-opt-in-${scope}`,
          {
            OTEL_LOG_USER_PROMPTS: "1",
            OTEL_LOG_TOOL_DETAILS: "1",
            OPENCODE_OTEL_CAPTURE_CONTENT: "1",
            OPENCODE_OTEL_CONTENT_MAX_LENGTH: String(maxLength),
          },
          scope,
        );
        // The same search that found nothing by default finds every canary now.
        for (const value of Object.values(canary)) expect(exported).toContain(value);
        const tool = (name: string) =>
          t.tools.find((span) => span.name === `opencode.tool.${name}`);
        const text = (value: unknown) => (typeof value === "string" ? value : "");

        const prompt = text(eventsNamed(t.logs, "user_prompt")[0]?.attributes.prompt);
        expect(prompt).toContain(canary.prompt);
        expect(prompt).toContain("[REDACTED:openai]");
        // The turn (in turn scope its trace's root) carries the prompt and the final reply, as
        // OpenInference values and GenAI messages, through the same gate.
        const [turn] = t.turns;
        expect(text(turn?.attributes["input.value"])).toBe(prompt);
        expect(JSON.parse(text(turn?.attributes["gen_ai.input.messages"]))).toEqual([
          { role: "user", parts: [{ type: "text", content: prompt }] },
        ]);
        const reply = text(turn?.attributes["output.value"]);
        expect(reply).toContain(canary.reply);
        expect(JSON.parse(text(turn?.attributes["gen_ai.output.messages"]))).toEqual([
          { role: "assistant", parts: [{ type: "text", content: reply }], finish_reason: "stop" },
        ]);
        expect(turn?.parentSpanId === "").toBe(scope === "turn");

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
      },
      180_000,
    );
  });
});
