import { useEffect, useRef, useState } from "preact/hooks";
import { colorOf } from "./colors.js";
import type { Row } from "./tree.js";

interface Props {
  readonly rows: readonly Row[];
  readonly start: number;
  readonly end: number;
  /** Rows in view: [first, last). */
  readonly view: readonly [number, number];
  readonly onJump: (row: number) => void;
}

const HEIGHT = 56;

/**
 * The whole session at a glance, one line per row (rows share a pixel when there are more rows
 * than pixels), with the part in view framed. Clicking or dragging scrolls the waterfall there.
 *
 * The rows are drawn once per set of rows, after the waterfall's first rows are on screen (they
 * come first), into a canvas of their own; scrolling only moves the frame, on a second canvas.
 */
export function Minimap({ rows, start, end, view, onJump }: Props) {
  const bars = useRef<HTMLCanvasElement>(null);
  const frame = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);

  useEffect(() => {
    let cancelled = false;
    // After the next frame is painted: a timer set from an animation frame runs after it.
    const frameId = requestAnimationFrame(() =>
      setTimeout(() => {
        const element = bars.current;
        if (cancelled || !element) return;
        setWidth(drawBars(element, rows, start, end));
      }, 0),
    );
    return () => {
      cancelled = true;
      cancelAnimationFrame(frameId);
    };
  }, [rows, start, end]);

  useEffect(() => {
    const element = frame.current;
    const context = element && width > 0 ? prepare(element, width) : undefined;
    if (!context) return;
    const rowHeight = HEIGHT / Math.max(1, rows.length);
    context.strokeStyle = "rgba(40, 40, 40, 0.8)";
    context.lineWidth = 1;
    context.strokeRect(
      0.5,
      view[0] * rowHeight + 0.5,
      width - 1,
      Math.max(2, (view[1] - view[0]) * rowHeight - 1),
    );
  }, [rows.length, view, width]);

  const jump = (event: PointerEvent) => {
    const element = frame.current;
    if (!element) return;
    const y = event.clientY - element.getBoundingClientRect().top;
    onJump(Math.floor((y / HEIGHT) * rows.length));
  };
  return (
    <div class="minimap">
      <canvas ref={bars} />
      <canvas
        ref={frame}
        aria-label="Minimap of the session: click to scroll there"
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId);
          jump(event);
        }}
        onPointerMove={(event) => {
          if (event.buttons === 1) jump(event);
        }}
      />
    </div>
  );
}

/** Sizes a canvas to its box at the screen's pixel ratio and clears it. */
function prepare(element: HTMLCanvasElement, width: number): CanvasRenderingContext2D | undefined {
  const context = element.getContext("2d");
  if (!context) return undefined;
  const ratio = devicePixelRatio || 1;
  element.width = Math.max(1, Math.round(width * ratio));
  element.height = Math.round(HEIGHT * ratio);
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, HEIGHT);
  return context;
}

/** Draws every row's bar, one colour at a time; returns the width drawn. */
function drawBars(
  element: HTMLCanvasElement,
  rows: readonly Row[],
  start: number,
  end: number,
): number {
  const width = element.clientWidth;
  const context = prepare(element, width);
  if (!context) return width;
  const span = Math.max(1, end - start);
  const rowHeight = HEIGHT / Math.max(1, rows.length);
  const height = Math.max(1, rowHeight - 0.5);
  const byColor = new Map<string, number[]>();
  rows.forEach((row, index) => {
    const color = colorOf(row.node.span);
    const list = byColor.get(color);
    if (list) list.push(index);
    else byColor.set(color, [index]);
  });
  for (const [color, indexes] of byColor) {
    context.fillStyle = color;
    for (const index of indexes) {
      const s = rows[index]?.node.span;
      if (!s) continue;
      const x = ((s.startMs - start) / span) * width;
      context.fillRect(
        x,
        index * rowHeight,
        Math.max(1, ((s.endMs - s.startMs) / span) * width),
        height,
      );
    }
  }
  return width;
}
