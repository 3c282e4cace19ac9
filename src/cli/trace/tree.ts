/**
 * A session's spans as an indented tree: name, duration and the attributes that matter for each
 * kind of span (model, tokens, cost, tool outcome, status). Pure, so it is tested as data.
 */
import * as sc from "../../semconv.js";
import type { SpanNode, SpanRow } from "../../store/index.js";
import { formatDuration, formatMoney, formatTokens } from "../report/format.js";
import { truncate } from "../report/table.js";

const STATUS_ERROR = 2;

const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

function tokens(value: unknown): string | undefined {
  const n = num(value);
  return n === undefined ? undefined : `${formatTokens(n)} tok`;
}

function cost(value: unknown): string | undefined {
  const n = num(value);
  return n === undefined ? undefined : formatMoney(n);
}

/** The few attributes worth a glance, by what the span is (its name's last part). */
export function spanDetails(span: SpanRow): string[] {
  const a = span.attributes;
  const kind = span.name.split(".").at(-2) === "tool" ? "tool" : span.name.split(".").at(-1);
  const details: (string | undefined)[] = [];
  switch (kind) {
    case "session":
      details.push(
        typeof a[sc.AGENT_NAME] === "string" ? `agent ${a[sc.AGENT_NAME]}` : undefined,
        a[sc.AGENT_TYPE] === "subagent" ? "subagent" : undefined,
        tokens(a[sc.SESSION_TOTAL_TOKENS]),
        cost(a[sc.SESSION_TOTAL_COST_USD]),
      );
      break;
    case "turn":
      details.push(
        num(a[sc.TURN_INDEX]) !== undefined ? `#${a[sc.TURN_INDEX]}` : undefined,
        tokens(a[sc.TURN_TOTAL_TOKENS]),
        cost(a[sc.TURN_TOTAL_COST_USD]),
      );
      break;
    case "llm": {
      const input = num(a[sc.GEN_AI_USAGE_INPUT_TOKENS]);
      const output = num(a[sc.GEN_AI_USAGE_OUTPUT_TOKENS]);
      const retries = num(a[sc.LLM_RETRIES]);
      details.push(
        typeof a[sc.GEN_AI_REQUEST_MODEL] === "string"
          ? String(a[sc.GEN_AI_REQUEST_MODEL])
          : undefined,
        input !== undefined || output !== undefined
          ? `${formatTokens(input ?? 0)} in / ${formatTokens(output ?? 0)} out`
          : undefined,
        cost(a[sc.LLM_COST_TOTAL]),
        retries ? `${retries} ${retries === 1 ? "retry" : "retries"}` : undefined,
      );
      break;
    }
    case "tool": {
      const success = a[sc.TOOL_SUCCESS];
      details.push(
        success === true ? "ok" : success === false ? "failed" : undefined,
        num(a[sc.TOOL_EXIT_CODE]) !== undefined ? `exit ${a[sc.TOOL_EXIT_CODE]}` : undefined,
      );
      break;
    }
  }
  if (span.statusCode === STATUS_ERROR) {
    details.push(`ERROR${span.statusMessage ? `: ${span.statusMessage}` : ""}`);
  }
  return details.filter((d): d is string => d !== undefined);
}

function durationOf(span: SpanRow): string {
  const ns = span.endNs - span.startNs;
  return formatDuration(Number(ns > 0n ? ns : 0n) / 1e6);
}

/** One line per span, children under their parent with box-drawing guides. */
export function renderTree(roots: readonly SpanNode[], width: number | undefined): string[] {
  const lines: string[] = [];
  const walk = (node: SpanNode, prefix: string, guide: string) => {
    const details = spanDetails(node.span);
    const text = `${prefix}${node.span.name}  ${durationOf(node.span)}${details.length ? `  ${details.join(" · ")}` : ""}`;
    lines.push(width === undefined ? text : truncate(text, width));
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      walk(child, `${guide}${last ? "└─ " : "├─ "}`, `${guide}${last ? "   " : "│  "}`);
    });
  };
  for (const root of roots) walk(root, "", "");
  return lines;
}
