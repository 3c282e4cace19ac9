import type { WaterfallSpan } from "../../store/viewer-api-types.js";

/** Bar colours by kind of span; failures are red whatever their kind. */
const COLORS: Record<WaterfallSpan["category"], string> = {
  session: "#8a94a6",
  turn: "#5b8def",
  llm: "#9b6bdf",
  tool: "#2fa37a",
  other: "#b0a060",
};

export const ERROR_COLOR = "#d64545";

export function colorOf(span: WaterfallSpan): string {
  return span.status === 2 ? ERROR_COLOR : COLORS[span.category];
}
