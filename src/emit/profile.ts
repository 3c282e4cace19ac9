/**
 * The naming profiles, as one table: every metric this plugin records, with its unit in each
 * profile. A new metric is one row here and one `record` call where its fact arrives. The README's
 * "What is emitted" tables are generated from this file (`scripts/sync-readme.ts`).
 *
 * - `opencode`: the established opencode OTel plugin's names and units (`opencode.token.usage` in
 *   `tokens`, so Prometheus shows `opencode_token_usage_tokens_total`, as its dashboards query).
 * - `claude_code`: Claude Code's eight metrics with its exact names and units (`tokens`, `USD`,
 *   `s`, none for counts), so `claude_code_token_usage_tokens_total`,
 *   `claude_code_cost_usage_USD_total` and `claude_code_session_count_total` come out of the
 *   OpenTelemetry-to-Prometheus translation exactly as the public Claude Code dashboards query
 *   them. The metrics Claude Code does not have keep the `opencode.` prefix there: naming them
 *   `claude_code.*` would invent Claude Code metrics.
 */
import type { ProfileName } from "../config/types.js";

export type MetricKind = "counter" | "histogram" | "gauge";

export interface MetricRow {
  /** Name without prefix. */
  readonly key: string;
  readonly kind: MetricKind;
  /** UCUM unit per profile; `""` is a plain count, as Claude Code sends it. */
  readonly unit: { readonly opencode: string; readonly claude_code: string };
  /** One of Claude Code's own metrics (named `claude_code.*` in that profile). */
  readonly claudeCode: boolean;
  /** Attributes besides the standard ones (Markdown list for the docs). */
  readonly attributes: string;
  readonly description: string;
}

/** Histogram bucket advice in milliseconds for tool and session durations. */
export const MS_BUCKETS = [
  5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000, 600000,
];

