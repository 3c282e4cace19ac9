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
const exported: Record<
  "opencode" | "claude_code",
  { spans: ReceivedSpan[]; logs: ReceivedLog[]; metrics: ReceivedMetricPoint[] }
> = {
  opencode: { spans: [], logs: [], metrics: [] },
  claude_code: { spans: [], logs: [], metrics: [] },
};

async function deliver(profile: "opencode" | "claude_code"): Promise<void> {
  receiver.reset();
  const env = {
    OPENCODE_ENABLE_TELEMETRY: "1",
    OPENCODE_OTEL_PROFILE: profile,
    OPENCODE_OTLP_PROTOCOL: "http/protobuf",
    OPENCODE_OTLP_ENDPOINT: receiver.httpUrl,
    OPENCODE_OTEL_SPOOL: "false",
    HOME: work,
    XDG_STATE_HOME: join(work, "state"),
  };
  for (const name of ["d_subagent_serve", "c2_errors_serve"] as const)
    await replay(loadFixture(name), { env });
  await receiver.waitFor((r) => r.spans.length > 0 && r.logs.length > 0 && r.metrics.length > 0);
  exported[profile] = {
    spans: [...receiver.spans],
    logs: [...receiver.logs],
    metrics: [...receiver.metrics],
  };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "opencode-otel-backends-"));
  receiver = await startOtlpReceiver();
  await deliver("opencode");
  await deliver("claude_code");
}, 60_000);

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
  test("every span has the conversation, the operation and the agent", () => {
    for (const span of spans()) {
      expect(span.attributes["gen_ai.conversation.id"]).toBe(span.attributes["session.id"]);
      expect(typeof span.attributes["gen_ai.operation.name"]).toBe("string");
      expect(typeof span.attributes["gen_ai.agent.name"]).toBe("string");
    }
    expect(toolSpans().length).toBeGreaterThan(0);
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
