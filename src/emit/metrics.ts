import type { Attributes, Counter, Gauge, Histogram, Meter } from "@opentelemetry/api";
import type { LlmRec, SessionRec, ToolRec, TurnRec } from "../model/records.js";
import type { PermissionDecision, Subscriber } from "../model/subscriber.js";
import { totalTokens } from "../model/usage.js";
import * as sc from "../semconv.js";
import { createGenAiMetrics } from "./gen-ai-metrics.js";
import { editLanguage, isEditTool } from "./languages.js";
import { METRICS, type MetricKey, type MetricRow, MS_BUCKETS, type Profile } from "./profile.js";

export interface MetricsEmitterOptions {
  readonly meter: Meter;
  readonly profile: Profile;
  /** `session.id` on every point (`OTEL_METRICS_INCLUDE_SESSION_ID`). */
  readonly includeSessionId: boolean;
  /** Standard attributes on every point: `user.id`, `terminal.type`, resource keys, `vcs.*`... */
  readonly standard: Attributes;
  /** The latest GenAI conventions (`gen_ai.client.inference.*`) instead of v1.41's. */
  readonly genAiLatest: boolean;
}

// Bucket advice from the GenAI semantic conventions.
const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

/** Reading and typing between two turns counts as user time up to this long; beyond, idle. */
const USER_ACTIVE_MAX_MS = 5 * 60 * 1000;

type Instrument = Counter | Histogram | Gauge;

/**
 * The metrics signal. Instruments come from the profile table (`profile.ts`); each one's
 * attributes are built from an explicit, low-cardinality allow-list (model, provider, agent,
 * type, tool name, success) plus the standard identity attributes; ids only on request, because
 * with cumulative temporality every distinct id is a series re-exported forever.
 */
