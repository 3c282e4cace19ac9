/**
 * A session's spans as a collapsible tree, flattened into the rows a virtualized list shows.
 * Pure, so it is tested without a browser.
 */
import type { WaterfallSpan } from "../../store/viewer-api-types.js";

export interface SpanNode {
  readonly span: WaterfallSpan;
  readonly key: string;
  readonly depth: number;
  readonly children: SpanNode[];
  /** Cost and tokens of the LLM calls under it in its own session (a turn's, a session's). */
  cost: number;
  tokens: number;
  /** Failed spans under it (shown on a collapsed row). */
  errorsBelow: number;
}

export interface Row {
  readonly node: SpanNode;
  readonly collapsed: boolean;
}

export interface Forest {
  readonly roots: readonly SpanNode[];
  readonly byKey: ReadonlyMap<string, SpanNode>;
  /** Epoch ms of the first start and the last end. */
  readonly start: number;
  readonly end: number;
}

export const spanKey = (traceId: string, spanId: string) => `${traceId}/${spanId}`;

/** Builds the tree from spans listed parents first (as the API sends them). */
export function buildForest(spans: readonly WaterfallSpan[]): Forest {
  const byKey = new Map<string, SpanNode>();
  const roots: SpanNode[] = [];
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const span of spans) {
    const parent = byKey.get(spanKey(span.traceId, span.parentSpanId));
    const node: SpanNode = {
      span,
      key: spanKey(span.traceId, span.spanId),
      depth: parent ? parent.depth + 1 : 0,
      children: [],
      cost: 0,
      tokens: 0,
      errorsBelow: 0,
    };
    byKey.set(node.key, node);
    if (parent) parent.children.push(node);
    else roots.push(node);
    start = Math.min(start, span.startMs);
    end = Math.max(end, span.endMs);
  }
  for (const root of roots) total(root);
  return {
    roots,
    byKey,
    start: Number.isFinite(start) ? start : 0,
    end: Number.isFinite(end) ? end : 0,
  };
}

/** Sums a subtree bottom-up (iteratively: a deep tree must not overflow the stack). */
function total(root: SpanNode): void {
  const order: SpanNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node) break;
    order.push(node);
    stack.push(...node.children);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    if (!node) continue;
    if (node.span.category === "llm") {
      node.cost += node.span.costUsd;
      node.tokens += node.span.tokens;
    }
    for (const child of node.children) {
      if (child.span.sessionId === node.span.sessionId) {
        node.cost += child.cost;
        node.tokens += child.tokens;
      }
      node.errorsBelow += child.errorsBelow + (child.span.status === 2 ? 1 : 0);
    }
  }
}

/** The rows to show: every node whose ancestors are all expanded, depth first. */
export function visibleRows(forest: Forest, collapsed: ReadonlySet<string>): Row[] {
  const rows: Row[] = [];
  const stack = [...forest.roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node) break;
    const closed = collapsed.has(node.key) && node.children.length > 0;
    rows.push({ node, collapsed: closed });
    if (closed) continue;
    for (let i = node.children.length - 1; i >= 0; i--) {
      const child = node.children[i];
      if (child) stack.push(child);
    }
  }
  return rows;
}

/** The keys of every ancestor of `key`, to expand when a deep link selects a hidden span. */
export function ancestorsOf(forest: Forest, key: string): string[] {
  const out: string[] = [];
  let node = forest.byKey.get(key);
  while (node) {
    const parent = forest.byKey.get(spanKey(node.span.traceId, node.span.parentSpanId));
    if (!parent) break;
    out.push(parent.key);
    node = parent;
  }
  return out;
}

/** What a row is called: the turn number, the model, the tool, the agent. */
export function labelOf(span: WaterfallSpan): string {
  switch (span.category) {
    case "session":
      return `session ${span.sessionId}`;
    case "turn":
      return span.turnIndex ? `turn ${span.turnIndex}` : "turn";
    case "llm":
      return span.model ? `LLM ${span.model}` : "LLM call";
    case "tool":
      return span.childSessionId ? `${span.tool || "task"} → subagent` : span.tool || span.name;
    default:
      return span.name;
  }
}
