import type { ErrorInfo, PullRequest } from "../facts.js";
import type { LinesChange, LlmRec, SessionRec, ToolRec, TurnRec } from "./records.js";

/** A permission request and its answer. */
export interface PermissionDecision {
  readonly session: SessionRec;
  readonly permission: string;
  readonly callId: string | undefined;
  readonly reply: "once" | "always" | "reject";
  readonly waitMs: number;
}

/**
 * What the session model tells emitters, in lifecycle order. Each emitter (spans, metrics, logs)
 * implements the callbacks it needs; a disabled signal's emitter is simply not subscribed.
 * Every `*End` is called exactly once per record, after its `*Start`.
 */
export interface Subscriber {
  /** A session this process had not seen before (its record was just made). */
  sessionSeen?(session: SessionRec): void;
  sessionStart?(session: SessionRec): void;
  turnStart?(turn: TurnRec): void;
  /** A compaction begins: the host summarizes the conversation (not a user turn). */
  compactionStart?(compaction: TurnRec): void;
  llmStart?(llm: LlmRec): void;
  llmRetry?(llm: LlmRec, attempt: number, message: string): void;
  llmEnd?(llm: LlmRec): void;
  toolStart?(tool: ToolRec): void;
  toolEnd?(tool: ToolRec): void;
  turnEnd?(turn: TurnRec): void;
  compactionEnd?(compaction: TurnRec): void;
  sessionError?(session: SessionRec, turn: TurnRec | undefined, error: ErrorInfo): void;
  sessionEnd?(session: SessionRec): void;
  linesChanged?(change: LinesChange): void;
  /** A shell command made a commit; `sha` is git's short hash. */
  commit?(tool: ToolRec, sha: string): void;
  /** A shell command opened a pull (or merge) request. */
  pullRequest?(tool: ToolRec, pullRequest: PullRequest): void;
  subtask?(tool: ToolRec): void;
  permission?(decision: PermissionDecision): void;
}
