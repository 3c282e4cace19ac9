/**
 * What each backend documents that it reads, checked on the OTLP the plugin really exports: the
 * captures are replayed through the plugin's own exporters to a real OTLP receiver on loopback,
 * decoded there, and each backend's documented attributes for sessions, LLM calls, tools, tokens
 * and cost are looked up. The doc each check comes from is cited next to it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "./support/fixtures.js";
import {
  type ReceivedLog,
  type ReceivedMetricPoint,
  type ReceivedSpan,
  type Receiver,
  startOtlpReceiver,
} from "./support/otlp-receiver.js";
import { replay } from "./support/replay.js";

let receiver: Receiver;
let work: string;
/** What was delivered: each profile in session scope, and each trace scope with content on. */
type Delivery = "opencode" | "claude_code" | "session" | "turn";
const exported: Record<
  Delivery,
  { spans: ReceivedSpan[]; logs: ReceivedLog[]; metrics: ReceivedMetricPoint[] }
> = {
  opencode: { spans: [], logs: [], metrics: [] },
  claude_code: { spans: [], logs: [], metrics: [] },
  session: { spans: [], logs: [], metrics: [] },
  turn: { spans: [], logs: [], metrics: [] },
};

/** A session of three prompts, a subagent, and errors and retries. */
const CAPTURES = ["b2_multiturn_serve", "d_subagent_serve", "c2_errors_serve"] as const;

async function deliver(delivery: Delivery): Promise<void> {
  receiver.reset();
  const scope = delivery === "turn" ? "turn" : "session";
  const content = delivery === "turn" || delivery === "session";
  const env = {
    OPENCODE_ENABLE_TELEMETRY: "1",
    OPENCODE_OTEL_PROFILE: delivery === "claude_code" ? "claude_code" : "opencode",
    OPENCODE_OTEL_TRACE_SCOPE: scope,
    OPENCODE_OTLP_PROTOCOL: "http/protobuf",
    OPENCODE_OTLP_ENDPOINT: receiver.httpUrl,
    OPENCODE_OTEL_SPOOL: "false",
    HOME: work,
    XDG_STATE_HOME: join(work, "state"),
    ...(content ? { OTEL_LOG_USER_PROMPTS: "1", OPENCODE_OTEL_CAPTURE_CONTENT: "1" } : {}),
  };
  for (const name of CAPTURES) await replay(loadFixture(name), { env });
  await receiver.waitFor((r) => r.spans.length > 0 && r.logs.length > 0 && r.metrics.length > 0);
  exported[delivery] = {
    spans: [...receiver.spans],
    logs: [...receiver.logs],
    metrics: [...receiver.metrics],
  };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "opencode-otel-backends-"));
  receiver = await startOtlpReceiver();
  for (const delivery of ["opencode", "claude_code", "session", "turn"] as const)
    await deliver(delivery);
}, 90_000);

/** One trace as a backend assembles it: its spans and its root (the span with no parent). */
interface Trace {
  readonly traceId: string;
  readonly spans: ReceivedSpan[];
  readonly root: ReceivedSpan | undefined;
}

function tracesOf(spans: readonly ReceivedSpan[]): Trace[] {
  const byTrace = new Map<string, ReceivedSpan[]>();
  for (const span of spans) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
  return [...byTrace].map(([traceId, members]) => ({
    traceId,
    spans: members,
    root: members.find((span) => span.parentSpanId === ""),
  }));
}

/** The session of b2_multiturn_serve: three prompts, each answered. */
const threeTurns = () =>
  exported.session.spans.find(
    (span) => span.name === "opencode.session" && span.attributes["session.total_turns"] === 3,
  )?.attributes["session.id"];

