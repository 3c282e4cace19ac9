/**
 * Facts: what the adapter learned from one host event or hook call, in host-independent terms.
 * The session model consumes facts; nothing downstream of the adapter sees opencode's shapes.
 */

/** Token counts of one LLM call (or a sum of them), split the way providers bill them. */
export interface Tokens {
  readonly input: number;
  readonly output: number;
  readonly reasoning: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

/** A host error, reduced to what telemetry needs. `message` may carry secrets: scrub before export. */
export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly statusCode?: number | undefined;
  readonly retryable?: boolean | undefined;
  /** True for user aborts (MessageAbortedError): the turn failed, but nothing is broken. */
  readonly aborted: boolean;
}

/** Opencode's own lifetime aggregate for a session (cost in USD). */
export interface SessionAggregate {
  readonly tokens: Tokens;
  readonly cost: number;
}

export type ToolStatus = "pending" | "running" | "completed" | "error";

/** Lines one file gained and lost, as the host counted them. */
export interface FileLines {
  /** The path as the host gave it: relative to the worktree (summaries) or absolute (tools). */
  readonly file: string;
  readonly additions: number;
  readonly deletions: number;
}

/** A file an edit tool wrote; its line counts when the tool reported them (absent: unknown). */
export interface FileEdit {
  readonly file: string;
  readonly lines: { readonly additions: number; readonly deletions: number } | undefined;
}

/** What a finished shell command's output says it did to version control. */
export interface VcsResult {
  /** Short hashes of the commits it made (git's `[branch abc1234] message` lines). */
  readonly commits: readonly string[];
  /** Pull or merge requests it opened (`gh pr create`, `glab mr create`). */
  readonly pullRequests: readonly PullRequest[];
}

export interface PullRequest {
  readonly url: string;
  readonly number: number | undefined;
}

/** One message of a session's stored history (a resumed session, read once per process). */
export interface HistoryMessage {
  readonly id: string;
  /**
   * `prompt`: a user prompt; `compaction`: a compaction request; `synthetic`: a user message the
   * host wrote itself (the "continue" after an automatic compaction); `assistant`: an LLM call.
   */
  readonly kind: "prompt" | "compaction" | "synthetic" | "assistant";
  /** Assistant messages: finished (`time.completed` set). */
  readonly completed: boolean;
  /** Assistant messages: every token of the call (input, output, reasoning, cache). */
  readonly tokens: number;
  /** User prompts: lines their turn changed, from the message summary. */
  readonly lines: { readonly additions: number; readonly deletions: number } | undefined;
}

