import type { ErrorInfo } from "../facts.js";
import type { LlmRec, SessionRec, ToolRec, TurnRec } from "./records.js";

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
  sessionStart?(session: SessionRec): void;
  turnStart?(turn: TurnRec): void;
  llmStart?(llm: LlmRec): void;
  llmRetry?(llm: LlmRec, attempt: number, message: string): void;
  llmEnd?(llm: LlmRec): void;
  toolStart?(tool: ToolRec): void;
  toolEnd?(tool: ToolRec): void;
  turnEnd?(turn: TurnRec): void;
  sessionError?(session: SessionRec, turn: TurnRec | undefined, error: ErrorInfo): void;
  sessionEnd?(session: SessionRec): void;
  linesChanged?(session: SessionRec, added: number, removed: number): void;
  commit?(tool: ToolRec): void;
  /** A pull or merge request the agent created. */
  pullRequest?(tool: ToolRec): void;
  subtask?(tool: ToolRec): void;
  permission?(decision: PermissionDecision): void;
}
