import { useEffect, useRef } from "preact/hooks";
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
 */
export function Minimap({ rows, start, end, view, onJump }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext("2d");
    if (!element || !context) return;
    const width = element.clientWidth;
    const ratio = devicePixelRatio || 1;
    element.width = Math.max(1, Math.round(width * ratio));
    element.height = Math.round(HEIGHT * ratio);
    context.scale(ratio, ratio);
    context.clearRect(0, 0, width, HEIGHT);
    const span = Math.max(1, end - start);
    const rowHeight = HEIGHT / Math.max(1, rows.length);
    rows.forEach((row, index) => {
      const s = row.node.span;
      const x = ((s.startMs - start) / span) * width;
      const w = Math.max(1, ((s.endMs - s.startMs) / span) * width);
      context.fillStyle = colorOf(s);
      context.fillRect(x, index * rowHeight, w, Math.max(1, rowHeight - 0.5));
    });
    context.strokeStyle = "rgba(40, 40, 40, 0.8)";
    context.lineWidth = 1;
    context.strokeRect(
      0.5,
      view[0] * rowHeight + 0.5,
      width - 1,
      Math.max(2, (view[1] - view[0]) * rowHeight - 1),
    );
  }, [rows, start, end, view]);

  const jump = (event: PointerEvent) => {
    const element = canvas.current;
    if (!element) return;
    const y = event.clientY - element.getBoundingClientRect().top;
    onJump(Math.floor((y / HEIGHT) * rows.length));
  };
  return (
    <canvas
      ref={canvas}
      class="minimap"
      aria-label="Minimap of the session: click to scroll there"
      onPointerDown={(event) => {
        event.currentTarget.setPointerCapture(event.pointerId);
        jump(event);
      }}
      onPointerMove={(event) => {
        if (event.buttons === 1) jump(event);
      }}
    />
  );
}