afterAll(async () => {
  await receiver?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const spans = () => exported.opencode.spans;
const llmSpans = () => spans().filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
const toolSpans = () =>
  spans().filter((s) => s.attributes["gen_ai.operation.name"] === "execute_tool");

describe("Langfuse", () => {
  // https://langfuse.com/integrations/native/opentelemetry (property mapping): sessions from
  // `session.id`, users from `user.id`, generations from `gen_ai.*` model, usage and cost.
  test("every LLM call is a generation with model, token usage and cost", () => {
    expect(llmSpans().length).toBeGreaterThan(0);
    for (const span of llmSpans()) {
      expect(typeof span.attributes["gen_ai.request.model"]).toBe("string");
      expect(span.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThanOrEqual(0);
      expect(span.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThanOrEqual(0);
      expect(typeof span.attributes["gen_ai.usage.cost"]).toBe("number");
    }
    expect(llmSpans().some((s) => Number(s.attributes["gen_ai.usage.cost"]) > 0)).toBe(true);
  });

  test("every span names its session and its (pseudonymous) user", () => {
    const user = spans()[0]?.attributes["user.id"];
    expect(user).toMatch(/^[0-9a-f]{64}$/);
    for (const span of spans()) {
      expect(typeof span.attributes["session.id"]).toBe("string");
      expect(span.attributes["user.id"]).toBe(user);
    }
  });
});

describe("Langfuse sessions", () => {
  // https://langfuse.com/integrations/native/opentelemetry (property mapping): a trace's session
  // is `langfuse.session.id`, else `session.id`, of its spans (Langfuse's own key first); a
  // trace's input and output are its root observation's (`input.value`, `output.value`).
  const sessionOf = (trace: Trace) =>
    new Set(
      trace.spans.map((span) =>
        String(span.attributes["langfuse.session.id"] ?? span.attributes["session.id"]),
      ),
    );

  test.each(["session", "turn"] as const)(
    "%s scope: every trace belongs to exactly one session",
    (scope) => {
      for (const trace of tracesOf(exported[scope].spans)) expect(sessionOf(trace).size).toBe(1);
    },
  );

  test("turn scope: one session holds its three turns, each a trace with the prompt as input and the reply as output", () => {
    const id = String(threeTurns());
    const traces = tracesOf(exported.turn.spans).filter((trace) => sessionOf(trace).has(id));
    const turns = traces.filter((trace) => trace.root?.name === "opencode.turn");
    expect(turns).toHaveLength(3);
    for (const trace of turns) {
      expect(String(trace.root?.attributes["input.value"])).toStartWith("turn ");
      expect(String(trace.root?.attributes["output.value"]).length).toBeGreaterThan(0);
    }
    // And the session's own record, a trace with no content: lifetime totals and end reason.
    const rest = traces.filter((trace) => !turns.includes(trace));
    expect(rest.map((trace) => trace.root?.name)).toEqual(["opencode.session"]);
    expect(rest[0]?.root?.attributes["session.total_turns"]).toBe(3);
  });

  test("session scope: one trace for the whole session, rooted in its session.start marker", () => {
    const id = String(threeTurns());
    const traces = tracesOf(exported.session.spans).filter((trace) => sessionOf(trace).has(id));
    expect(traces.map((trace) => trace.root?.name)).toEqual(["opencode.session.start"]);
    const turns = traces[0]?.spans.filter((span) => span.name === "opencode.turn") ?? [];
    expect(turns).toHaveLength(3);
    for (const turn of turns) expect(turn.attributes["input.value"]).toBeString();
  });

  test("a subagent's spans keep their parent's trace in the parent's session", () => {
    for (const scope of ["session", "turn"] as const) {
      const child = exported[scope].spans.filter(
        (span) => span.attributes["langfuse.session.id"] !== undefined,
      );
      expect(child.length).toBeGreaterThan(0);
      for (const span of child) {
        expect(span.attributes["langfuse.session.id"]).not.toBe(span.attributes["session.id"]);
        const trace = exported[scope].spans.filter((other) => other.traceId === span.traceId);
        expect(
          trace.some(
            (other) => other.attributes["session.id"] === span.attributes["langfuse.session.id"],
          ),
        ).toBe(true);
      }
    }
  });
});

describe("Arize Phoenix (OpenInference)", () => {
  // https://arize.com/docs/phoenix/tracing/concepts-tracing/translating-conventions (OpenInference
  // semantic conventions): span kinds, `llm.*` token counts and model, `tool.name`, `session.id`.
  test("span kinds, LLM token counts and model, tool names", () => {
    for (const span of spans())
      expect(["AGENT", "CHAIN", "LLM", "TOOL"]).toContain(
        String(span.attributes["openinference.span.kind"]),
      );
    for (const span of llmSpans()) {
      expect(typeof span.attributes["llm.model_name"]).toBe("string");
      expect(span.attributes["llm.token_count.total"]).toBe(
        Number(span.attributes["llm.token_count.prompt"]) +
          Number(span.attributes["llm.token_count.completion"]),
      );
      expect(typeof span.attributes["llm.cost.total"]).toBe("number");
    }
    for (const span of toolSpans()) expect(typeof span.attributes["tool.name"]).toBe("string");
  });
});

describe("Arize Phoenix sessions", () => {
  // https://arize.com/docs/phoenix/tracing/how-to-tracing/setup-tracing/setup-sessions: a
  // session is a sequence of traces with the same `session.id`, each response its own trace,
  // shown by its root (an `agent` span) with `input.value` and `output.value`.
  test("turn scope: three traces in the session, each rooted in an AGENT span with the prompt and the reply", () => {
    const id = threeTurns();
    const roots = tracesOf(exported.turn.spans)
      .map((trace) => trace.root)
      .filter((root) => root?.attributes["session.id"] === id);
    const turns = roots.filter(
      (root) =>
        root?.attributes["openinference.span.kind"] === "AGENT" && root.name === "opencode.turn",
    );
    expect(turns).toHaveLength(3);
    for (const root of turns) {
      expect(String(root?.attributes["input.value"])).toStartWith("turn ");
      expect(String(root?.attributes["output.value"]).length).toBeGreaterThan(0);
    }
  });

  test("session scope: the session is one trace, its root there from the first prompt", () => {
    const id = threeTurns();
    const roots = tracesOf(exported.session.spans)
      .map((trace) => trace.root)
      .filter((root) => root?.attributes["session.id"] === id);
    expect(roots.map((root) => root?.name)).toEqual(["opencode.session.start"]);
  });
});

describe("Datadog LLM Observability", () => {
  // https://docs.datadoghq.com/llm_observability/instrumentation/otel_instrumentation: GenAI
  // conventions 1.37+: operation, provider, request model, token usage, agent and tool names.
  test("GenAI 1.37+ attributes on LLM, agent and tool spans", () => {
    for (const span of spans())
      expect(typeof span.attributes["gen_ai.operation.name"]).toBe("string");
    for (const span of llmSpans()) {
      expect(span.kind).toBe("client");
      expect(typeof span.attributes["gen_ai.provider.name"]).toBe("string");
      expect(typeof span.attributes["gen_ai.response.model"]).toBe("string");
      expect(typeof span.attributes["gen_ai.response.id"]).toBe("string");
    }
    for (const span of toolSpans())
      expect(typeof span.attributes["gen_ai.tool.name"]).toBe("string");
  });
});

describe("Honeycomb agent timeline", () => {
  // https://docs.honeycomb.io/investigate/observe/agent-timeline: conversations by
  // `gen_ai.conversation.id`; LLM calls are `chat`, tool calls `execute_tool`; agents by name.
  test.each(["opencode", "turn"] as const)(
    "every span has the conversation, the operation and the agent (%s)",
    (delivery) => {
      const all = exported[delivery].spans;
      for (const span of all) {
        expect(span.attributes["gen_ai.conversation.id"]).toBe(span.attributes["session.id"]);
        expect(typeof span.attributes["gen_ai.operation.name"]).toBe("string");
        expect(typeof span.attributes["gen_ai.agent.name"]).toBe("string");
      }
      expect(
        all.filter((s) => s.attributes["gen_ai.operation.name"] === "execute_tool").length,
      ).toBeGreaterThan(0);
    },
  );

  test("one conversation per session: its turns, calls and tools, in either scope", () => {
    const id = threeTurns();
    for (const delivery of ["session", "turn"] as const) {
      const conversation = exported[delivery].spans.filter(
        (span) => span.attributes["gen_ai.conversation.id"] === id,
      );
      const operations = conversation.map((span) => span.attributes["gen_ai.operation.name"]);
      expect(operations.filter((op) => op === "invoke_agent").length).toBeGreaterThanOrEqual(3);
      expect(operations).toContain("chat");
      expect(operations).toContain("execute_tool");
    }
  });
});

describe("SigNoz dashboards", () => {
  // https://github.com/SigNoz/dashboards opencode/opencode-dashboard.json and
  // claude-code/claude-code-dashboard.json: log filters on the body and `service.name`, metric
  // panels on token usage by `type` and cost by `model`.
  test("opencode: bodies, service, prompt model, token types", () => {
    const { logs, metrics } = exported.opencode;
    const tool = logs.filter((l) => l.body === "tool_result");
    expect(tool.length).toBeGreaterThan(0);
    for (const log of tool) {
      expect(log.resource["service.name"]).toBe("opencode");
      expect(typeof log.attributes.tool_name).toBe("string");
      expect(typeof log.attributes.success).toBe("boolean");
    }
    const prompts = logs.filter((l) => l.body === "user_prompt");
    expect(prompts.length).toBeGreaterThan(0);
    for (const log of prompts) expect(log.attributes.model).toBe("mock/mock-model");
    expect(logs.some((l) => l.body === "session.created")).toBe(true);
    const types = new Set(
      metrics.filter((p) => p.name === "opencode.token.usage").map((p) => p.attributes.type),
    );
    expect(types.has("input")).toBe(true);
    expect(
      metrics.some(
        (p) => p.name === "opencode.cost.usage" && typeof p.attributes.model === "string",
      ),
    ).toBe(true);
  });

  test("Claude Code: bodies, event names, cost on api_request, active time by type", () => {
    const { logs, metrics } = exported.claude_code;
    const requests = logs.filter((l) => l.body === "claude_code.api_request");
    expect(requests.length).toBeGreaterThan(0);
    for (const log of requests) {
      expect(log.eventName).toBe("claude_code.api_request");
      expect(log.attributes["event.name"]).toBe("api_request");
      expect(typeof log.attributes.cost_usd).toBe("number");
      expect(log.resource["service.name"]).toBe("claude-code");
    }
    expect(logs.some((l) => l.body === "claude_code.tool_result")).toBe(true);
    const active = metrics.filter((p) => p.name === "claude_code.active_time.total");
    expect(active.every((p) => p.unit === "s")).toBe(true);
    expect(new Set(active.map((p) => p.attributes.type)).has("cli")).toBe(true);
    const tokens = metrics.filter((p) => p.name === "claude_code.token.usage");
    expect(
      tokens.every((p) => p.unit === "tokens" && typeof p.attributes["session.id"] === "string"),
    ).toBe(true);
    expect(tokens.some((p) => p.attributes.type === "reasoning")).toBe(false);
    expect(new Set(tokens.map((p) => p.attributes.query_source))).toEqual(
      new Set(["main", "subagent"]),
    );
  });
});

describe("Grafana (Loki, Mimir, Tempo) and Jaeger", () => {
  // https://grafana.com/docs/loki/latest/send-data/otel/: `service.name` becomes the
  // `service_name` label, the body the log line. https://www.jaegertracing.io/docs/latest/apis/:
  // OTLP traces with the resource's `service.name`.
  test("resource identity on every signal", () => {
    const { spans: all, logs, metrics } = exported.opencode;
    for (const item of [...all, ...logs, ...metrics]) {
      expect(item.resource["service.name"]).toBe("opencode");
      expect(typeof item.resource["service.instance.id"]).toBe("string");
      expect(typeof item.resource["host.arch"]).toBe("string");
      expect(typeof item.resource["os.type"]).toBe("string");
    }
    expect(logs.every((l) => typeof l.body === "string" && l.body !== "")).toBe(true);
  });
});
