import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { TurnChanges } from "../../store/viewer-api-types.js";
import { formatCount, formatDuration, formatMoney, formatTokens } from "../format.js";
import { colorOf } from "./colors.js";
import { Minimap } from "./minimap.js";
import { type Forest, labelOf, type Row } from "./tree.js";
import { useVirtualizer } from "./virtual.js";

const ROW_HEIGHT = 26;
/**
 * Rows kept in the page above and below the view: a few while the first rows are drawn (each
 * row is a dozen elements to create before the first paint), more once they are on screen, so
 * that scrolling finds rows ready.
 */
const OVERSCAN_FIRST = 2;
const OVERSCAN = 12;
/** Above this many rows the minimap appears. */
const MINIMAP_ROWS = 40;

interface Props {
  readonly forest: Forest;
  readonly rows: readonly Row[];
  readonly selected: string | undefined;
  readonly onSelect: (key: string) => void;
  readonly onToggle: (key: string) => void;
}

/**
 * The session as a waterfall: one row per span (label on the left, bar on a shared time axis on
 * the right), virtualized, with a minimap for long sessions.
 */
export function Waterfall({ forest, rows, selected, onSelect, onToggle }: Props) {
  const body = useRef<HTMLDivElement>(null);
  const [overscan, setOverscan] = useState(OVERSCAN_FIRST);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => body.current,
    estimateSize: () => ROW_HEIGHT,
    overscan,
    // Rows on the first render, before the element has been measured: the height `.wf-body`
    // gets in styles.css, so that measuring it does not render again with other rows.
    initialRect: { width: innerWidth, height: Math.max(300, innerHeight - 260) },
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = (items.at(-1)?.index ?? 0) + 1;
  const selectedIndex = useMemo(
    () => rows.findIndex((row) => row.node.key === selected),
    [rows, selected],
  );
  // A deep link (or a selection from the minimap) scrolls its row into view once.
  const [scrolledTo, setScrolledTo] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (selected && selectedIndex >= 0 && scrolledTo !== selected) {
      virtualizer.scrollToIndex(selectedIndex, { align: "center" });
      setScrolledTo(selected);
    }
  }, [selected, selectedIndex, scrolledTo, virtualizer]);

  // For the benchmark and tests: when a fetched waterfall's first rows are in the page (a layout
  // effect: right after the DOM has them, not a frame later).
  const drawn = items.length > 0;
  // Then when they are painted: a timer set from the next animation frame runs after its paint.
  useLayoutEffect(() => {
    if (!drawn) return;
    performance.mark("waterfall-ready");
    const root = document.documentElement;
    root.dataset.waterfallReady = String(forest.byKey.size);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => {
        if (!root.dataset.waterfallPainted) {
          performance.mark("waterfall-painted");
          root.dataset.waterfallPainted = String(forest.byKey.size);
        }
        setOverscan(OVERSCAN);
      }, 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [drawn, forest]);

  const span = Math.max(1, forest.end - forest.start);
  const at = (ms: number) => ((ms - forest.start) / span) * 100;
  return (
    <div class="waterfall">
      {rows.length > MINIMAP_ROWS ? (
        <Minimap
          rows={rows}
          start={forest.start}
          end={forest.end}
          view={[first, last]}
          onJump={(index) => virtualizer.scrollToIndex(index, { align: "center" })}
        />
      ) : null}
      <div class="wf-head">
        <div class="wf-label">Span</div>
        <div class="wf-axis">
          {[0, 0.25, 0.5, 0.75, 1].map((f) => (
            <span key={f} style={{ left: `${f * 100}%` }}>
              {formatDuration(f * span)}
            </span>
          ))}
        </div>
      </div>
      <div class="wf-body" ref={body} data-testid="waterfall" data-rows={rows.length}>
        <div style={{ height: `${virtualizer.getTotalSize()}px` }} class="wf-inner">
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            const { node } = row;
            const s = node.span;
            const left = at(s.startMs);
            const width = Math.max(0.15, at(s.endMs) - left);
            const failed = s.status === 2;
            return (
              <div
                key={node.key}
                class={`wf-row cat-${s.category}${failed ? " failed" : ""}${node.key === selected ? " selected" : ""}`}
                style={{ transform: `translateY(${item.start}px)`, height: `${ROW_HEIGHT}px` }}
                data-span={s.spanId}
                data-category={s.category}
                data-session={s.sessionId}
                data-depth={node.depth}
              >
                <div class="wf-label" style={{ paddingLeft: `${node.depth * 14 + 4}px` }}>
                  {node.children.length > 0 ? (
                    <button
                      type="button"
                      class="twisty"
                      aria-expanded={!row.collapsed}
                      aria-label={row.collapsed ? "Expand" : "Collapse"}
                      onClick={() => onToggle(node.key)}
                    >
                      {row.collapsed ? "▸" : "▾"}
                    </button>
                  ) : (
                    <span class="twisty-space" />
                  )}
                  <button
                    type="button"
                    class="wf-name"
                    elementtiming="waterfall-row"
                    onClick={() => onSelect(node.key)}
                  >
                    {labelOf(s)}
                  </button>
                  {failed ? (
                    <span class="badge bad" title={s.statusMessage || "error"}>
                      ✕ error
                    </span>
                  ) : null}
                  {s.retries > 0 ? (
                    <span class="badge warn" title={`${s.retries} retries`}>
                      ↻ {s.retries}
                    </span>
                  ) : null}
                  {row.collapsed && node.errorsBelow > 0 ? (
                    <span class="badge bad">{node.errorsBelow} ✕ inside</span>
                  ) : null}
                  {(s.category === "turn" || s.category === "session") && node.cost > 0 ? (
                    <span class="wf-figures" data-cost={node.cost} data-tokens={node.tokens}>
                      {formatMoney(node.cost)} · {formatTokens(node.tokens)} tok
                    </span>
                  ) : null}
                  {node.changes ? <Changed changes={node.changes} /> : null}
                </div>
                <button
                  type="button"
                  class="wf-track"
                  onClick={() => onSelect(node.key)}
                  aria-label={`${labelOf(s)}, ${formatDuration(s.endMs - s.startMs)}`}
                >
                  <span
                    class="wf-bar"
                    style={{
                      left: `${left}%`,
                      width: `${width}%`,
                      background: colorOf(s),
                    }}
                  />
                  <span
                    class="wf-duration"
                    style={
                      left > 60
                        ? { right: `${100 - left + 0.5}%` }
                        : { left: `${left + width + 0.5}%` }
                    }
                  >
                    {formatDuration(s.endMs - s.startMs)}
                  </span>
                </button>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** A turn's lines added and removed, commits and pull requests, where change events name them. */
function Changed({ changes }: { changes: TurnChanges }) {
  const { linesAdded, linesRemoved, commits, pullRequests } = changes;
  return (
    <span class="wf-figures wf-changes" data-lines={`${linesAdded}/${linesRemoved}`}>
      {linesAdded + linesRemoved > 0 ? (
        <>
          <span class="good">+{formatCount(linesAdded)}</span>{" "}
          <span class="bad">−{formatCount(linesRemoved)}</span>
        </>
      ) : null}
      {commits > 0 ? ` · ${formatCount(commits)} commit${commits === 1 ? "" : "s"}` : null}
      {pullRequests > 0
        ? ` · ${formatCount(pullRequests)} PR${pullRequests === 1 ? "" : "s"}`
        : null}
    </span>
  );
}
