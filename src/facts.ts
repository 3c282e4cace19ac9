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
      /** `providerID/modelID` the prompt was sent to, when the host says. */
      readonly model: string | undefined;
      readonly length: number;
      /** Lazy: only called when prompt capture is on (absent for the `message` fallback). */
      readonly text: (() => string) | undefined;
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
      /** The subagent session a `task` tool spawned (from its metadata). */
      readonly childSessionId: string | undefined;
      readonly exitCode: number | undefined;
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
