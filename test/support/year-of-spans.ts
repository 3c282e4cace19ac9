/**
 * A year of heavy use, generated for the store's performance figures (`test/store-perf.test.ts`,
 * `bench/report-load.ts`).
 */
import type { Store } from "../../src/store/store.js";
import type { LogRow, SpanRow } from "../../src/store/types.js";
import { hex, ns, projectResources, SpanMaker, sequence } from "./span-maker.js";

const YEAR = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;

/** One generated record: a span, or one of the plugin's log events. */
export type YearRow = { readonly span: SpanRow } | { readonly log: LogRow };

/**
 * Writes a year of `spans` spans (and its change events) in batches of 20,000 rows; returns how
 * many of each were stored.
 */
export function writeYearOfUse(store: Store, spans: number): { spans: number; logs: number } {
  const stored = { spans: 0, logs: 0 };
  let batch = { spans: [] as SpanRow[], logs: [] as LogRow[] };
  const flush = () => {
    const counts = store.insertBatch(batch);
    stored.spans += counts.spans;
    stored.logs += counts.logs;
    batch = { spans: [], logs: [] };
  };
  for (const row of yearOfUse(spans)) {
    if ("span" in row) batch.spans.push(row.span);
    else batch.logs.push(row.log);
    if (batch.spans.length + batch.logs.length === 20_000) flush();
  }
  flush();
  return stored;
}

/** The spans alone (see `yearOfUse`). */
export function* yearOfSpans(TOTAL: number): Generator<SpanRow> {
  for (const row of yearOfUse(TOTAL)) if ("span" in row) yield row.span;
}

/**
 * A year of heavy use, generated: sessions one after another over 2025, 1-15 turns each, 1-5 LLM calls per
 * turn and 0-3 tool calls per LLM call, over 50 models, 50 agents, 50 tools and 20 projects
 * (skewed, as real use is), with the plugin's own attribute keys, so rows are real-sized. Every
 * session span has a title; the five most used tools edit files (a `lines_changed` event each),
 * and a turn makes a commit one time in eight and opens a pull request one time in forty (the
 * events the report's lines, commits and pull requests come from). The events draw from their
 * own sequence, so the spans are the same as without them.
 */
export function* yearOfUse(TOTAL: number): Generator<YearRow> {
  const random = sequence(42);
  const changeRandom = sequence(7);
  const pick = (n: number) => Math.floor(n * random() ** 2);
  const resources = projectResources(20, "/home/dev/projects");
  const maker = new SpanMaker();
  const span = maker.span.bind(maker);
  let logs = 0;

  // About 69 spans per session on average, so this many sessions fill the year.
  const SESSIONS = Math.max(1, Math.round(TOTAL / 69));
  for (let session = 1; maker.count < TOTAL; session++) {
    const sessionId = `ses_${hex(session, 26)}`;
    const traceId = hex(session, 32);
    const sessionSpanId = hex(0x7fff_0000_0000 + session, 16);
    const agent = `agent-${pick(50)}`;
    const resource = resources[pick(20)] ?? {};
    // Sessions start in time order, a few overlapping, as one heavy user's do: a store is
    // written in roughly time order, which is what its time-led indexes are built for.
    const start = YEAR + ((session - 1 + random()) / SESSIONS) * 365 * DAY_MS;
    let t = start;
    for (let turn = 1, turns = 1 + Math.floor(random() * 15); turn <= turns; turn++) {
      const turnSpanId = hex(0x7ffe_0000_0000 + maker.count, 16);
      const turnStart = t;
      const children: YearRow[] = [];
      let lastModel = "";
      for (let call = 0, calls = 1 + Math.floor(random() * 5); call < calls; call++) {
        const model = `model-${pick(50)}`;
        const [input, cacheRead, output] = [random() * 5e3, random() * 5e4, random() * 2e3].map(
          Math.floor,
        );
        const prompt = (input ?? 0) + (cacheRead ?? 0);
        const failed = random() < 0.02;
        const duration = 500 + random() * 20_000;
        lastModel = model;
        children.push({
          span: span(
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
        });
        t += duration;
        for (let k = 0, tools = Math.floor(random() * 4); k < tools; k++) {
          const tool = `tool-${pick(50)}`;
          const toolDuration = random() * 3000;
          const ok = random() > 0.05;
          children.push({
            span: span(
              traceId,
              turnSpanId,
              `opencode.tool.${tool}`,
              [t, t + toolDuration],
              {
                "openinference.span.kind": "TOOL",
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": tool,
                "gen_ai.tool.call.id": `call_${hex(maker.count, 8)}`,
                "tool.name": tool,
                "session.id": sessionId,
                "tool.success": ok,
                "tool.result_size": 2048,
                ...(ok ? {} : { "error.type": "tool_error" }),
              },
              resource,
              ok ? 0 : 2,
            ),
          });
          t += toolDuration;
          const toolNumber = Number(tool.slice(5));
          if (ok && toolNumber < 5) {
            const added = Math.floor(changeRandom() * 200);
            const removed = Math.floor(changeRandom() * 60);
            children.push(
              event("lines_changed", t, sessionId, resource, {
                lines_added: added,
                lines_removed: removed,
                source: "summary",
                model,
                provider: "provider",
                "agent.name": agent,
                tool_name: tool,
              }),
            );
          }
        }
      }
      const madeBy = { tool_name: "bash", model: lastModel, "agent.name": agent };
      if (changeRandom() < 1 / 8)
        children.push(
          event("commit", t, sessionId, resource, { sha: hex(maker.count, 7), ...madeBy }),
        );
      if (changeRandom() < 1 / 40) {
        const number = Math.floor(changeRandom() * 5000);
        const url = `https://github.com/acme/app/pull/${number}`;
        children.push(event("pull_request", t, sessionId, resource, { url, number, ...madeBy }));
      }
      yield {
        span: span(
          traceId,
          sessionSpanId,
          "opencode.turn",
          [turnStart, t],
          {
            "openinference.span.kind": "CHAIN",
            "session.id": sessionId,
            "turn.index": turn,
            "turn.prompt_length": 80,
            "prompt.id": `msg_${hex(maker.count, 12)}`,
          },
          resource,
        ),
      };
      yield* children;
      t += random() * 120_000;
    }
    yield {
      span: span(
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
          "session.title": `Session ${session}: ${TITLES[session % TITLES.length]}`,
        },
        resource,
      ),
    };
  }

  function event(
    name: string,
    ms: number,
    sessionId: string,
    resource: Record<string, unknown>,
    attributes: Record<string, unknown>,
  ): YearRow {
    logs += 1;
    return {
      log: {
        timeNs: ns(ms),
        eventName: `opencode.${name}`,
        severityNumber: 9,
        severityText: "INFO",
        body: "",
        traceId: "",
        spanId: "",
        serviceName: "opencode",
        attributes: {
          ...attributes,
          "event.name": name,
          "event.timestamp": new Date(ms).toISOString(),
          "event.sequence": logs,
          "session.id": sessionId,
        },
        resource,
        scope: { name: "opencode-otel", version: "0.1.0" },
      },
    };
  }
}

const TITLES = [
  "fix the flaky login test",
  "add retries to the upload client",
  "refactor the billing module into smaller files",
  "why does the build fail on CI",
  "write docs for the new config options",
];
