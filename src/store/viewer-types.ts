/**
 * What the local viewer (`opencode-otel ui`) reads from the store: session listings, one
 * session's spans for its waterfall, what changed since a row id, and usage charts. Plain data
 * (numbers, strings, arrays), so the HTTP API sends it as JSON unchanged.
 */
import type { Report, ReportRow } from "./types.js";

/** One session with its whole-session figures (every stored span of it, all processes). */
export interface SessionListRow {
  readonly sessionId: string;
  /** `session.title` of its latest session span; "" until a session span carries one. */
  readonly title: string;
  readonly parentSessionId: string;
  readonly agent: string;
  readonly project: string;
  /** Models by cost, most expensive first. */
  readonly models: readonly string[];
  /** Epoch ms of the earliest start and the latest end of its spans. */
  readonly startMs: number;
  readonly endMs: number;
  readonly turns: number;
  readonly llmCalls: number;
  readonly toolCalls: number;
  readonly toolFailures: number;
  /** LLM calls that ended in error, as in the report. */
  readonly errors: number;
  readonly retries: number;
  readonly costUsd: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly reasoningTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  /** Every token type added up. */
  readonly tokens: number;
  /** cacheRead / (input + cacheRead + cacheWrite), 0..1. */
  readonly cacheReadShare: number;
  /**
   * Lines added and removed, commits and pull requests, as `report --by session` counts them:
   * the plugin's change events plus other sources' `lines_of_code.count` points naming it.
   */
  readonly linesAdded: number;
  readonly linesRemoved: number;
  readonly commits: number;
  readonly pullRequests: number;
}

export const SESSION_SORTS = [
  "start",
  "duration",
  "title",
  "project",
  "agent",
  "turns",
  "llmCalls",
  "toolCalls",
  "errors",
  "cost",
  "tokens",
  "cacheReadShare",
  "lines",
] as const;
export type SessionSort = (typeof SESSION_SORTS)[number];

export interface SessionListQuery {
  /** Epoch ms: sessions active in [since, until). */
  readonly since?: number;
  readonly until?: number;
  /** Substring of the project directory (case-sensitive, as in `report --project`). */
  readonly project?: string;
  /** Sessions that called this model. */
  readonly model?: string;
  readonly agent?: string;
  /** Case-insensitive substring of the title or the session id. */
  readonly text?: string;
  readonly sort?: SessionSort;
  readonly descending?: boolean;
  readonly offset?: number;
  /** At most 500; 50 by default. */
  readonly limit?: number;
}

export interface SessionListPage {
  /** Sessions matching the filters, over every page. */
  readonly total: number;
  readonly offset: number;
  readonly rows: readonly SessionListRow[];
  /**
   * While the viewer is still reading a large store (0..1 done): the page is made of the
   * sessions read so far, the newest first, and older sessions' figures may still grow.
   */
  readonly loading?: number;
}

/** The names the filters offer, each with how many sessions use it. */
export interface SessionFacets {
  readonly projects: readonly Facet[];
  readonly models: readonly Facet[];
  readonly agents: readonly Facet[];
}

export interface Facet {
  readonly value: string;
  readonly sessions: number;
}

/** One span of a waterfall: what the row and its bar show, without the attribute JSON. */
export interface WaterfallSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** "" for a root, or the id of a span outside this session's subtree. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly category: "session" | "turn" | "llm" | "tool" | "other";
  readonly sessionId: string;
  /** Epoch ms (fractional). */
  readonly startMs: number;
  readonly endMs: number;
  /** 0 unset, 1 ok, 2 error. */
  readonly status: number;
  readonly statusMessage: string;
  readonly model: string;
  readonly tool: string;
  readonly costUsd: number;
  /** Every token type added up (LLM spans only). */
  readonly tokens: number;
  readonly retries: number;
  /** `turn.index` of a turn span, 0 otherwise. */
  readonly turnIndex: number;
  /** The subagent session a `task` call started, "" otherwise. */
  readonly childSessionId: string;
  /** Number of span events (retries, errors). */
  readonly events: number;
}

/** Lines, commits and pull requests that change events tie to one turn span. */
export interface TurnChanges {
  readonly traceId: string;
  /** The turn span's id. */
  readonly spanId: string;
  readonly linesAdded: number;
  readonly linesRemoved: number;
  readonly commits: number;
  readonly pullRequests: number;
}

export interface Waterfall {
  readonly sessionId: string;
  /** Its spans and its subagents', parents before children, siblings by start time. */
  readonly spans: readonly WaterfallSpan[];
  /**
   * Per turn (of the session and its subagents), the change events linked to the turn or to a
   * call under it. Events linked to no stored turn (a session-level correction) are in the
   * session's figures only.
   */
  readonly turnChanges: readonly TurnChanges[];
  /** True when the session had more spans than the limit and the latest were left out. */
  readonly truncated: boolean;
}

/** The newest row ids: the viewer polls these to see other processes' writes. */
export interface RowIds {
  readonly spans: number;
  readonly metricPoints: number;
  readonly codeChanges: number;
}

/** What rows stored after a row id touched. */
export interface Changes {
  readonly ids: RowIds;
  readonly sessions: readonly string[];
  readonly traces: readonly string[];
}

/** One recently stored span, for the live feed. */
export interface RecentSpan {
  readonly id: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string;
  readonly category: WaterfallSpan["category"];
  readonly sessionId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly status: number;
  readonly costUsd: number;
  readonly tokens: number;
}

export interface UsageQuery {
  readonly since?: number;
  readonly until?: number;
  readonly project?: string;
  readonly agent?: string;
  /** Only this model's LLM calls (see `ReportQuery.model`). */
  readonly model?: string;
  /** Time buckets; by default day up to 92 days, week up to two years, else month. */
  readonly group?: "day" | "week" | "month";
  readonly timeZone?: "local" | "utc";
}

/** Cost of each model in one time bucket. */
export interface ModelCosts {
  readonly key: string;
  readonly costs: Readonly<Record<string, number>>;
}

/**
 * The usage page: every figure is a `Store.report` (the same as `report --json` with the same
 * filter), by time, model, tool and agent, plus each bucket's cost per model.
 */
export interface Usage {
  readonly group: "day" | "week" | "month";
  readonly byTime: Report;
  readonly byModel: readonly ReportRow[];
  readonly byTool: readonly ReportRow[];
  readonly byAgent: readonly ReportRow[];
  readonly modelCosts: readonly ModelCosts[];
}
