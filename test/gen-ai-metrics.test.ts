/**
 * The GenAI conventions' metric values, checked against opencode's own numbers: a real session
 * (`g_git_run`: six LLM calls, five tools) is replayed through the plugin and the real SDK, with
 * and without `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`. Token histograms must
 * sum to the tokens opencode recorded per assistant message, the duration histograms to the LLM
 * spans' durations, the agent histograms to the calls each turn made. The capture's model reports
 * no reasoning and no cache writes, so a copy of it with both set on every call (the same edit on
 * every update of a message, as opencode would send it) covers those two.
 */
import { describe, expect, test } from "bun:test";
import type { Attributes } from "@opentelemetry/api";
import { DataPointType, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { type Captured, loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay } from "./support/replay.js";

const LATEST = { OTEL_SEMCONV_STABILITY_OPT_IN: "http,gen_ai_latest_experimental" };

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const n = (value: unknown) => (typeof value === "number" ? value : 0);

interface CallTokens {
  input: number;
  output: number;
  reasoning: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Each assistant message's final tokens, as opencode recorded them. */
function ownTokens(records: readonly Captured[]): CallTokens[] {
  const calls = new Map<string, CallTokens>();
  for (const record of records) {
    if (record.hook !== "event" || !isObj(record.input) || !isObj(record.input.event)) continue;
    const { type, properties } = record.input.event;
    if (type !== "message.updated" || !isObj(properties) || !isObj(properties.info)) continue;
    const info = properties.info;
    if (info.role !== "assistant" || !isObj(info.tokens)) continue;
    const cache = isObj(info.tokens.cache) ? info.tokens.cache : {};
    calls.set(String(info.id), {
      input: n(info.tokens.input),
      output: n(info.tokens.output),
      reasoning: n(info.tokens.reasoning),
      cacheRead: n(cache.read),
      cacheWrite: n(cache.write),
    });
  }
  return [...calls.values()];
}

/** The capture with reasoning and cache-write tokens on every assistant message. */
function withReasoningAndCacheWrite(records: readonly Captured[]): Captured[] {
  return records.map((record) => {
    if (record.hook !== "event" || !isObj(record.input) || !isObj(record.input.event))
      return record;
    const event = record.input.event;
    const info = isObj(event.properties) ? event.properties.info : undefined;
    if (event.type !== "message.updated" || !isObj(info) || info.role !== "assistant")
      return record;
    if (!isObj(info.tokens) || !isObj(info.tokens.cache)) return record;
    const tokens = { ...info.tokens, reasoning: 7, cache: { ...info.tokens.cache, write: 11 } };
    return {
      ...record,
      input: { ...record.input, event: { ...event, properties: { info: { ...info, tokens } } } },
    };
  });
}

interface Histogram {
  count: number;
  sum: number;
  attributes: Attributes[];
}

/** A histogram's points in the last snapshot, merged. */
function histogram(metrics: readonly ResourceMetrics[], name: string): Histogram {
  const merged: Histogram = { count: 0, sum: 0, attributes: [] };
  for (const scope of metrics.at(-1)?.scopeMetrics ?? [])
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name || metric.dataPointType !== DataPointType.HISTOGRAM)
        continue;
      for (const point of metric.dataPoints) {
        merged.count += point.value.count;
        merged.sum += point.value.sum ?? 0;
        merged.attributes.push(point.attributes);
      }
    }
  return merged;
}

const names = (metrics: readonly ResourceMetrics[]) =>
  new Set(
    (metrics.at(-1)?.scopeMetrics ?? []).flatMap((scope) =>
      scope.metrics.map((metric) => metric.descriptor.name),
    ),
  );

async function run(records: readonly Captured[], env: Record<string, string> = {}) {
  const collected = new Collected();
  await replay(records, {
    env: { OPENCODE_ENABLE_TELEMETRY: "1", ...env },
    exporters: collected.overrides(),
  });
  return collected;
}

const sum = (calls: readonly CallTokens[], pick: (call: CallTokens) => number) =>
  calls.reduce((total, call) => total + pick(call), 0);
const nonZero = (calls: readonly CallTokens[], pick: (call: CallTokens) => number) =>
  calls.filter((call) => pick(call) > 0).length;

