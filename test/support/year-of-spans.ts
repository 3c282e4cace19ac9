import type { SpanRow } from "../../src/store/types.js";

export const YEAR = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;

/**
 * A year of heavy use, generated: sessions spread over 2025, 1-15 turns each, 1-5 LLM calls per
 * turn and 0-3 tool calls per LLM call, over 50 models, 50 agents, 50 tools and 20 projects
 * (skewed, as real use is), with the plugin's own attribute keys, so rows are real-sized.
 */
export function* yearOfSpans(total: number): Generator<SpanRow> {
  let seed = 42;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const pick = (n: number) => Math.floor(n * random() ** 2);
  const hex = (n: number, length: number) => n.toString(16).padStart(length, "0");
  const resources = Array.from({ length: 20 }, (_, i) => ({
    "service.name": "opencode",
    "telemetry.sdk.language": "nodejs",
    "telemetry.sdk.name": "opentelemetry",
    "telemetry.sdk.version": "2.12.0",
    "opencode.project.directory": `/home/dev/projects/project-${i}`,
  }));
  const ns = (ms: number) => BigInt(Math.round(ms * 1000)) * 1000n;
  let ids = 0;
  const span = (
    traceId: string,
    parentSpanId: string,
    name: string,
    [start, end]: [number, number],
    attributes: Record<string, unknown>,
    resource: Record<string, unknown>,
    statusCode = 0,
  ): SpanRow => ({
    traceId,
    spanId: hex(++ids, 16),
    parentSpanId,
    name,
    kind: name === "opencode.llm" ? 3 : 1,
    startNs: ns(start),
    endNs: ns(end),
    statusCode,
    statusMessage: statusCode ? "failed" : "",
    serviceName: "opencode",
    attributes,
    resource,
    events: [],
  });

  for (let session = 1; ids < total; session++) {
    const sessionId = `ses_${hex(session, 26)}`;
    const traceId = hex(session, 32);
    const sessionSpanId = hex(0x7fff_0000_0000 + session, 16);
    const agent = `agent-${pick(50)}`;
    const resource = resources[pick(20)] ?? {};
    const start = YEAR + random() * 365 * DAY_MS;
    let t = start;
    for (let turn = 1, turns = 1 + Math.floor(random() * 15); turn <= turns; turn++) {
      const turnSpanId = hex(0x7ffe_0000_0000 + ids, 16);
      const turnStart = t;
      const children: SpanRow[] = [];
      for (let call = 0, calls = 1 + Math.floor(random() * 5); call < calls; call++) {
        const model = `model-${pick(50)}`;
        const [input, cacheRead, output] = [random() * 5e3, random() * 5e4, random() * 2e3].map(
          Math.floor,
        );
        const prompt = (input ?? 0) + (cacheRead ?? 0);
        const failed = random() < 0.02;
        const duration = 500 + random() * 20_000;
        children.push(
          span(
            traceId,
            turnSpanId,
            "opencode.llm",
            [t, t + duration],
            {
              "openinference.span.kind": "LLM",
              "gen_ai.operation.name": "chat",
              "gen_ai.provider.name": "provider",
              "gen_ai.request.model": model,
              "llm.model_name": model,
              "llm.provider": "provider",
              "session.id": sessionId,
              "gen_ai.conversation.id": sessionId,
              "gen_ai.agent.name": agent,
              "gen_ai.usage.input_tokens": prompt,
              "gen_ai.usage.output_tokens": output,
              "llm.token_count.prompt": prompt,
              "llm.token_count.completion": output,
              "llm.token_count.total": prompt + (output ?? 0),
              "gen_ai.usage.cache_read.input_tokens": cacheRead,
              "llm.token_count.prompt_details.cache_read": cacheRead,
              "llm.cost.total":
                ((input ?? 0) * 3 + (output ?? 0) * 15 + (cacheRead ?? 0) * 0.3) / 1e6,
              "llm.output_length": 1200,
              "gen_ai.response.finish_reasons": ["tool-calls"],
              ...(failed ? { "llm.retries": 2, "error.type": "500" } : {}),
            },
            resource,
            failed ? 2 : 0,
          ),
        );
        t += duration;
        for (let k = 0, tools = Math.floor(random() * 4); k < tools; k++) {
          const tool = `tool-${pick(50)}`;
          const toolDuration = random() * 3000;
          const ok = random() > 0.05;
          children.push(
            span(
              traceId,
              turnSpanId,
              `opencode.tool.${tool}`,
              [t, t + toolDuration],
              {
                "openinference.span.kind": "TOOL",
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": tool,
                "gen_ai.tool.call.id": `call_${hex(ids, 8)}`,
                "tool.name": tool,
                "session.id": sessionId,
                "tool.success": ok,
                "tool.result_size": 2048,
                ...(ok ? {} : { "error.type": "tool_error" }),
              },
              resource,
              ok ? 0 : 2,
            ),
          );
          t += toolDuration;
        }
      }
      yield span(
        traceId,
        sessionSpanId,
        "opencode.turn",
        [turnStart, t],
        {
          "openinference.span.kind": "CHAIN",
          "session.id": sessionId,
          "turn.index": turn,
          "turn.prompt_length": 80,
          "prompt.id": `msg_${hex(ids, 12)}`,
        },
        resource,
      );
      yield* children;
      t += random() * 120_000;
    }
    yield span(
      traceId,
      "",
      "opencode.session",
      [start, t],
      {
        "openinference.span.kind": "AGENT",
        "gen_ai.operation.name": "invoke_agent",
        "session.id": sessionId,
        "gen_ai.conversation.id": sessionId,
        "agent.type": "primary",
        "agent.name": agent,
        "gen_ai.agent.name": agent,
      },
      resource,
    );
  }
}
