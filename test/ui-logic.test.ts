/**
 * The viewer's browser-side logic that needs no browser: the waterfall tree (collapse, deep-link
 * expansion, per-turn sums), chart stacking, routes and filters.
 */
import { describe, expect, test } from "bun:test";
import type { WaterfallSpan } from "../src/store/index.js";
import { bucketSeconds, stack, topNames } from "../src/ui/charts/stack.js";
import { apiParams, withParam } from "../src/ui/filters.js";
import { parseRoute, sessionPath } from "../src/ui/routes.js";
import {
  ancestorsOf,
  buildForest,
  labelOf,
  spanKey,
  visibleRows,
} from "../src/ui/waterfall/tree.js";

const T = "a".repeat(32);
let clock = 1_000;
function span(
  spanId: string,
  parentSpanId: string,
  category: WaterfallSpan["category"],
  extra: Partial<WaterfallSpan> = {},
): WaterfallSpan {
  clock += 10;
  return {
    traceId: T,
    spanId,
    parentSpanId,
    name: `opencode.${category}`,
    category,
    sessionId: "ses_parent",
    startMs: clock,
    endMs: clock + 100,
    status: 0,
    statusMessage: "",
    model: category === "llm" ? "m" : "",
    tool: category === "tool" ? "bash" : "",
    costUsd: category === "llm" ? 0.5 : 0,
    tokens: category === "llm" ? 100 : 0,
    retries: 0,
    turnIndex: category === "turn" ? 1 : 0,
    childSessionId: "",
    events: 0,
    ...extra,
  };
}

// session -> turn -> [llm, task -> child session -> child turn -> child llm (failed)], llm
const spans = [
  span("s", "", "session"),
  span("t", "s", "turn"),
  span("l1", "t", "llm"),
  span("task", "t", "tool", { tool: "task", childSessionId: "ses_child" }),
  span("cs", "task", "session", { sessionId: "ses_child" }),
  span("ct", "cs", "turn", { sessionId: "ses_child" }),
  span("cl", "ct", "llm", { sessionId: "ses_child", status: 2, costUsd: 2 }),
  span("l2", "t", "llm"),
];

describe("the waterfall tree", () => {
  const forest = buildForest(spans);

  test("nests by parent, keeps order, and spans the whole session", () => {
    expect(forest.roots.map((node) => node.span.spanId)).toEqual(["s"]);
    const rows = visibleRows(forest, new Set());
    expect(rows.map((row) => row.node.span.spanId)).toEqual(spans.map((s) => s.spanId));
    expect(rows.map((row) => row.node.depth)).toEqual([0, 1, 2, 2, 3, 4, 5, 2]);
    expect(forest.start).toBe(spans[0]?.startMs ?? -1);
    expect(forest.end).toBe(spans.at(-1)?.endMs ?? -1);
  });

  test("sums a turn's own LLM calls (a subagent's are its own) and counts errors below", () => {
    const turn = forest.byKey.get(spanKey(T, "t"));
    expect(turn?.cost).toBe(1);
    expect(turn?.tokens).toBe(200);
    expect(forest.byKey.get(spanKey(T, "ct"))?.cost).toBe(2);
    expect(turn?.errorsBelow).toBe(1);
  });

  test("collapsing hides a subtree; a deep link knows what to expand", () => {
    const rows = visibleRows(forest, new Set([spanKey(T, "task")]));
    expect(rows.map((row) => row.node.span.spanId)).toEqual(["s", "t", "l1", "task", "l2"]);
    expect(rows[3]?.collapsed).toBe(true);
    expect(ancestorsOf(forest, spanKey(T, "cl"))).toEqual(
      ["ct", "cs", "task", "t", "s"].map((id) => spanKey(T, id)),
    );
  });

  test("labels say what a span is", () => {
    expect(spans.map(labelOf)).toEqual([
      "session ses_parent",
      "turn 1",
      "LLM m",
      "task → subagent",
      "session ses_child",
      "turn 1",
      "LLM m",
      "LLM m",
    ]);
  });

  test("a span whose parent is not listed is a root (a running session)", () => {
    const orphan = buildForest([span("x", "missing", "turn"), span("y", "x", "llm")]);
    expect(orphan.roots.map((node) => node.span.spanId)).toEqual(["x"]);
  });
});

describe("charts, routes and filters", () => {
  test("stacks series into running totals", () => {
    expect(
      stack([
        [1, 2],
        [3, 4],
        [0, 1],
      ]),
    ).toEqual([
      [1, 2],
      [4, 6],
      [4, 7],
    ]);
    expect(
      topNames(
        new Map([
          ["a", 1],
          ["b", 3],
          ["c", 2],
        ]),
        2,
      ),
    ).toEqual({
      names: ["b", "c"],
      other: true,
    });
    expect(bucketSeconds("2025-03-04")).toBe(new Date(2025, 2, 4).getTime() / 1000);
    expect(bucketSeconds("2025-03")).toBe(new Date(2025, 2, 1).getTime() / 1000);
  });

  test("every view is a path", () => {
    const span = { traceId: T, spanId: "b".repeat(16) };
    const path = sessionPath("ses_1", span);
    expect(parseRoute(path, "")).toEqual({ page: "session", sessionId: "ses_1", span });
    expect(parseRoute("/session/ses_1", "")).toEqual({
      page: "session",
      sessionId: "ses_1",
      span: undefined,
    });
    expect(parseRoute("/usage", "?project=x").page).toBe("usage");
    expect(parseRoute("/", "").page).toBe("sessions");
    expect(parseRoute("/nope", "").page).toBe("missing");
  });

  test("filters become API parameters; a filter change starts at page one", () => {
    const now = Date.UTC(2025, 5, 10);
    expect(apiParams(new URLSearchParams("range=7d&project=p&q=x"), ["q"], now).toString()).toBe(
      `since=${now - 7 * 86_400_000}&project=p&q=x`,
    );
    const custom = apiParams(new URLSearchParams("from=2025-06-01&to=2025-06-02&range=7d"), []);
    expect(custom.get("since")).toBe(String(new Date(2025, 5, 1).getTime()));
    expect(custom.get("until")).toBe(String(new Date(2025, 5, 3).getTime()));
    expect(
      withParam(new URLSearchParams("page=3&from=2025-01-01"), "range", "24h").toString(),
    ).toBe("range=24h");
  });
});
