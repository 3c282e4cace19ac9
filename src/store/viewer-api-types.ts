/**
 * The types the viewer's browser code reads from its API: type-only re-exports, so the browser
 * build pulls in no store code.
 */
export type { ReportRow, SpanRow } from "./types.js";
export type * from "./viewer-types.js";
export type { WaterfallWire } from "./waterfall-wire.js";
