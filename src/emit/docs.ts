/** The README's "What is emitted" metrics table, generated from the profile table (`profile.ts`). */
import { GEN_AI_METRICS } from "./gen-ai-metrics.js";
import { createProfile, METRICS } from "./profile.js";

const opencode = createProfile("opencode", "opencode.");
const claudeCode = createProfile("claude_code", "claude_code.");

const unitCell = (unit: string) => (unit === "" ? "none" : `\`${unit}\``);

/** One row per metric: its name and unit in each profile. Deterministic, ends with a newline. */
export function renderMetricsTable(): string {
  const rows = [
    "| metric (`opencode` profile) | unit | `claude_code` profile | unit | type | attributes |",
    "| --- | --- | --- | --- | --- | --- |",
    ...METRICS.map(
      (row) =>
        `| \`${opencode.metricName(row)}\` | ${unitCell(row.unit.opencode)} | \`${claudeCode.metricName(row)}\` | ${unitCell(row.unit.claude_code)} | ${row.kind} | ${row.attributes.replace(/\|/g, "\\|")} |`,
    ),
  ];
  return `${rows.join("\n")}\n`;
}

/** The GenAI metrics, never prefixed, by when they are recorded. */
export function renderGenAiList(): string {
  const list = (names: readonly string[]) => names.map((name) => `\`${name}\``).join(", ");
  return [
    `- Always: ${list(GEN_AI_METRICS.agent)} (one point per turn, or per tool call).`,
    `- Default (GenAI conventions v1.41): ${list(GEN_AI_METRICS.v141)}.`,
    `- With \`OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental\`, instead: ${list(GEN_AI_METRICS.latest)}.`,
    "",
  ].join("\n");
}
