import * as sc from "../semconv.js";
import type { LogRow, SpanRow } from "./types.js";

/**
 * The project directory a span belongs to. No OpenTelemetry convention names one, so the store
 * reads this key: first as a span attribute (one opencode process can serve several
 * directories), then as a resource attribute (set by the plugin from its `directory`, or by hand
 * with `OPENCODE_RESOURCE_ATTRIBUTES=opencode.project.directory=/path`).
 */
export const PROJECT_DIRECTORY = "opencode.project.directory";

export type Category = "session" | "turn" | "llm" | "tool" | "other";

/**
 * The plugin's instrumentation scope (`src/sdk/telemetry.ts`): its `lines_of_code.count` points
 * are left out of reports, whose lines come from its `lines_changed` events instead.
 */
export const PLUGIN_SCOPE = "opencode-otel";

/** Report columns extracted from a span once, at insert time, so reports never parse JSON. */
export interface SpanColumns {
  readonly category: Category;
  readonly sessionId: string | null;
  readonly agent: string | null;
  readonly model: string | null;
  readonly provider: string | null;
  readonly tool: string | null;
  readonly project: string | null;
  readonly durationMs: number;
  readonly cost: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly reasoningTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly retries: number;
  /** 1 or 0 for tool spans, null otherwise. */
  readonly toolSuccess: number | null;
}

type Attrs = Readonly<Record<string, unknown>>;
type SpanFields = Pick<
  SpanRow,
  "name" | "startNs" | "endNs" | "statusCode" | "attributes" | "resource"
>;

const ERROR = 2;
const LLM_OPERATIONS = new Set(["chat", "text_completion", "generate_content"]);
const TOOL_NAME = /(?:^|\.)tool\.(.+)$/;

/**
 * Extracts the report columns. Token figures are taken from LLM spans only: session and turn
 * spans carry totals of the same calls, and counting both would double them.
 */
export function spanColumns(span: SpanFields): SpanColumns {
  const a = span.attributes;
  const category = categoryOf(span.name, a);
  const llm = category === "llm";
  // GenAI counts cached prompt tokens inside input_tokens and reasoning inside output_tokens
  // (the plugin adds opencode's separate figures back in); the report shows them apart.
  const cacheRead = llm
    ? (num(a[sc.LLM_TOKEN_COUNT_CACHE_READ]) ??
      num(a[sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]) ??
      0)
    : 0;
  const cacheWrite = llm
    ? (num(a[sc.LLM_TOKEN_COUNT_CACHE_WRITE]) ??
      num(a[sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]) ??
      0)
    : 0;
  const prompt = llm
    ? (num(a[sc.GEN_AI_USAGE_INPUT_TOKENS]) ?? num(a[sc.LLM_TOKEN_COUNT_PROMPT]) ?? 0)
    : 0;
  const completion = llm
    ? (num(a[sc.GEN_AI_USAGE_OUTPUT_TOKENS]) ?? num(a[sc.LLM_TOKEN_COUNT_COMPLETION]) ?? 0)
    : 0;
  const reasoning = llm ? (num(a[sc.LLM_TOKEN_COUNT_REASONING]) ?? 0) : 0;
  const tool = category === "tool" ? toolName(span.name, a) : null;
  return {
    category,
    sessionId: str(a[sc.SESSION_ID]) ?? str(a[sc.GEN_AI_CONVERSATION_ID]),
    agent: str(a[sc.GEN_AI_AGENT_NAME]) ?? str(a[sc.AGENT_NAME]),
    model: llm
      ? (str(a[sc.GEN_AI_RESPONSE_MODEL]) ??
        str(a[sc.GEN_AI_REQUEST_MODEL]) ??
        str(a[sc.LLM_MODEL_NAME]))
      : null,
    provider: llm
      ? (str(a[sc.GEN_AI_PROVIDER_NAME]) ?? str(a[sc.GEN_AI_SYSTEM]) ?? str(a[sc.LLM_PROVIDER]))
      : null,
    tool,
    project: projectOf(a, span.resource),
    durationMs: Math.max(0, Number(span.endNs - span.startNs) / 1e6),
    cost: llm ? (num(a[sc.LLM_COST_TOTAL]) ?? 0) : 0,
    inputTokens: Math.max(0, prompt - cacheRead - cacheWrite),
    outputTokens: Math.max(0, completion - reasoning),
    reasoningTokens: reasoning,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    retries: llm ? (num(a[sc.LLM_RETRIES]) ?? 0) : 0,
    toolSuccess:
      tool === null ? null : (bool(a[sc.TOOL_SUCCESS]) ?? span.statusCode !== ERROR) ? 1 : 0,
  };
}

