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
  readonly events: readonly { name: string; timeNs: bigint; attributes: Readonly<Record<string, unknown>> }[];
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
}

/** Report grouping (issue 6: daily, weekly, monthly, per session, model, agent, tool). */
export type ReportGroup = "day" | "week" | "month" | "session" | "model" | "agent" | "tool";

export interface ReportQuery {
  readonly group: ReportGroup;
  /** Epoch milliseconds, inclusive / exclusive. */
  readonly since?: number;
  readonly until?: number;
  /** Match on the session's project directory (resource or span attribute), substring. */
  readonly project?: string;
}

/** One row of a usage report (LLM figures from `*.llm` spans, tool figures from `*.tool.*`). */
export interface ReportRow {
  readonly key: string;
  readonly costUsd: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly reasoningTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  /** cacheRead / (input + cacheRead + cacheWrite), 0..1. */
  readonly cacheReadShare: number;
  readonly llmCalls: number;
  readonly turns: number;
  readonly sessions: number;
  readonly errors: number;
  readonly retries: number;
  readonly toolCalls: number;
  readonly toolSuccessRate: number; // 0..1, 0 when no tool calls
  readonly toolP50Ms: number;
  readonly toolP95Ms: number;
  readonly linesAdded: number;
  readonly linesRemoved: number;
}

export interface Report {
  readonly query: ReportQuery;
  readonly rows: readonly ReportRow[];
  readonly total: ReportRow;
}
