import type { Attributes } from "@opentelemetry/api";
import type { TraceScope } from "../config/types.js";
import type { ErrorInfo } from "../facts.js";
import type { LlmRec, SessionRec, ToolRec, TurnRec } from "../model/records.js";
import { lifetimeUsage } from "../model/session-model.js";
import { totalTokens, type Usage } from "../model/usage.js";
import * as sc from "../semconv.js";

/** Pure attribute builders for spans: records in, attributes out, tested as data. */

/**
 * A subagent's spans live in a trace of the session that spawned it (under its `task` call, or
 * beside its session span), yet name their own session. Langfuse takes a trace's session from
 * its spans, so they also name the trace's session under Langfuse's own key, which wins: the
 * trace stays in the parent's session there.
 */
function addTraceSession(session: SessionRec, attributes: Attributes): Attributes {
  let top = session.parentSession;
  if (!top) return attributes;
  while (top.parentSession) top = top.parentSession;
  attributes[sc.LANGFUSE_SESSION_ID] = top.id;
  return attributes;
}

export function sessionStartAttributes(session: SessionRec): Attributes {
  const attributes: Attributes = {
    [sc.OPENINFERENCE_SPAN_KIND]: "AGENT",
    [sc.GEN_AI_OPERATION_NAME]: "invoke_agent",
    [sc.SESSION_ID]: session.id,
    [sc.GEN_AI_CONVERSATION_ID]: session.id,
    [sc.AGENT_TYPE]: session.parentId ? "subagent" : "primary",
    [sc.SESSION_RESUMED]: session.resumed,
  };
  if (session.agent) {
    attributes[sc.AGENT_NAME] = session.agent;
    attributes[sc.GEN_AI_AGENT_NAME] = session.agent;
  }
  if (session.parentId) attributes[sc.SESSION_PARENT_ID] = session.parentId;
  return addTraceSession(session, attributes);
}

/**
 * The zero-length `session.start` marker that roots a session's trace from its first prompt on
 * (the session span itself ends only when the session does). It stands for the session's agent
 * invocation starting, so it carries what every span of the session carries.
 */
export function sessionMarkerAttributes(session: SessionRec): Attributes {
  const attributes: Attributes = {
    [sc.OPENINFERENCE_SPAN_KIND]: "CHAIN",
    [sc.GEN_AI_OPERATION_NAME]: "invoke_agent",
    [sc.SESSION_ID]: session.id,
    [sc.GEN_AI_CONVERSATION_ID]: session.id,
    [sc.AGENT_TYPE]: session.parentId ? "subagent" : "primary",
  };
  if (session.agent) {
    attributes[sc.AGENT_NAME] = session.agent;
    attributes[sc.GEN_AI_AGENT_NAME] = session.agent;
  }
  return attributes;
}

export function sessionEndAttributes(session: SessionRec): Attributes {
  const lifetime = lifetimeUsage(session);
  const attributes: Attributes = {
    [sc.SESSION_TOTAL_TOKENS]: totalTokens(lifetime),
    [sc.SESSION_TOTAL_INPUT_TOKENS]: lifetime.input + lifetime.cacheRead + lifetime.cacheWrite,
    [sc.SESSION_TOTAL_OUTPUT_TOKENS]: lifetime.output + lifetime.reasoning,
    [sc.SESSION_TOTAL_COST_USD]: lifetime.cost,
    // Lifetime once the session's history was read (earlier processes' turns and calls).
    [sc.SESSION_TOTAL_MESSAGES]: session.priorMessages + session.messages,
    [sc.SESSION_TOTAL_TURNS]: session.priorTurns + session.turns,
    [sc.SESSION_TOTAL_ERRORS]: session.errors,
    [sc.SESSION_LINES_ADDED]: session.lines.added,
    [sc.SESSION_LINES_REMOVED]: session.lines.removed,
    [sc.SESSION_END_REASON]: session.endReason ?? "shutdown",
  };
  if (session.agent) {
    attributes[sc.AGENT_NAME] = session.agent;
    attributes[sc.GEN_AI_AGENT_NAME] = session.agent;
  }
  return attributes;
}

/**
 * A turn is one agent invocation. In `turn` scope it is its trace's root, so it is OpenInference's
 * `AGENT` (what Phoenix shows a trace as); under a session span it is a `CHAIN` of that agent.
 */