export const METRICS = [
  {
    key: "session.count",
    kind: "counter",
    unit: { opencode: "{session}", claude_code: "" },
    claudeCode: true,
    attributes: "`start_type` (`fresh`; a resumed session is not counted again), `agent.type`",
    description: "Sessions started",
  },
  {
    key: "token.usage",
    kind: "counter",
    unit: { opencode: "tokens", claude_code: "tokens" },
    claudeCode: true,
    attributes:
      "`type` (input, output, cacheRead, cacheCreation; `reasoning` in the `opencode` profile, inside `output` in the `claude_code` one), `model`, `provider`, `agent.name`, `query_source` (main, subagent)",
    description: "Tokens used, by type",
  },
  {
    key: "cost.usage",
    kind: "counter",
    unit: { opencode: "USD", claude_code: "USD" },
    claudeCode: true,
    attributes: "`model`, `provider`, `agent.name`, `query_source`",
    description: "Cost of LLM calls in US dollars",
  },
  {
    key: "lines_of_code.count",
    kind: "counter",
    unit: { opencode: "{line}", claude_code: "" },
    claudeCode: true,
    attributes:
      "`type` (added, removed), `model`, `provider`, `agent.name`, `tool_name` (the edit tool, when one wrote them)",
    description:
      "Lines of code added or removed, from opencode's per-turn diff of its snapshots (or the edit tools' counts outside git)",
  },
  {
    key: "commit.count",
    kind: "counter",
    unit: { opencode: "{commit}", claude_code: "" },
    claudeCode: true,
    attributes: "—",
    description:
      "Git commits made by the agent (a shell command that exited 0 and printed git's new-commit line)",
  },
  {
    key: "pull_request.count",
    kind: "counter",
    unit: { opencode: "{pull_request}", claude_code: "" },
    claudeCode: true,
    attributes: "—",
    description:
      "Pull requests (GitHub) and merge requests (GitLab) opened by the agent (a successful `gh pr create` or `glab mr create`)",
  },
  {
    key: "code_edit_tool.decision",
    kind: "counter",
    unit: { opencode: "{decision}", claude_code: "" },
    claudeCode: true,
    attributes:
      "`tool_name`, `decision` (accept, reject), `source` (config, user_permanent, user_temporary, user_reject), `language`",
    description:
      "Permission decisions on file-editing tool calls, one per call (decided by the permission rules, without a question: `config`)",
  },
  {
    key: "active_time.total",
    kind: "counter",
    unit: { opencode: "s", claude_code: "s" },
    claudeCode: true,
    attributes: "`type` (cli: turns running; user: reading and typing between turns, up to 5 min)",
    description: "Active time in seconds",
  },
  {
    key: "lines_of_code.total",
    kind: "gauge",
    unit: { opencode: "{line}", claude_code: "{line}" },
    claudeCode: false,
    attributes: "`type`",
    description: "Lines added or removed so far in the session that changed last (its lifetime)",
  },
  {
    key: "compaction.count",
    kind: "counter",
    unit: { opencode: "{compaction}", claude_code: "{compaction}" },
    claudeCode: false,
    attributes: "`trigger` (auto, manual)",
    description: "Conversation compactions (the host summarizing the session so far)",
  },
  {
    key: "cache.count",
    kind: "counter",
    unit: { opencode: "{request}", claude_code: "{request}" },
    claudeCode: false,
    attributes: "`type` (cacheRead, cacheCreation), `model`, `provider`, `agent.name`",
    description: "LLM calls that read or wrote the prompt cache",
  },
  {
    key: "message.count",
    kind: "counter",
    unit: { opencode: "{message}", claude_code: "{message}" },
    claudeCode: false,
    attributes: "`model`, `provider`, `agent.name`",
    description: "Assistant messages (LLM calls) completed",
  },
  {
    key: "model.usage",
    kind: "counter",
    unit: { opencode: "{request}", claude_code: "{request}" },
    claudeCode: false,
    attributes: "`model`, `provider`, `agent.name`",
    description: "LLM calls per model",
  },
  {
    key: "retry.count",
    kind: "counter",
    unit: { opencode: "{retry}", claude_code: "{retry}" },
    claudeCode: false,
    attributes: "`model`, `provider`, `agent.name`",
    description: "LLM request retries",
  },
  {
    key: "subtask.count",
    kind: "counter",
    unit: { opencode: "{subtask}", claude_code: "{subtask}" },
    claudeCode: false,
    attributes: "—",
    description: "Subagent tasks invoked",
  },
  {
    key: "tool.duration",
    kind: "histogram",
    unit: { opencode: "ms", claude_code: "ms" },
    claudeCode: false,
    attributes: "`tool_name`, `success`",
    description: "Tool call duration in milliseconds",
  },
  {
    key: "session.duration",
    kind: "histogram",
    unit: { opencode: "ms", claude_code: "ms" },
    claudeCode: false,
    attributes: "`agent.type`; one point per session, at finalization",
    description: "Session duration in milliseconds, recorded once when the session is finalized",
  },
  {
    key: "session.token.total",
    kind: "histogram",
    unit: { opencode: "tokens", claude_code: "tokens" },
    claudeCode: false,
    attributes: "`agent.type`",
    description: "Tokens used by one session (this process's segment), recorded once per session",
  },
  {
    key: "session.cost.total",
    kind: "histogram",
    unit: { opencode: "USD", claude_code: "USD" },
    claudeCode: false,
    attributes: "`agent.type`",
    description: "Cost of one session (this process's segment), recorded once per session",
  },
] as const satisfies readonly MetricRow[];

export type MetricKey = (typeof METRICS)[number]["key"];

/** How one profile names and shapes things. */
export interface Profile {
  readonly name: ProfileName;
  /** The full instrument name of a metric. */
  metricName(row: MetricRow): string;
  /** The prefix of log event names (`claude_code.` in the `claude_code` profile). */
  readonly eventPrefix: string;
  /**
   * A log record's body: the bare event name in the `opencode` profile (`tool_result`, as the
   * established plugin and SigNoz's opencode dashboard select on), the prefixed one in the
   * `claude_code` profile (`claude_code.tool_result`, as Claude Code sends and its Loki and
   * SigNoz dashboards filter on).
   */
  body(name: string): string;
  /** Claude Code reports no reasoning tokens: they are inside `output`. */
  readonly reasoningInOutput: boolean;
}

/** The profile for a config: `prefix` names everything in the `opencode` profile. */
export function createProfile(name: ProfileName, prefix: string): Profile {
  if (name === "claude_code")
    return {
      name,
      metricName: (row) => `${row.claudeCode ? "claude_code." : "opencode."}${row.key}`,
      eventPrefix: "claude_code.",
      body: (event) => `claude_code.${event}`,
      reasoningInOutput: true,
    };
  return {
    name,
    metricName: (row) => `${prefix}${row.key}`,
    eventPrefix: prefix,
    body: (event) => event,
    reasoningInOutput: false,
  };
}