/**
 * The plugin marks its spans with OpenInference kinds, so those decide first (whatever
 * `spanPrefix` is); spans from other OTLP sources are recognized by the GenAI operation name,
 * and as a last resort by the plugin's default span names.
 */
export function categoryOf(name: string, a: Attrs): Category {
  switch (a[sc.OPENINFERENCE_SPAN_KIND]) {
    case "LLM":
      return "llm";
    case "TOOL":
      return "tool";
    case "AGENT":
      // A turn is an agent invocation too: the root of its own trace in `turn` trace scope.
      if (a[sc.TURN_INDEX] !== undefined) return "turn";
      if (a[sc.SESSION_ID] !== undefined) return "session";
      break;
    case "CHAIN":
      if (a[sc.TURN_INDEX] !== undefined) return "turn";
      break;
  }
  const operation = a[sc.GEN_AI_OPERATION_NAME];
  if (typeof operation === "string" && LLM_OPERATIONS.has(operation)) return "llm";
  if (operation === "execute_tool") return "tool";
  if (name === "opencode.session") return "session";
  if (name === "opencode.turn") return "turn";
  if (name === "opencode.llm") return "llm";
  if (name.startsWith("opencode.tool.")) return "tool";
  return "other";
}

/** What one change event reports, with the names a report groups it by. */
export interface ChangeColumns {
  readonly added: number;
  readonly removed: number;
  readonly commits: number;
  readonly pullRequests: number;
  readonly sessionId: string | null;
  readonly model: string | null;
  readonly agent: string | null;
  readonly tool: string | null;
  readonly project: string | null;
}

/**
 * The plugin's change events (prefix-agnostic: `opencode.` or `claude_code.`): `lines_changed`,
 * `commit` and `pull_request`. Reports count lines, commits and pull requests from them: unlike
 * the counters, each names its session, and a late correction is one more event.
 */
export function changeColumns(row: Pick<LogRow, "eventName" | "attributes" | "resource">) {
  const a = row.attributes;
  const name = eventName(row.eventName, a);
  let added = 0;
  let removed = 0;
  if (name === "lines_changed") {
    added = Math.max(0, num(a.lines_added) ?? 0);
    removed = Math.max(0, num(a.lines_removed) ?? 0);
    if (added === 0 && removed === 0) return undefined;
  } else if (name !== "commit" && name !== "pull_request") return undefined;
  const columns: ChangeColumns = {
    added,
    removed,
    commits: name === "commit" ? 1 : 0,
    pullRequests: name === "pull_request" ? 1 : 0,
    sessionId: str(a[sc.SESSION_ID]),
    model: str(a.model),
    agent: str(a[sc.AGENT_NAME]),
    tool: str(a.tool_name),
    project: projectOf(a, row.resource),
  };
  return columns;
}

/** `event.name` (the unprefixed name), else the record's event name after its prefix. */
function eventName(recordName: string, a: Attrs): string {
  const named = a[sc.EVENT_NAME];
  if (typeof named === "string") return named;
  return recordName.slice(recordName.lastIndexOf(".") + 1);
}

function toolName(name: string, a: Attrs): string {
  return str(a[sc.GEN_AI_TOOL_NAME]) ?? str(a[sc.TOOL_NAME]) ?? TOOL_NAME.exec(name)?.[1] ?? name;
}

export function projectOf(attributes: Attrs, resource: Attrs): string | null {
  return str(attributes[PROJECT_DIRECTORY]) ?? str(resource[PROJECT_DIRECTORY]);
}

export function str(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

/** Numbers, also as int64 strings or bigints (OTLP/JSON sends int64 as a string). */
export function num(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function bool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}