export type Fact =
  | {
      readonly kind: "session.info";
      readonly sessionId: string;
      readonly time: number;
      /** True for `session.created`; false for `session.updated` (a resumed session shows only these). */
      readonly created: boolean;
      readonly createdAt: number | undefined;
      readonly parentId: string | undefined;
      readonly agent: string | undefined;
      readonly aggregate: SessionAggregate | undefined;
      /** The session's title (opencode generates it from the first prompt: content). */
      readonly title: string | undefined;
    }
  | { readonly kind: "session.delete"; readonly sessionId: string; readonly time: number }
  | {
      readonly kind: "session.error";
      readonly sessionId: string;
      readonly time: number;
      readonly error: ErrorInfo;
    }
  | {
      readonly kind: "session.retry";
      readonly sessionId: string;
      readonly time: number;
      readonly attempt: number;
      readonly message: string;
    }
  | { readonly kind: "session.idle"; readonly sessionId: string; readonly time: number }
  | {
      readonly kind: "session.diff";
      readonly sessionId: string;
      readonly time: number;
      /** Cumulative over the session, as opencode reports it. */
      readonly additions: number;
      readonly deletions: number;
    }
  | {
      readonly kind: "prompt";
      readonly sessionId: string;
      readonly time: number;
      readonly messageId: string;
      /** `hook`: chat.message (has the text). `message`: a user message.updated, a fallback only. */
      readonly source: "hook" | "message";
      readonly agent: string | undefined;
      /** The model the user picked for this prompt, when the host says. */
      readonly modelId: string | undefined;
      readonly providerId: string | undefined;
      readonly length: number;
      /** Lazy: only called when prompt capture is on (absent for the `message` fallback). */
      readonly text: (() => string) | undefined;
    }
  | {
      /**
       * A user message's summary: lines changed per file since its turn began (the host diffs
       * its own snapshots, the way `git diff --numstat` counts). Re-sent whenever it changes,
       * also after the turn ended.
       */
      readonly kind: "summary";
      readonly sessionId: string;
      readonly time: number;
      readonly messageId: string;
      readonly files: readonly FileLines[];
    }
  | {
      /**
       * A step boundary (`step-start`/`step-finish`) or a `patch` part. `snapshot`: the host
       * tracks this step's files (a git worktree), so the message summary counts its lines.
       */
      readonly kind: "step";
      readonly sessionId: string;
      readonly time: number;
      readonly messageId: string;
      readonly snapshot: boolean;
      /** Files a `patch` part says the step changed (empty for step boundaries). */
      readonly changed: readonly string[];
    }
  | {
      /** A compaction was requested (a user message's `compaction` part). */
      readonly kind: "compaction";
      readonly sessionId: string;
      readonly time: number;
      readonly messageId: string;
      readonly auto: boolean;
    }
  | { readonly kind: "session.compacted"; readonly sessionId: string; readonly time: number }
  | {
      /** A resumed session's stored history, read once when this process first saw it. */
      readonly kind: "history";
      readonly sessionId: string;
      readonly time: number;
      /** In id (creation) order. */
      readonly messages: readonly HistoryMessage[];
      /** The session's cumulative diff before this process changed anything, when read. */
      readonly diff: { readonly additions: number; readonly deletions: number } | undefined;
    }
  | {
      readonly kind: "llm";
      readonly sessionId: string;
      readonly time: number;
      readonly messageId: string;
      readonly modelId: string;
      readonly providerId: string;
      readonly agent: string | undefined;
      readonly createdAt: number;
      readonly completedAt: number | undefined;
      readonly tokens: Tokens;
      readonly cost: number;
      readonly finish: string | undefined;
      readonly error: ErrorInfo | undefined;
      /** The call writes a compaction's summary (opencode's `summary: true` assistant message). */
      readonly summary: boolean;
      /** The user message it answers (a prompt, or one the host wrote, like a "continue"). */
      readonly parentId: string | undefined;
    }
  | {
      readonly kind: "text";
      readonly sessionId: string;
      readonly time: number;
      readonly messageId: string;
      readonly partId: string;
      /** `delta`: `length` is the size of one streamed chunk. `full`: `length` is the whole text so far. */
      readonly mode: "delta" | "full";
      readonly length: number;
      /** Lazy full text (only for `full`). */
      readonly text: (() => string) | undefined;
    }
  | {
      readonly kind: "tool";
      readonly sessionId: string;
      readonly time: number;
      readonly messageId: string;
      readonly callId: string;
      readonly tool: string;
      readonly status: ToolStatus;
      readonly startedAt: number | undefined;
      readonly endedAt: number | undefined;
      readonly input: () => unknown;
      readonly output: (() => string) | undefined;
      readonly outputLength: number;
      readonly error: string | undefined;
      /** The host's permission rules refused the call without asking anyone. */
      readonly deniedByRule: boolean;
      /** The subagent session a `task` tool spawned (from its metadata). */
      readonly childSessionId: string | undefined;
      readonly exitCode: number | undefined;
      /** Files an edit tool wrote (completed calls only). */
      readonly edits: readonly FileEdit[];
      /** Lazy: commits and pull requests a successful shell command made (completed calls only). */
      readonly vcs: (() => VcsResult) | undefined;
    }
  | {
      readonly kind: "permission.ask";
      readonly sessionId: string;
      readonly time: number;
      readonly requestId: string;
      readonly permission: string;
      readonly callId: string | undefined;
    }
  | {
      readonly kind: "permission.reply";
      readonly sessionId: string;
      readonly time: number;
      readonly requestId: string;
      readonly reply: "once" | "always" | "reject";
    };

export type FactKind = Fact["kind"];
