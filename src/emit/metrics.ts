import type { Attributes, Meter } from "@opentelemetry/api";
import type { LlmRec, SessionRec, ToolRec } from "../model/records.js";
import type { Subscriber } from "../model/subscriber.js";
import { totalTokens } from "../model/usage.js";
import * as sc from "../semconv.js";

export interface MetricsEmitterOptions {
  readonly meter: Meter;
  /** Name prefix: `opencode.` by default, `claude_code.` for Claude Code dashboards. */
  readonly prefix: string;
  readonly includeSessionId: boolean;
}

// Bucket advice from the GenAI semantic conventions.
const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
const DURATION_BUCKETS_S = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/**
 * The metrics signal. Each instrument's attributes are built from an explicit, low-cardinality
 * allow-list (model, provider, agent, type, tool name, success); ids only on request, because
 * with cumulative temporality every distinct id is a series re-exported forever.
 */
export function createMetricsEmitter(options: MetricsEmitterOptions): Subscriber {
  const { meter, prefix } = options;
  const counter = (name: string, unit: string, description: string) =>
    meter.createCounter(`${prefix}${name}`, { unit, description });
  const sessionCount = counter("session.count", "{session}", "Sessions started");
  const tokenUsage = counter("token.usage", "{token}", "Tokens used, by type");
  const costUsage = counter("cost.usage", "USD", "Cost of LLM calls in US dollars");
  const linesCount = counter("lines_of_code.count", "{line}", "Lines of code added or removed");
  const commitCount = counter("commit.count", "{commit}", "Git commits made by the agent");
  const pullRequestCount = counter(
    "pull_request.count",
    "{pull_request}",
    "Pull requests (GitHub) and merge requests (GitLab) opened by the agent",
  );
  const compactionCount = counter(
    "compaction.count",
    "{compaction}",
    "Conversation compactions (the host summarizing the session so far)",
  );
  const cacheCount = counter(
    "cache.count",
    "{call}",
    "LLM calls that read or wrote the prompt cache",
  );
  const messageCount = counter(
    "message.count",
    "{message}",
    "Assistant messages (LLM calls) completed",
  );
  const modelUsage = counter("model.usage", "{call}", "LLM calls per model");
  const retryCount = counter("retry.count", "{retry}", "LLM request retries");
  const subtaskCount = counter("subtask.count", "{subtask}", "Subagent tasks invoked");
  const linesTotal = meter.createGauge(`${prefix}lines_of_code.total`, {
    unit: "{line}",
    description: "Lines added or removed so far in the session that changed last (its lifetime)",
  });
  const toolDuration = meter.createHistogram(`${prefix}tool.duration`, {
    unit: "ms",
    description: "Tool call duration in milliseconds",
  });
  const sessionDuration = meter.createHistogram(`${prefix}session.duration`, {
    unit: "ms",
    description: "Session duration in milliseconds, recorded once when the session is finalized",
  });
  const sessionTokens = meter.createHistogram(`${prefix}session.token.total`, {
    unit: "{token}",
    description: "Tokens used by one session (this process's segment), recorded once per session",
    advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
  });
  const sessionCost = meter.createHistogram(`${prefix}session.cost.total`, {
    unit: "USD",
    description: "Cost of one session (this process's segment), recorded once per session",
  });
  const genAiTokens = meter.createHistogram("gen_ai.client.token.usage", {
    unit: "{token}",
    description: "Number of input and output tokens used",
    advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
  });
  const genAiDuration = meter.createHistogram("gen_ai.client.operation.duration", {
    unit: "s",
    description: "GenAI operation duration",
    advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
  });

  const withSession = (session: SessionRec, attributes: Attributes): Attributes =>
    options.includeSessionId ? { ...attributes, [sc.SESSION_ID]: session.id } : attributes;

  const modelAttributes = (llm: LlmRec): Attributes =>
    withSession(llm.session, {
      [sc.MODEL]: llm.modelId,
      [sc.PROVIDER]: llm.providerId,
      ...(llm.agent ? { [sc.AGENT_NAME]: llm.agent } : {}),
    });

  const genAiAttributes = (llm: LlmRec): Attributes => ({
    [sc.GEN_AI_OPERATION_NAME]: "chat",
    [sc.GEN_AI_PROVIDER_NAME]: llm.providerId,
    [sc.GEN_AI_REQUEST_MODEL]: llm.modelId,
    [sc.GEN_AI_RESPONSE_MODEL]: llm.modelId,
  });

  return {
    sessionStart(session) {
      if (!session.resumed) sessionCount.add(1, withSession(session, agentType(session)));
    },

    llmRetry(llm) {
      retryCount.add(1, modelAttributes(llm));
    },

    llmEnd(llm) {
      const attributes = modelAttributes(llm);
      const usage = llm.usage;
      const byType: [string, number][] = [
        ["input", usage.input],
        ["output", usage.output],
        ["reasoning", usage.reasoning],
        ["cacheRead", usage.cacheRead],
        ["cacheCreation", usage.cacheWrite],
      ];
      for (const [type, value] of byType)
        if (value > 0) tokenUsage.add(value, { ...attributes, [sc.TYPE]: type });
      if (usage.cost > 0) costUsage.add(usage.cost, attributes);
      if (usage.cacheRead > 0) cacheCount.add(1, { ...attributes, [sc.TYPE]: "read" });
      if (usage.cacheWrite > 0) cacheCount.add(1, { ...attributes, [sc.TYPE]: "write" });
      messageCount.add(1, attributes);
      modelUsage.add(1, attributes);

      const genAi = genAiAttributes(llm);
      const failed = llm.error && !llm.finish;
      const input = usage.input + usage.cacheRead + usage.cacheWrite;
      const output = usage.output + usage.reasoning;
      if (input > 0) genAiTokens.record(input, { ...genAi, [sc.GEN_AI_TOKEN_TYPE]: "input" });
      if (output > 0) genAiTokens.record(output, { ...genAi, [sc.GEN_AI_TOKEN_TYPE]: "output" });
      genAiDuration.record(
        (llm.endTime - llm.startTime) / 1000,
        failed && llm.error
          ? { ...genAi, [sc.ERROR_TYPE]: llm.error.aborted ? "aborted" : llm.error.name }
          : genAi,
      );
    },

    toolEnd(tool: ToolRec) {
      toolDuration.record(
        tool.endTime - tool.startTime,
        withSession(tool.session, { [sc.TOOL_NAME]: tool.name, [sc.SUCCESS]: tool.success }),
      );
    },

    linesChanged(change) {
      const { session } = change;
      const attributes: Attributes = {};
      if (change.modelId) attributes[sc.MODEL] = change.modelId;
      if (change.providerId) attributes[sc.PROVIDER] = change.providerId;
      if (change.agent) attributes[sc.AGENT_NAME] = change.agent;
      if (change.tool) attributes[sc.TOOL_NAME] = change.tool;
      if (change.added > 0)
        linesCount.add(change.added, withSession(session, { ...attributes, [sc.TYPE]: "added" }));
      if (change.removed > 0)
        linesCount.add(
          change.removed,
          withSession(session, { ...attributes, [sc.TYPE]: "removed" }),
        );
      linesTotal.record(session.lines.added, withSession(session, { [sc.TYPE]: "added" }));
      linesTotal.record(session.lines.removed, withSession(session, { [sc.TYPE]: "removed" }));
    },

    commit(tool) {
      commitCount.add(1, withSession(tool.session, {}));
    },

    pullRequest(tool) {
      pullRequestCount.add(1, withSession(tool.session, {}));
    },

    compactionEnd(compaction) {
      compactionCount.add(
        1,
        withSession(compaction.session, { trigger: compaction.auto ? "auto" : "manual" }),
      );
    },

    subtask(tool) {
      subtaskCount.add(1, withSession(tool.session, {}));
    },

    sessionEnd(session) {
      // Once per session, at finalization, with this process's own usage: summed over
      // processes, the histograms then count every token of a resumed session exactly once.
      const attributes = withSession(session, agentType(session));
      sessionDuration.record(Math.max(0, session.endTime - session.startTime), attributes);
      sessionTokens.record(totalTokens(session.usage), attributes);
      sessionCost.record(session.usage.cost, attributes);
    },
  };
}

function agentType(session: SessionRec): Attributes {
  return { [sc.AGENT_TYPE]: session.parentId ? "subagent" : "primary" };
}
