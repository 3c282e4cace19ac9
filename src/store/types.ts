/**
 * The embedded telemetry store's public contract (issue 6): what the plugin's `local` exporter,
 * the `opencode-otel serve` receiver, `report` and `export` share. One SQLite file, written by
 * several processes at once (WAL, busy timeout), rows keyed so that a resent batch is ignored.
 */

/** One span, flattened for reports; `attributes`/`resource` keep everything as JSON text. */
export interface SpanRow {
  readonly traceId: string; // 32 lowercase hex
  readonly spanId: string; // 16 lowercase hex
  readonly parentSpanId: string; // "" for a root
  readonly name: string;
  readonly kind: number; // OTLP SpanKind (1 = internal ... 5 = consumer)
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly statusCode: number; // 0 unset, 1 ok, 2 error
  readonly statusMessage: string;
  readonly serviceName: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly resource: Readonly<Record<string, unknown>>;
  readonly events: readonly {
    name: string;
    timeNs: bigint;
    attributes: Readonly<Record<string, unknown>>;
  }[];
  /** Instrumentation scope (kept so `export` can resend faithfully); absent reads as "". */
  readonly scope?: Scope;
}

export interface Scope {
  readonly name: string;
  readonly version: string;
}

export interface LogRow {
  readonly timeNs: bigint;
  readonly eventName: string;
  readonly severityNumber: number;
  readonly body: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly serviceName: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly resource: Readonly<Record<string, unknown>>;
  readonly severityText?: string;
  readonly scope?: Scope;
}

export interface MetricPointRow {
  readonly name: string;
  readonly unit: string;
  readonly type: "sum" | "gauge" | "histogram";
  readonly startNs: bigint;
  readonly timeNs: bigint;
  readonly temporality: "cumulative" | "delta" | "unspecified";
  readonly value: number; // sum/gauge value; histogram sum
  readonly count: number; // histogram count; 0 otherwise
  readonly serviceName: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly resource: Readonly<Record<string, unknown>>;
  readonly description?: string;
  readonly monotonic?: boolean;
  readonly scope?: Scope;
}

/**
 * Report grouping: daily, weekly, monthly, 5-hour blocks (`blocks.ts`), per session, model,
 * agent, tool or project.
 */
export type ReportGroup =
  | "day"
  | "week"
  | "month"
  | "block"
  | "session"
  | "model"
  | "agent"
  | "tool"
  | "project";

export interface ReportQuery {
  readonly group: ReportGroup;
  /** Epoch milliseconds, inclusive / exclusive. */
  readonly since?: number;
  readonly until?: number;
  /**
   * Match on the project directory, substring (case-sensitive): the span attribute
   * `opencode.project.directory`, else the resource attribute of that name.
   */
  readonly project?: string;
  /** Day, week (starting Monday) and month boundaries: the process's local time by default. */
  readonly timeZone?: "local" | "utc";
  /**
   * Per model inside each day, week, month or block: each row's `breakdown` holds the rows
   * `group: "model"` gives over that row's range.
   */
  readonly breakdown?: boolean;
}

/**
 * One row of a usage report (LLM figures from `*.llm` spans, tool figures from `*.tool.*`, turns
 * from `*.turn`; see src/store/README.md). A span counts where it starts. Rows per model carry no
 * tool figures and rows per tool no LLM figures: neither kind of span names the other.
 */
export interface ReportRow {
  /**
   * `YYYY-MM-DD` (a day, or a week's Monday), `YYYY-MM`, a block's start (`YYYY-MM-DD HH:MM`),
   * or the name (a project's directory); "(unknown)" if none.
   */
  readonly key: string;
  /** Per session: its title, when the store has one (opencode's, kept by the local store). */
  readonly title?: string;
  readonly costUsd: number;
  /** input + output + reasoning + cache read + cache write (ccusage's and opencode's total). */
  readonly totalTokens: number;
  /** Prompt tokens that were neither read from nor written to the cache. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly reasoningTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  /** cacheRead / (input + cacheRead + cacheWrite), 0..1. */
  readonly cacheReadShare: number;
  readonly llmCalls: number;
  /** Turn spans; per model or tool: the distinct turns their calls ran in. */
  readonly turns: number;
  /** Distinct sessions with a turn in the row; per model or tool: with a call in it. */
  readonly sessions: number;
  /** LLM calls that ended in error (API errors, aborts); failed tools are in the success rate. */
  readonly errors: number;
  /** Sum of `llm.retries`. */
  readonly retries: number;
  readonly toolCalls: number;
  readonly toolSuccessRate: number; // 0..1, 0 when no tool calls
  /** Nearest-rank percentiles of tool call durations. */
  readonly toolP50Ms: number;
  readonly toolP95Ms: number;
  /**
   * Lines added and removed: the plugin's `lines_changed` events (each names its session,
   * model, agent and tool), plus the `*lines_of_code.count` increases of other OTLP sources
   * (which count per session only when their points carry `session.id`).
   */
  readonly linesAdded: number;
  readonly linesRemoved: number;
  /** `commit` and `pull_request` events: commits made, pull (merge) requests opened. */
  readonly commits: number;
  readonly pullRequests: number;
  /** With `breakdown`: the row's figures per model (LLM figures only), by cost. */
  readonly breakdown?: readonly ReportRow[];
}

export interface Report {
  readonly query: ReportQuery;
  /** Time groups in time order; the others by cost, then LLM calls, then key. */
  readonly rows: readonly ReportRow[];
  /**
   * Every span and point in the query's range, whatever the group (so the total is the same for
   * `--by model` and `--by day`); its `sessions` counts distinct sessions, not a sum of rows.
   */
  readonly total: ReportRow;
}

export interface SessionQuery {
  readonly since?: number;
  readonly until?: number;
  readonly project?: string;
  /** Newest first; 50 by default. */
  readonly limit?: number;
}

/**
 * One session as stored (all its process segments), for listings and picking a tree. Sessions
 * are picked by a turn starting in the query's range; their figures cover the whole session.
 */
export interface SessionSummary {
  readonly sessionId: string;
  /** The trace of its first span (a resumed session keeps one trace; see the README). */
  readonly traceId: string;
  readonly parentSessionId: string; // "" for a primary session
  readonly agent: string;
  readonly project: string;
  /** Epoch ms of its earliest span start and latest span end. */
  readonly startMs: number;
  readonly endMs: number;
  readonly costUsd: number;
  readonly tokens: number;
  readonly llmCalls: number;
  readonly turns: number;
  readonly toolCalls: number;
  readonly errors: number;
}

/** A span and its children (by start time), for the CLI's tree view. */
export interface SpanNode {
  readonly span: SpanRow;
  readonly children: readonly SpanNode[];
}

/** One page of stored rows in insertion order, for `export`'s resumable cursor. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Pass back as `afterId` for the next page; equals `afterId` when the page is empty. */
  readonly lastId: number;
}

export type StoredTable = "spans" | "logs" | "metricPoints";

export interface RetentionResult {
  readonly spans: number;
  readonly logs: number;
  readonly metricPoints: number;
}

/** Rows of every signal, written together by `Store.insertBatch`. */
export interface RowBatch {
  readonly spans?: readonly SpanRow[];
  readonly logs?: readonly LogRow[];
  readonly metricPoints?: readonly MetricPointRow[];
}

/** How many rows of each signal were new. */
export type RowCounts = Readonly<Record<StoredTable, number>>;
