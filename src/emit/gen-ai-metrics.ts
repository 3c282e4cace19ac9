import type { Attributes, Histogram, Meter } from "@opentelemetry/api";
import type { LlmRec, ToolRec, TurnRec } from "../model/records.js";
import * as sc from "../semconv.js";
import { errorType } from "./span-attributes.js";

/** Bucket advice of the GenAI semantic conventions for durations, in seconds. */
const DURATION_BUCKETS_S = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/** Bucket advice for the agent call counts. */
const CALL_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** The GenAI metric names this plugin records, for the docs and the README check. */
export const GEN_AI_METRICS = {
  v141: [
    "gen_ai.client.token.usage",
    "gen_ai.client.operation.duration",
    "gen_ai.client.operation.time_to_first_chunk",
  ],
  latest: [
    "gen_ai.client.inference.duration",
    "gen_ai.client.inference.time_to_first_chunk",
    "gen_ai.client.inference.usage.input_tokens",
    "gen_ai.client.inference.usage.output_tokens",
    "gen_ai.client.inference.usage.cache_read.input_tokens",
    "gen_ai.client.inference.usage.cache_write.input_tokens",
    "gen_ai.client.inference.usage.reasoning.output_tokens",
  ],
  agent: [
    "gen_ai.invoke_agent.duration",
    "gen_ai.invoke_agent.inference_calls",
    "gen_ai.invoke_agent.tool_calls",
    "gen_ai.execute_tool.duration",
  ],
} as const;

export interface GenAiMetrics {
  llmEnd(llm: LlmRec): void;
  toolEnd(tool: ToolRec): void;
  turnEnd(turn: TurnRec): void;
}

/**
 * The GenAI semantic conventions' metrics (never prefixed). By default the v1.41 client metrics;
 * with `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental` the latest `client.inference`
 * ones instead, as the conventions ask instrumentations to switch. The agent metrics (one point
 * per turn, the agent invocation a prompt makes) and the tool duration are recorded either way.
 */
export function createGenAiMetrics(
  meter: Meter,
  latest: boolean,
  tokenBuckets: number[],
): GenAiMetrics {
  const seconds = (name: string, description: string) =>
    meter.createHistogram(name, {
      unit: "s",
      description,
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    });
  const tokens = (name: string, description: string) =>
    meter.createHistogram(name, {
      unit: "{token}",
      description,
      advice: { explicitBucketBoundaries: tokenBuckets },
    });

  const agentDuration = seconds("gen_ai.invoke_agent.duration", "GenAI agent invocation duration");
  const inferenceCalls = meter.createHistogram("gen_ai.invoke_agent.inference_calls", {
    unit: "{call}",
    description: "Model calls made by one agent invocation",
    advice: { explicitBucketBoundaries: CALL_BUCKETS },
  });
  const toolCalls = meter.createHistogram("gen_ai.invoke_agent.tool_calls", {
    unit: "{call}",
    description: "Tool calls made by one agent invocation",
    advice: { explicitBucketBoundaries: CALL_BUCKETS },
  });
  const toolDuration = seconds("gen_ai.execute_tool.duration", "GenAI tool execution duration");

  const client = latest ? latestClient(seconds, tokens) : v141Client(seconds, tokens);

  return {
    llmEnd: client,
    toolEnd(tool) {
      const attributes: Attributes = {
        [sc.GEN_AI_OPERATION_NAME]: "execute_tool",
        [sc.GEN_AI_TOOL_NAME]: tool.name,
      };
      if (!tool.success)
        attributes[sc.ERROR_TYPE] = tool.error === "aborted" ? "aborted" : "tool_error";
      toolDuration.record(Math.max(0, tool.endTime - tool.startTime) / 1000, attributes);
    },
    turnEnd(turn) {
      const attributes: Attributes = { [sc.GEN_AI_OPERATION_NAME]: "invoke_agent" };
      const agent = turn.agent ?? turn.session.agent;
      if (agent) attributes[sc.GEN_AI_AGENT_NAME] = agent;
      const withError = turn.error
        ? { ...attributes, [sc.ERROR_TYPE]: errorType(turn.error) }
        : attributes;
      agentDuration.record(Math.max(0, turn.endTime - turn.startTime) / 1000, withError);
      inferenceCalls.record(turn.llmCalls, attributes);
      toolCalls.record(turn.toolCalls, attributes);
    },
  };
}

