import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { api } from "../api.js";
import { Tile } from "../components/tile.js";
import {
  formatCount,
  formatDateTime,
  formatDuration,
  formatMoney,
  formatShare,
  formatTokens,
} from "../format.js";
import { type Change, useLive } from "../live.js";
import { navigate, sessionPath } from "../router.js";
import { useData } from "../use-data.js";
import { SpanDetails } from "../waterfall/details.js";
import { ancestorsOf, buildForest, spanKey, visibleRows } from "../waterfall/tree.js";
import { Waterfall } from "../waterfall/waterfall.js";

interface Props {
  readonly sessionId: string;
  readonly span: { traceId: string; spanId: string } | undefined;
}

export function SessionPage({ sessionId, span }: Props) {
  const data = useData(
    sessionId,
    () => api.session(sessionId),
    0,
    () => api.inlineSession(sessionId),
  );
  const waterfall = data.value?.waterfall;
  const summary = data.value?.session;
  const forest = useMemo(() => {
    performance.mark("session-data");
    const built = buildForest(waterfall?.spans ?? [], waterfall?.turnChanges);
    performance.mark("session-forest");
    return built;
  }, [waterfall]);
  const traces = useMemo(
    () => new Set((waterfall?.spans ?? []).map((s) => s.traceId)),
    [waterfall],
  );
  // New rows of this session, of its subagents or of its trace: fetch the waterfall again.
  const relevant = useCallback(
    (change: Change) =>
      change.all === true ||
      (change.sessions ?? []).includes(sessionId) ||
      (change.traces ?? []).some((trace) => traces.has(trace)),
    [sessionId, traces],
  );
  useLive(relevant, data.reload, 200);

  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const selected = span ? spanKey(span.traceId, span.spanId) : undefined;
  // A deep link to a span inside a collapsed subtree opens the way to it.
  useEffect(() => {
    if (!selected) return;
    const hidden = ancestorsOf(forest, selected).filter((key) => collapsed.has(key));
    if (hidden.length === 0) return;
    const next = new Set(collapsed);
    for (const key of hidden) next.delete(key);
    setCollapsed(next);
  }, [selected, forest, collapsed]);
  const rows = useMemo(() => visibleRows(forest, collapsed), [forest, collapsed]);

  const toggle = (key: string) => {
    const next = new Set(collapsed);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setCollapsed(next);
  };
  const collapseTurns = () =>
    setCollapsed(
      new Set(
        [...forest.byKey.values()]
          .filter((node) => node.span.category === "turn")
          .map((node) => node.key),
      ),
    );
  const select = (key: string) => {
    const node = forest.byKey.get(key);
    if (!node) return;
    navigate(
      sessionPath(sessionId, { traceId: node.span.traceId, spanId: node.span.spanId }),
      true,
    );
  };

  if (data.error && !waterfall)
    return (
      <section class="page">
        <p class="error">{data.error}</p>
        <a href="/sessions">All sessions</a>
      </section>
    );
  return (
    <section class={`page session-page${span ? " with-details" : ""}`}>
      <header class="page-head">
        <div>
          <a href="/sessions" class="muted small">
            ← Sessions
          </a>
          <h1>{summary?.title || sessionId}</h1>
          <div class="muted small mono">{sessionId}</div>
          {summary?.parentSessionId ? (
            <div class="small">
              Subagent of{" "}
              <a href={sessionPath(summary.parentSessionId)}>{summary.parentSessionId}</a>
            </div>
          ) : null}
        </div>
        {summary ? (
          <dl class="tiles" data-testid="session-summary">
            <Tile label="Cost" value={formatMoney(summary.costUsd)} />
            <Tile label="Tokens" value={formatTokens(summary.tokens)} />
            <Tile
              label="Cached"
              value={formatShare(
                summary.cacheReadShare,
                summary.inputTokens + summary.cacheReadTokens > 0,
              )}
            />
            <Tile label="Turns" value={formatCount(summary.turns)} />
            <Tile label="LLM calls" value={formatCount(summary.llmCalls)} />
            <Tile label="Tools" value={formatCount(summary.toolCalls)} />
            <Tile label="Errors" value={formatCount(summary.errors)} bad={summary.errors > 0} />
            <Tile
              label="Lines"
              testid="session-lines"
              value={
                summary.linesAdded + summary.linesRemoved > 0
                  ? `+${formatCount(summary.linesAdded)} −${formatCount(summary.linesRemoved)}`
                  : "–"
              }
            />
            {summary.commits + summary.pullRequests > 0 ? (
              <Tile
                label="Commits · PRs"
                value={`${formatCount(summary.commits)} · ${formatCount(summary.pullRequests)}`}
              />
            ) : null}
            <Tile label="Started" value={formatDateTime(summary.startMs)} />
            <Tile label="Duration" value={formatDuration(summary.endMs - summary.startMs)} />
            <Tile label="Agent" value={summary.agent || "–"} />
            <Tile label="Models" value={summary.models.join(", ") || "–"} />
          </dl>
        ) : null}
      </header>
      <div class="toolbar">
        <button type="button" onClick={collapseTurns}>
          Collapse turns
        </button>
        <button type="button" onClick={() => setCollapsed(new Set())}>
          Expand all
        </button>
        <span class="muted small">
          {waterfall ? `${formatCount(waterfall.spans.length)} spans` : "loading…"}
          {waterfall?.truncated ? " (the newest were left out)" : ""}
        </span>
      </div>
      <div class="session-body">
        <Waterfall
          forest={forest}
          rows={rows}
          selected={selected}
          onSelect={select}
          onToggle={toggle}
        />
        {span ? (
          <SpanDetails
            sessionId={sessionId}
            traceId={span.traceId}
            spanId={span.spanId}
            onClose={() => navigate(sessionPath(sessionId), true)}
          />
        ) : null}
      </div>
    </section>
  );
}