describe("GenAI metrics under gen_ai_latest_experimental", () => {
  for (const [label, records] of [
    ["as captured", loadFixture("g_git_run")],
    ["with reasoning and cache writes", withReasoningAndCacheWrite(loadFixture("g_git_run"))],
  ] as const)
    test(`token histograms sum to opencode's own tokens per call (${label})`, async () => {
      const calls = ownTokens(records);
      expect(calls.length).toBe(6);
      const { metrics } = await run(records, LATEST);
      const cases: [string, (call: CallTokens) => number][] = [
        ["gen_ai.client.inference.usage.input_tokens", (c) => c.input + c.cacheRead + c.cacheWrite],
        ["gen_ai.client.inference.usage.output_tokens", (c) => c.output + c.reasoning],
        ["gen_ai.client.inference.usage.cache_read.input_tokens", (c) => c.cacheRead],
        ["gen_ai.client.inference.usage.cache_write.input_tokens", (c) => c.cacheWrite],
        ["gen_ai.client.inference.usage.reasoning.output_tokens", (c) => c.reasoning],
      ];
      for (const [name, pick] of cases) {
        const recorded = histogram(metrics, name);
        // One point per call that had such tokens, none for a zero.
        expect({ name, count: recorded.count, sum: recorded.sum }).toEqual({
          name,
          count: nonZero(calls, pick),
          sum: sum(calls, pick),
        });
        for (const attributes of recorded.attributes)
          expect(attributes).toEqual({
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "mock",
            "gen_ai.request.model": "mock-model",
            "gen_ai.response.model": "mock-model",
          });
      }
      expect(histogram(metrics, "gen_ai.client.inference.usage.reasoning.output_tokens").sum).toBe(
        label === "as captured" ? 0 : 7 * 6,
      );
    });

  test("durations equal the LLM spans'; time to first chunk equals the spans' attribute", async () => {
    const { metrics, spans } = await run(loadFixture("g_git_run"), LATEST);
    const llms = spans.filter((span) => span.name === "opencode.llm");
    expect(llms).toHaveLength(6);
    const seconds = (span: (typeof llms)[number]) => span.duration[0] + span.duration[1] / 1e9;
    const duration = histogram(metrics, "gen_ai.client.inference.duration");
    expect(duration.count).toBe(llms.length);
    expect(duration.sum).toBeCloseTo(
      llms.reduce((total, span) => total + seconds(span), 0),
      6,
    );
    const firsts = llms
      .map((span) => span.attributes["gen_ai.response.time_to_first_chunk"])
      .filter((value) => typeof value === "number");
    expect(firsts.length).toBeGreaterThan(0);
    const firstChunk = histogram(metrics, "gen_ai.client.inference.time_to_first_chunk");
    expect(firstChunk.count).toBe(firsts.length);
    expect(firstChunk.sum).toBeCloseTo(
      firsts.reduce((total, value) => total + Number(value), 0),
      6,
    );
    // Every call's time to first chunk is within its duration.
    expect(firstChunk.sum).toBeLessThanOrEqual(duration.sum);
  });

  test("the latest names replace v1.41's, and v1.41's carry the same tokens", async () => {
    const records = withReasoningAndCacheWrite(loadFixture("g_git_run"));
    const latest = await run(records, LATEST);
    const v141 = await run(records);
    const latestNames = names(latest.metrics);
    const v141Names = names(v141.metrics);
    expect(latestNames.has("gen_ai.client.token.usage")).toBe(false);
    expect(latestNames.has("gen_ai.client.operation.duration")).toBe(false);
    expect(v141Names.has("gen_ai.client.inference.duration")).toBe(false);
    const calls = ownTokens(records);
    // v1.41: one histogram, split by gen_ai.token.type.
    let input = 0;
    let output = 0;
    for (const scope of v141.metrics.at(-1)?.scopeMetrics ?? [])
      for (const metric of scope.metrics)
        if (
          metric.descriptor.name === "gen_ai.client.token.usage" &&
          metric.dataPointType === DataPointType.HISTOGRAM
        )
          for (const point of metric.dataPoints)
            if (point.attributes["gen_ai.token.type"] === "input") input += point.value.sum ?? 0;
            else output += point.value.sum ?? 0;
    expect(input).toBe(sum(calls, (c) => c.input + c.cacheRead + c.cacheWrite));
    expect(output).toBe(sum(calls, (c) => c.output + c.reasoning));
    expect(histogram(latest.metrics, "gen_ai.client.inference.usage.input_tokens").sum).toBe(input);
  });

  test("agent metrics: one point per turn, with the calls the turn made", async () => {
    const { metrics, spans } = await run(loadFixture("g_git_run"), LATEST);
    const turns = spans.filter((span) => span.name === "opencode.turn");
    expect(turns).toHaveLength(1);
    const inference = histogram(metrics, "gen_ai.invoke_agent.inference_calls");
    const tools = histogram(metrics, "gen_ai.invoke_agent.tool_calls");
    expect(inference.count).toBe(turns.length);
    expect(inference.sum).toBe(spans.filter((span) => span.name === "opencode.llm").length);
    expect(tools.sum).toBe(spans.filter((span) => span.name.startsWith("opencode.tool.")).length);
    expect(tools.sum).toBe(5);
    const duration = histogram(metrics, "gen_ai.invoke_agent.duration");
    const turn = turns[0];
    expect(duration.sum).toBeCloseTo(turn ? turn.duration[0] + turn.duration[1] / 1e9 : -1, 6);
    expect(histogram(metrics, "gen_ai.execute_tool.duration").count).toBe(5);
  });
});