type Make = (name: string, description: string) => Histogram;

function requestAttributes(llm: LlmRec): Attributes {
  return {
    [sc.GEN_AI_OPERATION_NAME]: "chat",
    [sc.GEN_AI_PROVIDER_NAME]: llm.providerId,
    [sc.GEN_AI_REQUEST_MODEL]: llm.modelId,
    [sc.GEN_AI_RESPONSE_MODEL]: llm.modelId,
  };
}

function failure(llm: LlmRec): Attributes | undefined {
  const failed = llm.error && !llm.finish;
  return failed && llm.error ? { [sc.ERROR_TYPE]: errorType(llm.error) } : undefined;
}

function firstChunkSeconds(llm: LlmRec): number | undefined {
  return llm.firstChunkTime === undefined
    ? undefined
    : Math.max(0, llm.firstChunkTime - llm.startTime) / 1000;
}

/** v1.41: one token histogram split by `gen_ai.token.type`, prompt counting cache, output reasoning. */
function v141Client(seconds: Make, tokens: Make): (llm: LlmRec) => void {
  const tokenUsage = tokens("gen_ai.client.token.usage", "Number of input and output tokens used");
  const duration = seconds("gen_ai.client.operation.duration", "GenAI operation duration");
  const firstChunk = seconds(
    "gen_ai.client.operation.time_to_first_chunk",
    "Time to receive the first chunk of a streaming response",
  );
  return (llm) => {
    const attributes = requestAttributes(llm);
    const usage = llm.usage;
    const input = usage.input + usage.cacheRead + usage.cacheWrite;
    const output = usage.output + usage.reasoning;
    if (input > 0) tokenUsage.record(input, { ...attributes, [sc.GEN_AI_TOKEN_TYPE]: "input" });
    if (output > 0) tokenUsage.record(output, { ...attributes, [sc.GEN_AI_TOKEN_TYPE]: "output" });
    duration.record((llm.endTime - llm.startTime) / 1000, { ...attributes, ...failure(llm) });
    const ttfc = firstChunkSeconds(llm);
    if (ttfc !== undefined) firstChunk.record(ttfc, attributes);
  };
}

/** The latest conventions: one histogram per token kind under `gen_ai.client.inference.*`. */
function latestClient(seconds: Make, tokens: Make): (llm: LlmRec) => void {
  const duration = seconds("gen_ai.client.inference.duration", "GenAI inference duration");
  const firstChunk = seconds(
    "gen_ai.client.inference.time_to_first_chunk",
    "Time to receive the first chunk of a streaming response",
  );
  const input = tokens(
    "gen_ai.client.inference.usage.input_tokens",
    "Input tokens, cache included",
  );
  const output = tokens(
    "gen_ai.client.inference.usage.output_tokens",
    "Output tokens, reasoning included",
  );
  const cacheRead = tokens(
    "gen_ai.client.inference.usage.cache_read.input_tokens",
    "Input tokens served from the provider's cache",
  );
  const cacheWrite = tokens(
    "gen_ai.client.inference.usage.cache_write.input_tokens",
    "Input tokens written to the provider's cache",
  );
  const reasoning = tokens(
    "gen_ai.client.inference.usage.reasoning.output_tokens",
    "Output tokens used for reasoning",
  );
  return (llm) => {
    const attributes = requestAttributes(llm);
    const usage = llm.usage;
    duration.record((llm.endTime - llm.startTime) / 1000, { ...attributes, ...failure(llm) });
    const ttfc = firstChunkSeconds(llm);
    if (ttfc !== undefined) firstChunk.record(ttfc, attributes);
    const prompt = usage.input + usage.cacheRead + usage.cacheWrite;
    if (prompt > 0) input.record(prompt, attributes);
    if (usage.output + usage.reasoning > 0)
      output.record(usage.output + usage.reasoning, attributes);
    if (usage.cacheRead > 0) cacheRead.record(usage.cacheRead, attributes);
    if (usage.cacheWrite > 0) cacheWrite.record(usage.cacheWrite, attributes);
    if (usage.reasoning > 0) reasoning.record(usage.reasoning, attributes);
  };
}
