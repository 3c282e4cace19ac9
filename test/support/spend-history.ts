/**
 * One developer's history of opencode sessions up to a given moment, generated: working days
 * with nights off (so activity has the 5-hour breaks that close usage blocks), or continuous
 * activity (the worst case for block boundaries). Spans carry the plugin's own attribute keys, so
 * rows are real-sized and every report column is filled. Deterministic for a seed.
 *
 * Used by the spend tests (`test/store-spend.test.ts`, `test/cli-statusline.test.ts`) and the
 * statusline benchmark (`bench/statusline.ts`, 1,000,000 spans ending now).
 */
import type { SpanRow } from "../../src/store/types.js";
import { hex, projectResources, SpanMaker, sequence } from "./span-maker.js";

export interface HistoryOptions {
  /** About this many spans (the last session is finished whole). */
  readonly spans: number;
  /** Epoch ms: the history ends just before this moment, with a call a few seconds before it. */
  readonly end: number;
  /** How many days back it starts (365). */
  readonly days?: number;
  /** Local hours of activity each day, `[from, to)`; `"continuous"`: day and night. */
  readonly hours?: readonly [number, number] | "continuous";
  /** Projects (opencode's working directories) sessions are spread over (20). */
  readonly projects?: number;
  readonly seed?: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export const PROJECT_ROOT = "/home/dev/projects";

/** Spans in time order of their session's start. */
export function* spendHistory(options: HistoryOptions): Generator<SpanRow> {
  const days = options.days ?? 365;
  const hours = options.hours ?? [8, 22];
  const random = sequence(options.seed ?? 7);
  const pick = (n: number) => Math.floor(n * random() ** 2);
  const resources = projectResources(options.projects ?? 20, PROJECT_ROOT);
  const maker = new SpanMaker();
  const span = maker.span.bind(maker);

  const perDay = options.spans / days;
  const first = new Date(options.end - days * DAY_MS);
  let session = 0;
  for (let day = 0; day <= days; day++) {
    const midnight = new Date(first.getFullYear(), first.getMonth(), first.getDate() + day);
    const last = day === days;
    const [from, to] =
      hours === "continuous"
        ? [midnight.getTime(), midnight.getTime() + DAY_MS]
        : [midnight.getTime() + hours[0] * HOUR_MS, midnight.getTime() + hours[1] * HOUR_MS];
    // The last day runs up to the end (and starts early enough to be busy), whatever the hour.
    // A continuous last day starts at most six hours before the end and is not held to a day's
    // share of spans, so its last minutes always have calls, whatever the hour the test runs at
    // (the live view's "last 15 minutes" depend on them).
    const stop = last ? options.end - 5_000 : Math.min(to, options.end - 5_000);
    const continuousEnd = last && hours === "continuous";
    let t = last ? Math.min(from, options.end - 3 * HOUR_MS) : from;
    if (continuousEnd) t = Math.max(t, options.end - 6 * HOUR_MS);
    const budget = continuousEnd ? Number.POSITIVE_INFINITY : maker.count + perDay;
    while (t < stop && maker.count < budget) {
      session += 1;
      const sessionId = `ses_${hex(session, 26)}`;
      const traceId = hex(session, 32);
      const sessionSpanId = hex(0x7fff_0000_0000 + session, 16);
      const agent = `agent-${pick(8)}`;
      const resource = resources[pick(resources.length)] ?? {};
      const start = t;
      for (let turn = 1, turns = 1 + Math.floor(random() * 15); turn <= turns; turn++) {
        if (t >= stop) break;
        const turnSpanId = hex(0x7ffe_0000_0000 + maker.count, 16);
        const turnStart = t;
        const children: SpanRow[] = [];
        for (let call = 0, calls = 1 + Math.floor(random() * 5); call < calls; call++) {
          const model = `model-${pick(6)}`;
          const [input, cacheRead, cacheWrite, output, reasoning] = [
            random() * 5e3,
            random() * 5e4,
            random() < 0.2 ? random() * 2e3 : 0,
            random() * 2e3,
            random() < 0.3 ? random() * 1e3 : 0,
          ].map(Math.floor) as [number, number, number, number, number];
          const failed = random() < 0.02;
          const duration = Math.min(500 + random() * 20_000, Math.max(1, stop - t - 1));
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
                "gen_ai.usage.input_tokens": input + cacheRead + cacheWrite,
                "gen_ai.usage.output_tokens": output + reasoning,
                "llm.token_count.prompt": input + cacheRead + cacheWrite,
                "llm.token_count.completion": output + reasoning,
                "llm.token_count.prompt_details.cache_read": cacheRead,
                "llm.token_count.prompt_details.cache_write": cacheWrite,
                "llm.token_count.completion_details.reasoning": reasoning,
                "llm.cost.total":
                  (input * 3 + (output + reasoning) * 15 + cacheRead * 0.3 + cacheWrite * 3.75) /
                  1e6,
                ...(failed ? { "llm.retries": 2, "error.type": "500" } : {}),
              },
              resource,
              failed ? 2 : 0,
            ),
          );
          t += duration;
          for (let k = 0, tools = Math.floor(random() * 4); k < tools && t < stop; k++) {
            const tool = `tool-${pick(12)}`;
            const toolDuration = Math.min(random() * 3000, Math.max(1, stop - t - 1));
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
                  "session.id": sessionId,
                  "tool.success": ok,
                },
                resource,
                ok ? 0 : 2,
              ),
            );
            t += toolDuration;
          }
          if (t >= stop) break;
        }
        yield span(
          traceId,
          sessionSpanId,
          "opencode.turn",
          [turnStart, t],
          { "openinference.span.kind": "CHAIN", "session.id": sessionId, "turn.index": turn },
          resource,
        );
        yield* children;
        t += 10_000 + random() * 110_000;
      }
      yield span(
        traceId,
        "",
        "opencode.session",
        [start, Math.min(t, stop)],
        {
          "openinference.span.kind": "AGENT",
          "gen_ai.operation.name": "invoke_agent",
          "session.id": sessionId,
          "gen_ai.conversation.id": sessionId,
          "gen_ai.agent.name": agent,
          "session.title": `Session ${session}`,
        },
        resource,
      );
      t += 30_000 + random() * 20 * 60_000;
    }
  }
}