export function turnStartAttributes(turn: TurnRec, scope: TraceScope): Attributes {
  const attributes: Attributes = {
    [sc.OPENINFERENCE_SPAN_KIND]: scope === "turn" ? "AGENT" : "CHAIN",
    // One prompt invokes the agent once: the unit of the GenAI agent metrics. Honeycomb's agent
    // timeline needs the operation, conversation and agent on every span.
    [sc.GEN_AI_OPERATION_NAME]: "invoke_agent",
    [sc.SESSION_ID]: turn.session.id,
    [sc.GEN_AI_CONVERSATION_ID]: turn.session.id,
    [sc.TURN_INDEX]: turn.index,
    [sc.TURN_PROMPT_LENGTH]: turn.promptLength,
  };
  const agent = turn.agent ?? turn.session.agent;
  if (agent) attributes[sc.GEN_AI_AGENT_NAME] = agent;
  if (turn.promptId) attributes[sc.PROMPT_ID] = turn.promptId;
  return addTraceSession(turn.session, attributes);
}

export function turnEndAttributes(turn: TurnRec): Attributes {
  let added = 0;
  let removed = 0;
  for (const lines of turn.counted.values()) {
    added += lines.added;
    removed += lines.removed;
  }
  return {
    // Set again: the session's history (earlier processes' turns) may have come in since.
    [sc.TURN_INDEX]: turn.index,
    [sc.TURN_TOTAL_TOKENS]: totalTokens(turn.usage),
    [sc.TURN_TOTAL_COST_USD]: turn.usage.cost,
    [sc.TURN_LLM_CALLS]: turn.llmCalls,
    [sc.TURN_TOOL_CALLS]: turn.toolCalls,
    [sc.TURN_LINES_ADDED]: added,
    [sc.TURN_LINES_REMOVED]: removed,
  };
}

/** A compaction: not a turn (no `turn.index`), so reports never count it as one. */
export function compactionStartAttributes(compaction: TurnRec): Attributes {
  const attributes: Attributes = {
    [sc.OPENINFERENCE_SPAN_KIND]: "CHAIN",
    // opencode runs its `compaction` agent: an agent invocation, as Honeycomb's timeline reads it.
    [sc.GEN_AI_OPERATION_NAME]: "invoke_agent",
    [sc.SESSION_ID]: compaction.session.id,
    [sc.GEN_AI_CONVERSATION_ID]: compaction.session.id,
    [sc.COMPACTION_AUTO]: compaction.auto,
  };
  if (compaction.agent) attributes[sc.GEN_AI_AGENT_NAME] = compaction.agent;
  return addTraceSession(compaction.session, attributes);
}

export function compactionEndAttributes(compaction: TurnRec): Attributes {
  const attributes: Attributes = {
    [sc.COMPACTION_AUTO]: compaction.auto,
    [sc.TURN_TOTAL_TOKENS]: totalTokens(compaction.usage),
    [sc.TURN_TOTAL_COST_USD]: compaction.usage.cost,
    [sc.TURN_LLM_CALLS]: compaction.llmCalls,
  };
  if (compaction.tokensBefore !== undefined)
    attributes[sc.COMPACTION_TOKENS_BEFORE] = compaction.tokensBefore;
  if (compaction.tokensAfter !== undefined)
    attributes[sc.COMPACTION_TOKENS_AFTER] = compaction.tokensAfter;
  return attributes;
}

export function llmStartAttributes(llm: LlmRec): Attributes {
  const attributes: Attributes = {
    [sc.OPENINFERENCE_SPAN_KIND]: "LLM",
    [sc.GEN_AI_OPERATION_NAME]: "chat",
    [sc.GEN_AI_PROVIDER_NAME]: llm.providerId,
    [sc.GEN_AI_REQUEST_MODEL]: llm.modelId,
    [sc.LLM_MODEL_NAME]: llm.modelId,
    [sc.LLM_PROVIDER]: llm.providerId,
    [sc.SESSION_ID]: llm.session.id,
    [sc.GEN_AI_CONVERSATION_ID]: llm.session.id,
  };
  const agent = llm.agent ?? llm.session.agent;
  if (agent) attributes[sc.GEN_AI_AGENT_NAME] = agent;
  if (llm.turn.kind === "compaction") attributes[sc.GEN_AI_CONVERSATION_COMPACTED] = true;
  return addTraceSession(llm.session, attributes);
}

/**
 * GenAI counts cached prompt tokens inside input_tokens and reasoning inside output_tokens;
 * opencode reports them apart (`tokens.input` is prompt minus cache), so they are added back.
 */
