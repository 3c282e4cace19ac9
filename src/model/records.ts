import type { ErrorInfo } from "../facts.js";
import type { Usage } from "./usage.js";

/**
 * The session model's state: one record per session, turn, LLM call and tool call. Records are
 * plain data owned by the session model; emitters attach their own handles to them (a WeakMap
 * keyed by record), so dropping a record drops everything attached to it.
 */

export type SessionEndReason = "deleted" | "shutdown" | "evicted";

export interface SessionRec {
  readonly id: string;
  readonly parentId: string | undefined;
  /** First seen without `session.created`: a session that an earlier process started. */
  readonly resumed: boolean;
  startTime: number;
  agent: string | undefined;
  /** Where a subagent's session span hangs: the `task` tool that spawned it, else a turn. */
  parentTool: ToolRec | undefined;
  parentTurn: TurnRec | undefined;
  parentSession: SessionRec | undefined;
  /** True once subscribers saw `sessionStart`. */
  started: boolean;
  ended: boolean;
  endTime: number;
  endReason: SessionEndReason | undefined;
  turn: TurnRec | undefined;
  /** Turns and assistant messages seen by this process. */
  turns: number;
  messages: number;
  errors: number;
  /** Usage seen by this process. */
  readonly usage: Usage;
  /** Lifetime usage before this process saw anything (from opencode's aggregate). */
  baseline: Usage | undefined;
  /** Latest lifetime aggregate opencode reported. */
  reported: Usage | undefined;
  /** Open LLM calls by assistant message id; open tool calls by call id. */
  readonly llms: Map<string, LlmRec>;
  readonly tools: Map<string, ToolRec>;
  /** Recently ended message and call ids: late updates for them are not new calls. */
  readonly recent: RecentRing;
  /** Last cumulative diff seen; undefined until the first one. */
  diff: { additions: number; deletions: number } | undefined;
  /** Per-session log sequence (`event.sequence`). */
  sequence: number;
  lastPromptId: string | undefined;
  readonly permissions: Map<
    string,
    { permission: string; callId: string | undefined; time: number }
  >;
}

export interface TurnRec {
  readonly session: SessionRec;
  /** 1-based, counted in this process. */
  readonly index: number;
  /** The user message id (`prompt.id` in logs); undefined for turns the host started itself. */
  readonly promptId: string | undefined;
  readonly startTime: number;
  endTime: number;
  readonly promptLength: number;
  readonly promptText: (() => string) | undefined;
  /** `providerID/modelID` the prompt was sent to, when the host said. */
  readonly model: string | undefined;
  readonly usage: Usage;
  llmCalls: number;
  toolCalls: number;
  /** First error reported in this turn. */
  error: ErrorInfo | undefined;
  /** Set when an LLM call or tool could not finish (aborted, cut off by idle). */
  incomplete: boolean;
  apiErrorReported: boolean;
  ended: boolean;
}

export interface LlmRec {
  readonly session: SessionRec;
  readonly turn: TurnRec;
  readonly messageId: string;
  modelId: string;
  providerId: string;
  agent: string | undefined;
  readonly startTime: number;
  endTime: number;
  usage: Usage;
  finish: string | undefined;
  error: ErrorInfo | undefined;
  retries: number;
  /** When the first text chunk arrived (time to first chunk), if any did. */
  firstChunkTime: number | undefined;
  /** Text length bookkeeping, O(1) per chunk whatever the streaming style. */
  partId: string | undefined;
  partLength: number;
  doneLength: number;
  /** Full texts of finished parts and the current one (kept only when response capture is on). */
  texts: (() => string)[] | undefined;
  ended: boolean;
}

export interface ToolRec {
  readonly session: SessionRec;
  readonly turn: TurnRec;
  readonly callId: string;
  readonly name: string;
  readonly messageId: string;
  started: boolean;
  startTime: number;
  endTime: number;
  success: boolean;
  error: string | undefined;
  outputLength: number;
  input: () => unknown;
  output: (() => string) | undefined;
  exitCode: number | undefined;
  childSessionId: string | undefined;
  ended: boolean;
}

export function llmOutputLength(llm: LlmRec): number {
  return llm.doneLength + llm.partLength;
}

/** A tiny fixed-size ring of recently closed ids (with the usage counted for messages). */
export class RecentRing {
  // Grown on first use: an idle session (most of them, in a long-running serve) holds nothing.
  private readonly ids: (string | undefined)[] = [];
  private readonly usages: (Usage | undefined)[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  add(id: string, usage?: Usage): void {
    this.ids[this.next] = id;
    this.usages[this.next] = usage;
    this.next = (this.next + 1) % this.size;
  }

  has(id: string): boolean {
    return this.ids.includes(id);
  }

  usage(id: string): Usage | undefined {
    const index = this.ids.indexOf(id);
    return index < 0 ? undefined : this.usages[index];
  }
}