export function createMetricsEmitter(options: MetricsEmitterOptions): Subscriber {
  const { meter, profile, standard } = options;
  const instruments = new Map<MetricKey, Instrument>();
  for (const row of METRICS) instruments.set(row.key, createInstrument(meter, profile, row));
  const add = (key: MetricKey, value: number, attributes: Attributes) => {
    const instrument = instruments.get(key);
    if (!instrument) return;
    if ("add" in instrument) instrument.add(value, attributes);
    else instrument.record(value, attributes);
  };
  const genAi = createGenAiMetrics(meter, options.genAiLatest, TOKEN_BUCKETS);

  const hasStandard = Object.keys(standard).length > 0;
  const point = (session: SessionRec, attributes: Attributes): Attributes => {
    const all = hasStandard ? { ...standard, ...attributes } : attributes;
    if (options.includeSessionId) all[sc.SESSION_ID] = session.id;
    return all;
  };

  const modelAttributes = (llm: LlmRec): Attributes =>
    point(llm.session, {
      [sc.MODEL]: llm.modelId,
      [sc.PROVIDER]: llm.providerId,
      [sc.QUERY_SOURCE]: querySource(llm.session),
      ...(llm.agent ? { [sc.AGENT_NAME]: llm.agent } : {}),
    });

  // When each session's last turn ended, for the user's share of active time.
  const lastTurnEnd = new WeakMap<SessionRec, number>();

  return {
    sessionStart(session) {
      if (session.resumed) return;
      add("session.count", 1, point(session, { ...agentType(session), [sc.START_TYPE]: "fresh" }));
    },

    turnStart(turn: TurnRec) {
      const previous = lastTurnEnd.get(turn.session);
      const gap = previous === undefined ? 0 : turn.startTime - previous;
      if (gap > 0 && gap <= USER_ACTIVE_MAX_MS)
        add("active_time.total", gap / 1000, point(turn.session, { [sc.TYPE]: "user" }));
    },

    turnEnd(turn: TurnRec) {
      lastTurnEnd.set(turn.session, turn.endTime);
      const busy = Math.max(0, turn.endTime - turn.startTime);
      if (busy > 0)
        add("active_time.total", busy / 1000, point(turn.session, { [sc.TYPE]: "cli" }));
      genAi.turnEnd(turn);
    },

    llmRetry(llm) {
      add("retry.count", 1, modelAttributes(llm));
    },

    llmEnd(llm) {
      const attributes = modelAttributes(llm);
      const usage = llm.usage;
      const byType: [string, number][] = profile.reasoningInOutput
        ? [["output", usage.output + usage.reasoning]]
        : [
            ["output", usage.output],
            ["reasoning", usage.reasoning],
          ];
      byType.unshift(["input", usage.input]);
      byType.push(["cacheRead", usage.cacheRead], ["cacheCreation", usage.cacheWrite]);
      for (const [type, value] of byType)
        if (value > 0) add("token.usage", value, { ...attributes, [sc.TYPE]: type });
      if (usage.cost > 0) add("cost.usage", usage.cost, attributes);
      if (usage.cacheRead > 0) add("cache.count", 1, { ...attributes, [sc.TYPE]: "cacheRead" });
      if (usage.cacheWrite > 0)
        add("cache.count", 1, { ...attributes, [sc.TYPE]: "cacheCreation" });
      add("message.count", 1, attributes);
      add("model.usage", 1, attributes);
      genAi.llmEnd(llm);
    },

    toolEnd(tool: ToolRec) {
      add(
        "tool.duration",
        tool.endTime - tool.startTime,
        point(tool.session, { [sc.TOOL_NAME_ATTR]: tool.name, [sc.SUCCESS]: tool.success }),
      );
      genAi.toolEnd(tool);
      // A file edit nobody was asked about was decided by the permission rules: Claude Code's
      // source `config`. Counted when the call ends, because opencode marks a call running
      // before it asks: only then is it known that no question came. One that was asked about
      // is counted by the answer (`permission`).
      if (!isEditTool(tool.name) || tool.asked.some(isEditTool)) return;
      add(
        "code_edit_tool.decision",
        1,
        point(tool.session, {
          [sc.TOOL_NAME_ATTR]: tool.name,
          [sc.DECISION]: tool.deniedByRule ? "reject" : "accept",
          [sc.SOURCE]: "config",
          [sc.LANGUAGE]: editLanguage(tool.input()),
        }),
      );
    },

    permission(decision: PermissionDecision) {
      if (!isEditTool(decision.permission)) return;
      const tool = decision.callId ? decision.session.tools.get(decision.callId) : undefined;
      add(
        "code_edit_tool.decision",
        1,
        point(decision.session, {
          [sc.TOOL_NAME_ATTR]: tool?.name ?? decision.permission,
          [sc.DECISION]: decision.reply === "reject" ? "reject" : "accept",
          [sc.SOURCE]: decisionSource(decision.reply),
          [sc.LANGUAGE]: editLanguage(tool?.input()),
        }),
      );
    },

    linesChanged(change) {
      const { session } = change;
      // Who wrote the lines, so reports and dashboards can break them down; the edit tool under
      // Claude Code's `tool_name` key, as on its other metrics.
      const attributes: Attributes = {};
      if (change.modelId) attributes[sc.MODEL] = change.modelId;
      if (change.providerId) attributes[sc.PROVIDER] = change.providerId;
      if (change.agent) attributes[sc.AGENT_NAME] = change.agent;
      if (change.tool) attributes[sc.TOOL_NAME_ATTR] = change.tool;
      if (change.added > 0)
        add(
          "lines_of_code.count",
          change.added,
          point(session, { ...attributes, [sc.TYPE]: "added" }),
        );
      if (change.removed > 0)
        add(
          "lines_of_code.count",
          change.removed,
          point(session, { ...attributes, [sc.TYPE]: "removed" }),
        );
      add("lines_of_code.total", session.lines.added, point(session, { [sc.TYPE]: "added" }));
      add("lines_of_code.total", session.lines.removed, point(session, { [sc.TYPE]: "removed" }));
    },

    commit(tool) {
      add("commit.count", 1, point(tool.session, {}));
    },

    pullRequest(tool) {
      add("pull_request.count", 1, point(tool.session, {}));
    },

    compactionEnd(compaction) {
      add(
        "compaction.count",
        1,
        point(compaction.session, { [sc.TRIGGER]: compaction.auto ? "auto" : "manual" }),
      );
    },

    subtask(tool) {
      add("subtask.count", 1, point(tool.session, {}));
    },

    sessionEnd(session) {
      // Once per session, at finalization, with this process's own usage: summed over
      // processes, the histograms then count every token of a resumed session exactly once.
      const attributes = point(session, agentType(session));
      add("session.duration", Math.max(0, session.endTime - session.startTime), attributes);
      add("session.token.total", totalTokens(session.usage), attributes);
      add("session.cost.total", session.usage.cost, attributes);
    },
  };
}

function createInstrument(meter: Meter, profile: Profile, row: MetricRow): Instrument {
  const name = profile.metricName(row);
  const unit = row.unit[profile.name];
  const description = row.description;
  switch (row.kind) {
    case "counter":
      return meter.createCounter(name, { unit, description });
    case "gauge":
      return meter.createGauge(name, { unit, description });
    case "histogram":
      return meter.createHistogram(name, {
        unit,
        description,
        ...(unit === "ms" ? { advice: { explicitBucketBoundaries: MS_BUCKETS } } : {}),
      });
  }
}

function agentType(session: SessionRec): Attributes {
  return { [sc.AGENT_TYPE]: session.parentId ? "subagent" : "primary" };
}

/** Claude Code's `query_source` categories: the main conversation, or a subagent. */
export function querySource(session: SessionRec): string {
  return session.parentId ? "subagent" : "main";
}

/** Claude Code's decision sources for an answered permission request. */
export function decisionSource(reply: PermissionDecision["reply"]): string {
  switch (reply) {
    case "always":
      return "user_permanent";
    case "once":
      return "user_temporary";
    case "reject":
      return "user_reject";
  }
}