export function usageAttributes(usage: Usage): Attributes {
  const prompt = usage.input + usage.cacheRead + usage.cacheWrite;
  const completion = usage.output + usage.reasoning;
  const attributes: Attributes = {
    [sc.GEN_AI_USAGE_INPUT_TOKENS]: prompt,
    [sc.GEN_AI_USAGE_OUTPUT_TOKENS]: completion,
    [sc.LLM_TOKEN_COUNT_PROMPT]: prompt,
    [sc.LLM_TOKEN_COUNT_COMPLETION]: completion,
    [sc.LLM_TOKEN_COUNT_TOTAL]: prompt + completion,
    [sc.LLM_COST_TOTAL]: usage.cost,
    [sc.GEN_AI_USAGE_COST]: usage.cost,
  };
  // Breakdowns only when non-zero: absent reads as zero, and every span carries less.
  if (usage.cacheRead > 0) {
    attributes[sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = usage.cacheRead;
    attributes[sc.LLM_TOKEN_COUNT_CACHE_READ] = usage.cacheRead;
  }
  if (usage.cacheWrite > 0) {
    attributes[sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = usage.cacheWrite;
    attributes[sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS] = usage.cacheWrite;
    attributes[sc.LLM_TOKEN_COUNT_CACHE_WRITE] = usage.cacheWrite;
  }
  if (usage.reasoning > 0) {
    attributes[sc.LLM_TOKEN_COUNT_REASONING] = usage.reasoning;
    attributes[sc.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = usage.reasoning;
  }
  return attributes;
}

export function llmEndAttributes(llm: LlmRec, outputLength: number): Attributes {
  const attributes = usageAttributes(llm.usage);
  attributes[sc.LLM_OUTPUT_LENGTH] = outputLength;
  // opencode's assistant message id identifies the completion; the model is the one that answered.
  attributes[sc.GEN_AI_RESPONSE_ID] = llm.messageId;
  attributes[sc.GEN_AI_RESPONSE_MODEL] = llm.modelId;
  if (llm.firstChunkTime !== undefined)
    attributes[sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] =
      Math.max(0, llm.firstChunkTime - llm.startTime) / 1000;
  if (llm.retries > 0) attributes[sc.LLM_RETRIES] = llm.retries;
  if (llm.finish) attributes[sc.GEN_AI_RESPONSE_FINISH_REASONS] = [llm.finish];
  if (llm.error) attributes[sc.ERROR_TYPE] = errorType(llm.error);
  if (llm.error?.statusCode) attributes[sc.HTTP_RESPONSE_STATUS_CODE] = llm.error.statusCode;
  return attributes;
}

export function toolStartAttributes(tool: ToolRec): Attributes {
  const attributes: Attributes = {
    [sc.OPENINFERENCE_SPAN_KIND]: "TOOL",
    [sc.GEN_AI_OPERATION_NAME]: "execute_tool",
    [sc.GEN_AI_TOOL_NAME]: tool.name,
    [sc.GEN_AI_TOOL_CALL_ID]: tool.callId,
    [sc.TOOL_NAME]: tool.name,
    [sc.SESSION_ID]: tool.session.id,
    [sc.GEN_AI_CONVERSATION_ID]: tool.session.id,
  };
  if (tool.session.agent) attributes[sc.GEN_AI_AGENT_NAME] = tool.session.agent;
  return addTraceSession(tool.session, attributes);
}

export function toolEndAttributes(tool: ToolRec): Attributes {
  const attributes: Attributes = {
    [sc.TOOL_SUCCESS]: tool.success,
    [sc.TOOL_RESULT_SIZE]: tool.outputLength,
  };
  if (tool.exitCode !== undefined) attributes[sc.TOOL_EXIT_CODE] = tool.exitCode;
  if (tool.childSessionId) attributes[sc.TOOL_CHILD_SESSION_ID] = tool.childSessionId;
  if (!tool.success)
    attributes[sc.ERROR_TYPE] = tool.error === "aborted" ? "aborted" : "tool_error";
  return attributes;
}

/**
 * `gen_ai.input.messages` for a prompt whose text already went through the privacy gate: the
 * GenAI conventions' message shape, one user message with one text part.
 */
export function inputMessages(prompt: string): string {
  return JSON.stringify([{ role: "user", parts: [{ type: "text", content: prompt }] }]);
}

/** `gen_ai.output.messages` for a reply that already went through the privacy gate. */
export function outputMessages(reply: string, finish: string): string {
  return JSON.stringify([
    { role: "assistant", parts: [{ type: "text", content: reply }], finish_reason: finish },
  ]);
}

/** opencode's finish reasons (the AI SDK's) as the GenAI conventions spell them. */
export function finishReason(finish: string | undefined, error: ErrorInfo | undefined): string {
  switch (finish) {
    case "tool-calls":
      return "tool_call";
    case "content-filter":
      return "content_filter";
    case undefined:
      return error ? "error" : "stop";
    default:
      return finish;
  }
}

/** `error.type`: a low-cardinality class, never the message. */
export function errorType(error: ErrorInfo): string {
  if (error.aborted) return "aborted";
  if (error.statusCode) return String(error.statusCode);
  return error.name;
}
