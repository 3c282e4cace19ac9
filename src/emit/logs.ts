import type { Context } from "@opentelemetry/api";
import { type AnyValueMap, type Logger, SeverityNumber } from "@opentelemetry/api-logs";
import type { BudgetAlert } from "../budget/types.js";
import type { ErrorInfo } from "../facts.js";
import type { LlmRec, SessionRec, ToolRec, TurnRec } from "../model/records.js";
import { INCOMPLETE } from "../model/session-model.js";
import type { Subscriber } from "../model/subscriber.js";
import type { Privacy } from "../privacy/privacy.js";
import * as sc from "../semconv.js";
import { decisionSource, querySource } from "./metrics.js";
import type { Profile } from "./profile.js";
import { errorType } from "./span-attributes.js";

const SEVERITY_TEXT: Partial<Record<SeverityNumber, string>> = {
  [SeverityNumber.INFO]: "INFO",
  [SeverityNumber.WARN]: "WARN",
  [SeverityNumber.ERROR]: "ERROR",
};

export interface LogsEmitterOptions {
  readonly logger: Logger;
  readonly privacy: Privacy;
  /** Event names (`claude_code.` prefix in Claude Code's profile) and record bodies. */
  readonly profile: Profile;
  /** Standard attributes on every record (`user.id`, `terminal.type`, resource keys, `vcs.*`). */
  readonly standard: AnyValueMap;
  /** Trace context of the span a record is shown as (absent when traces are off). */
  readonly contextOf: (record: object) => Context | undefined;
}

/** The log-events signal: one record per user-visible event, linked to its span. */
export interface LogsEmitter extends Subscriber {
  /**
   * A budget threshold reached (`src/budget/monitor.ts`), linked to the LLM call after which it
   * was found. The project's directory stays out: it never leaves the machine.
   */
  budget(alert: BudgetAlert, llm: LlmRec): void;
}

