import type { ErrorInfo, FileLines, VcsResult } from "../facts.js";
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
  /** The compaction in progress (it may run inside a turn: opencode compacts automatically). */
  compaction: TurnRec | undefined;
  /** A prompt known only from its user message (hosts without `chat.message`), not started yet. */
  pendingPrompt: PendingPrompt | undefined;
  /** Turns and assistant messages seen by this process. */
  turns: number;
  messages: number;
  errors: number;
  /** Prompt turns and finished LLM calls of earlier processes (from the session's history). */
  priorTurns: number;
  priorMessages: number;
  /** The latest earlier process's prompt (from the history): the turn before this process's first. */
  priorPromptId: string | undefined;
  /** The oldest message this process saw itself: history before it is an earlier process's. */
  firstMessageId: string | undefined;
  /** Every token of the latest finished LLM call (the context a compaction replaces). */
  lastCallTokens: number | undefined;
  title: string | undefined;
  /** Lines changed over the session's lifetime, as far as this process knows. */
  readonly lines: { added: number; removed: number };
  /** Lines this process counted from edit tools (already inside a later cumulative diff). */
  readonly toolLines: { added: number; removed: number };
  /** Seen a step with a snapshot: the host's message summaries count this session's lines. */
  snapshots: boolean;
  /** Ended prompt turns whose message summary may still be re-sent with more lines. */
  readonly settled: TurnRec[];
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
  /** The cumulative diff before this process changed anything (read with the history). */
  diffBase: { additions: number; deletions: number } | undefined;
  /** A non-empty `session.diff` arrived: that host counts lines per session, not per turn. */
  diffLines: boolean;
  /** Per-session log sequence (`event.sequence`). */
  sequence: number;
  lastPromptId: string | undefined;
  readonly permissions: Map<
    string,
    { permission: string; callId: string | undefined; time: number }
  >;
}

/** A user message that will start a turn once work arrives for it. */
export interface PendingPrompt {
  readonly messageId: string;
  readonly time: number;
  readonly modelId: string | undefined;
  readonly providerId: string | undefined;
}

/**
 * A prompt turn, or a compaction (the host summarizing the conversation so far): both hold LLM
 * calls, but a compaction is not a user turn and has no index.
 */
export interface TurnRec {
  readonly session: SessionRec;
  readonly kind: "prompt" | "compaction";
  /** 1-based over the session's lifetime (earlier processes included once their history is read); 0 for a compaction. */
  index: number;
  /** The user message id (`prompt.id` in logs); undefined for turns the host started itself. */
  readonly promptId: string | undefined;
  readonly startTime: number;
  endTime: number;
  promptLength: number;
  promptText: (() => string) | undefined;
  readonly usage: Usage;
  llmCalls: number;
  toolCalls: number;
  /** First error reported in this turn. */
  error: ErrorInfo | undefined;
  /** Set when an LLM call or tool could not finish (aborted, cut off by idle). */
  incomplete: boolean;
  apiErrorReported: boolean;
  ended: boolean;
  /** The model and provider the user picked for the prompt (else the turn's latest LLM call's). */
  modelId: string | undefined;
  providerId: string | undefined;
  agent: string | undefined;
  /**
   * The user messages this turn's LLM calls answer: the prompt, and any the host adds within the
   * turn (the "continue" after an automatic compaction). Each one's summary covers its calls.
   */
  readonly messageIds: Set<string>;
  /** Their latest summaries: lines per file since each began. */
  readonly summaries: Map<string, readonly FileLines[]>;
  /**
   * A step changed files (a `patch` part) after the latest summary came: the host re-diffs right
   * after, but a turn that ends at once may never see that summary.
   */
  summaryStale: boolean;
  /** A step of this turn had a snapshot: its summary is what counts. */
  snapshot: boolean;
  /** Files edit tools wrote in this turn, with their counts when known. */
  readonly edits: TurnEdit[];
  /** Lines already reported per tool ("" for lines no tool claims), so updates add increases only. */
  readonly counted: Map<string, { added: number; removed: number }>;
  /** Compactions: automatic or asked for, and the context before and after, in tokens. */
  auto: boolean;
  tokensBefore: number | undefined;
  tokensAfter: number | undefined;
}

export interface TurnEdit {
  readonly file: string;
  readonly tool: string;
  readonly lines: { readonly additions: number; readonly deletions: number } | undefined;
}

/** Lines a turn (or a session's cumulative diff) changed, as one report to subscribers. */
export interface LinesChange {
  readonly session: SessionRec;
  readonly turn: TurnRec | undefined;
  readonly added: number;
  readonly removed: number;
  readonly modelId: string | undefined;
  readonly providerId: string | undefined;
  readonly agent: string | undefined;
  /** The edit tool that wrote them, when one did. */
  readonly tool: string | undefined;
  /** `summary`: the host's diff of snapshots; `tool`: edit tools' counts; `session.diff`. */
  readonly source: "summary" | "tool" | "session.diff";
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
  /** Permissions the host asked the user about for this call (their names, at most a few). */
  readonly asked: string[];
  /** The host's permission rules refused it without a question. */
  deniedByRule: boolean;
  /** What a successful shell command did to version control (read once, when it ends). */
  vcs: (() => VcsResult) | undefined;
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
