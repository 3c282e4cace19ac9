/**
 * A session's spans as a collapsible tree, flattened into the rows a virtualized list shows.
 * Pure, so it is tested without a browser.
 */
import type { TurnChanges, WaterfallSpan } from "../../store/viewer-api-types.js";

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
  /** A turn's lines, commits and pull requests, when change events name any. */
  changes?: TurnChanges;
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

/**
 * Builds the tree from spans listed parents first (as the API sends them). It runs once, cold
 * (V8 has not optimized it yet) and before the first row is drawn, so it does the least it can:
 * one pass down to link each span to its parent, one pass back up to add costs and errors to
 * parents (every child comes after its parent, so children are done first).
 */
export function buildForest(
  spans: readonly WaterfallSpan[],
  turnChanges: readonly TurnChanges[] = [],
): Forest {
  const byKey = new Map<string, SpanNode>();
  const roots: SpanNode[] = [];
  const nodes: SpanNode[] = [];
  const parents: (SpanNode | undefined)[] = [];
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const span of spans) {
    const parent = span.parentSpanId
      ? byKey.get(spanKey(span.traceId, span.parentSpanId))
      : undefined;
    const llm = span.category === "llm";
    const node: SpanNode = {
      span,
      key: spanKey(span.traceId, span.spanId),
      depth: parent ? parent.depth + 1 : 0,
      children: [],
      cost: llm ? span.costUsd : 0,
      tokens: llm ? span.tokens : 0,
      errorsBelow: 0,
    };
    byKey.set(node.key, node);
    nodes.push(node);
    parents.push(parent);
    if (parent) parent.children.push(node);
    else roots.push(node);
    if (span.startMs < start) start = span.startMs;
    if (span.endMs > end) end = span.endMs;
  }
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const parent = parents[i];
    if (!node || !parent) continue;
    // A subagent's calls are its own session's, not the turn's that started it.
    if (node.span.sessionId === parent.span.sessionId) {
      parent.cost += node.cost;
      parent.tokens += node.tokens;
    }
    parent.errorsBelow += node.errorsBelow + (node.span.status === 2 ? 1 : 0);
  }
  for (const changes of turnChanges) {
    const node = byKey.get(spanKey(changes.traceId, changes.spanId));
    if (node) node.changes = changes;
  }
  return {
    roots,
    byKey,
    start: Number.isFinite(start) ? start : 0,
    end: Number.isFinite(end) ? end : 0,
  };
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