export function createLogsEmitter(options: LogsEmitterOptions): LogsEmitter {
  const { logger, privacy, profile, contextOf, standard } = options;
  const standardEntries = Object.entries(standard);

  function emit(
    name: string,
    session: SessionRec,
    turn: TurnRec | undefined,
    spanOf: object,
    attributes: AnyValueMap,
    severity = SeverityNumber.INFO,
  ): void {
    session.sequence += 1;
    const now = Date.now();
    // One object per record, filled in place (no spreads on this path); an event's own
    // attributes win over standard ones of the same name.
    for (const [key, value] of standardEntries) if (!(key in attributes)) attributes[key] = value;
    attributes[sc.EVENT_NAME] = name;
    attributes[sc.EVENT_TIMESTAMP] = new Date(now).toISOString();
    attributes[sc.EVENT_SEQUENCE] = session.sequence;
    attributes[sc.SESSION_ID] = session.id;
    if (turn?.promptId) attributes[sc.PROMPT_ID] = turn.promptId;
    const context = contextOf(spanOf);
    // The name travels three ways, each read by someone: the record's event name, the
    // `event.name` attribute (Claude Code's convention) and the body, which Loki line filters and
    // SigNoz's published dashboards select on (`body = 'tool_result'`).
    logger.emit({
      eventName: `${profile.eventPrefix}${name}`,
      body: profile.body(name),
      severityNumber: severity,
      severityText: SEVERITY_TEXT[severity] ?? "INFO",
      timestamp: now,
      attributes,
      ...(context ? { context } : {}),
    });
  }

  function apiError(llm: LlmRec | undefined, session: SessionRec, turn: TurnRec, error: ErrorInfo) {
    if (turn.apiErrorReported || error.aborted || error === INCOMPLETE) return;
    turn.apiErrorReported = true;
    const attributes: AnyValueMap = {
      error: privacy.scrub(error.message, 1024),
      [sc.ERROR_TYPE]: errorType(error),
    };
    if (error.statusCode) attributes.status_code = error.statusCode;
    if (llm) {
      attributes.model = llm.modelId;
      attributes.provider = llm.providerId;
      attributes.attempt = llm.retries + 1;
      attributes.duration_ms = Math.max(0, (llm.ended ? llm.endTime : Date.now()) - llm.startTime);
    }
    emit("api_error", session, turn, llm ?? turn, attributes, SeverityNumber.ERROR);
  }

  return {
    budget(alert, llm) {
      const { status, threshold } = alert;
      const { limit } = status;
      const name = limit.id.slice(limit.id.lastIndexOf(" ") + 1);
      emit(
        "budget",
        llm.session,
        llm.turn,
        llm,
        {
          budget: name,
          period: limit.period,
          period_key: status.periodKey,
          unit: limit.unit,
          scope: limit.project === undefined ? "all" : "project",
          limit: limit.limit,
          spent: status.spent,
          share: status.share,
          threshold,
          state: threshold >= 1 ? "exceeded" : "warning",
        },
        threshold >= 1 ? SeverityNumber.ERROR : SeverityNumber.WARN,
      );
    },

    sessionStart(session) {
      if (session.resumed) return;
      const attributes: AnyValueMap = {
        [sc.AGENT_TYPE]: session.parentId ? "subagent" : "primary",
      };
      if (session.agent) attributes[sc.AGENT_NAME] = session.agent;
      if (session.parentId) attributes[sc.SESSION_PARENT_ID] = session.parentId;
      emit("session.created", session, undefined, session, attributes);
    },

    turnStart(turn) {
      if (!turn.promptId) return;
      const attributes: AnyValueMap = { prompt_length: turn.promptLength };
      // `providerID/modelID`, as the established opencode plugin reports it.
      if (turn.providerId && turn.modelId) attributes.model = `${turn.providerId}/${turn.modelId}`;
      const agent = turn.agent ?? turn.session.agent;
      if (agent) attributes.agent = agent;
      const text = turn.promptText;
      const prompt = text ? privacy.content("prompt", text) : undefined;
      if (prompt !== undefined) attributes.prompt = prompt;
      emit("user_prompt", turn.session, turn, turn, attributes);
    },

    llmEnd(llm) {
      const failed = llm.error && !llm.finish;
      if (failed && llm.error) return apiError(llm, llm.session, llm.turn, llm.error);
      const usage = llm.usage;
      const attributes: AnyValueMap = {
        model: llm.modelId,
        provider: llm.providerId,
        cost_usd: usage.cost,
        duration_ms: llm.endTime - llm.startTime,
        input_tokens: usage.input,
        output_tokens: usage.output,
        reasoning_tokens: usage.reasoning,
        cache_read_tokens: usage.cacheRead,
        cache_creation_tokens: usage.cacheWrite,
        retries: llm.retries,
        query_source: querySource(llm.session),
      };
      if (profile.reasoningInOutput) attributes.output_tokens = usage.output + usage.reasoning;
      if (llm.finish) attributes.finish_reason = llm.finish;
      emit("api_request", llm.session, llm.turn, llm, attributes);
    },

    sessionError(session, turn, error) {
      const attributes: AnyValueMap = {
        [sc.ERROR_TYPE]: errorType(error),
        error: privacy.scrub(error.message, 1024),
      };
      if (error.statusCode) attributes.status_code = error.statusCode;
      emit("session.error", session, turn, turn ?? session, attributes, SeverityNumber.ERROR);
      if (turn) {
        let open: LlmRec | undefined;
        for (const llm of session.llms.values()) open = llm;
        apiError(open, session, turn, error);
      }
    },

    toolEnd(tool: ToolRec) {
      const attributes: AnyValueMap = {
        tool_name: tool.name,
        success: tool.success,
        duration_ms: tool.endTime - tool.startTime,
        tool_result_size_bytes: tool.outputLength,
      };
      const parameters = privacy.content("tool.input", tool.input);
      if (parameters !== undefined) attributes.tool_parameters = parameters;
      if (!tool.success) {
        const error = tool.error;
        attributes.error =
          error === "aborted"
            ? "aborted"
            : (privacy.content("tool.output", () => error) ?? "tool_error");
      }
      emit("tool_result", tool.session, tool.turn, tool, attributes);
    },

    permission(decision) {
      const turn = decision.session.turn;
      // The tool asked about (`write`), when the question names its call; else the permission.
      const tool = decision.callId ? decision.session.tools.get(decision.callId) : undefined;
      emit("tool_decision", decision.session, turn, turn ?? decision.session, {
        tool_name: tool?.name ?? decision.permission,
        decision: decision.reply === "reject" ? "reject" : "accept",
        source: decisionSource(decision.reply),
        wait_ms: decision.waitMs,
      });
    },

    turnEnd(turn) {
      const attributes: AnyValueMap = {
        [sc.TURN_INDEX]: turn.index,
        status: turn.error
          ? turn.error.aborted
            ? "aborted"
            : "error"
          : turn.incomplete
            ? "incomplete"
            : "ok",
        cost_usd: turn.usage.cost,
        llm_calls: turn.llmCalls,
        tool_calls: turn.toolCalls,
        duration_ms: turn.endTime - turn.startTime,
      };
      emit("session.idle", turn.session, turn, turn.session, attributes);
    },

    commit(tool, sha) {
      emit("commit", tool.session, tool.turn, tool, { sha, ...madeBy(tool) });
    },

    pullRequest(tool, pr) {
      const attributes: AnyValueMap = { url: pr.url, ...madeBy(tool) };
      if (pr.number !== undefined) attributes.number = pr.number;
      emit("pull_request", tool.session, tool.turn, tool, attributes);
    },

    linesChanged(change) {
      const attributes: AnyValueMap = {
        lines_added: change.added,
        lines_removed: change.removed,
        source: change.source,
      };
      if (change.modelId) attributes.model = change.modelId;
      if (change.providerId) attributes.provider = change.providerId;
      if (change.agent) attributes[sc.AGENT_NAME] = change.agent;
      if (change.tool) attributes.tool_name = change.tool;
      const turn = change.turn;
      emit("lines_changed", change.session, turn, turn ?? change.session, attributes);
    },

    compactionEnd(compaction) {
      const attributes: AnyValueMap = {
        trigger: compaction.auto ? "auto" : "manual",
        status: compaction.error ? "error" : compaction.incomplete ? "incomplete" : "ok",
        llm_calls: compaction.llmCalls,
        cost_usd: compaction.usage.cost,
        duration_ms: compaction.endTime - compaction.startTime,
      };
      if (compaction.tokensBefore !== undefined) attributes.tokens_before = compaction.tokensBefore;
      if (compaction.tokensAfter !== undefined) attributes.tokens_after = compaction.tokensAfter;
      emit("compaction", compaction.session, undefined, compaction, attributes);
    },

    subtask(tool) {
      const attributes: AnyValueMap = {};
      if (tool.childSessionId) attributes.child_session_id = tool.childSessionId;
      const input = tool.input();
      if (typeof input === "object" && input !== null && "subagent_type" in input) {
        const type = input.subagent_type;
        if (typeof type === "string") attributes.subagent_type = type;
      }
      emit("subtask_invoked", tool.session, tool.turn, tool, attributes);
    },
  };
}

/** Who made a commit or a pull request: the turn's model and agent, and the tool that ran. */
function madeBy(tool: ToolRec): AnyValueMap {
  const attributes: AnyValueMap = { tool_name: tool.name };
  const model = tool.turn.modelId;
  const agent = tool.turn.agent ?? tool.session.agent;
  if (model) attributes.model = model;
  if (agent) attributes[sc.AGENT_NAME] = agent;
  return attributes;
}
