/**
 * A waterfall as the viewer's API sends it: one array per field instead of one object per span,
 * with the strings that repeat (trace and session ids, names, models, tools) sent once. A
 * 2,000-span session is about a quarter of the JSON, which the server writes and the browser
 * reads in a quarter of the time. Pure and dependency-free: the server encodes and the browser
 * decodes with this same file.
 */
import type { TurnChanges, Waterfall, WaterfallSpan } from "./viewer-types.js";

const CATEGORIES: readonly WaterfallSpan["category"][] = [
  "session",
  "turn",
  "llm",
  "tool",
  "other",
];

export interface WaterfallWire {
  readonly sessionId: string;
  readonly truncated: boolean;
  readonly turnChanges: readonly TurnChanges[];
  /** Every repeated string once; the `*Ref` columns index it. */
  readonly strings: readonly string[];
  readonly traceRef: readonly number[];
  readonly spanId: readonly string[];
  readonly parentRef: readonly number[];
  readonly nameRef: readonly number[];
  /** Index in `CATEGORIES`. */
  readonly category: readonly number[];
  readonly sessionRef: readonly number[];
  readonly startMs: readonly number[];
  readonly endMs: readonly number[];
  readonly status: readonly number[];
  readonly statusMessageRef: readonly number[];
  readonly modelRef: readonly number[];
  readonly toolRef: readonly number[];
  readonly costUsd: readonly number[];
  readonly tokens: readonly number[];
  readonly retries: readonly number[];
  readonly turnIndex: readonly number[];
  readonly childSessionRef: readonly number[];
  readonly events: readonly number[];
}

export function encodeWaterfall(waterfall: Waterfall): WaterfallWire {
  const strings: string[] = [];
  const refs = new Map<string, number>();
  const ref = (value: string) => {
    let index = refs.get(value);
    if (index === undefined) {
      index = strings.length;
      strings.push(value);
      refs.set(value, index);
    }
    return index;
  };
  const spans = waterfall.spans;
  const column = <T>(pick: (span: WaterfallSpan) => T) => spans.map(pick);
  return {
    sessionId: waterfall.sessionId,
    truncated: waterfall.truncated,
    turnChanges: waterfall.turnChanges,
    strings,
    traceRef: column((s) => ref(s.traceId)),
    spanId: column((s) => s.spanId),
    parentRef: column((s) => ref(s.parentSpanId)),
    nameRef: column((s) => ref(s.name)),
    category: column((s) => CATEGORIES.indexOf(s.category)),
    sessionRef: column((s) => ref(s.sessionId)),
    startMs: column((s) => s.startMs),
    endMs: column((s) => s.endMs),
    status: column((s) => s.status),
    statusMessageRef: column((s) => ref(s.statusMessage)),
    modelRef: column((s) => ref(s.model)),
    toolRef: column((s) => ref(s.tool)),
    costUsd: column((s) => s.costUsd),
    tokens: column((s) => s.tokens),
    retries: column((s) => s.retries),
    turnIndex: column((s) => s.turnIndex),
    childSessionRef: column((s) => ref(s.childSessionId)),
    events: column((s) => s.events),
  };
}

export function decodeWaterfall(wire: WaterfallWire): Waterfall {
  const { strings } = wire;
  const str = (index: number | undefined) => (index === undefined ? "" : (strings[index] ?? ""));
  const num = (values: readonly number[], i: number) => values[i] ?? 0;
  const spans: WaterfallSpan[] = new Array(wire.spanId.length);
  for (let i = 0; i < spans.length; i++)
    spans[i] = {
      traceId: str(wire.traceRef[i]),
      spanId: wire.spanId[i] ?? "",
      parentSpanId: str(wire.parentRef[i]),
      name: str(wire.nameRef[i]),
      category: CATEGORIES[num(wire.category, i)] ?? "other",
      sessionId: str(wire.sessionRef[i]),
      startMs: num(wire.startMs, i),
      endMs: num(wire.endMs, i),
      status: num(wire.status, i),
      statusMessage: str(wire.statusMessageRef[i]),
      model: str(wire.modelRef[i]),
      tool: str(wire.toolRef[i]),
      costUsd: num(wire.costUsd, i),
      tokens: num(wire.tokens, i),
      retries: num(wire.retries, i),
      turnIndex: num(wire.turnIndex, i),
      childSessionId: str(wire.childSessionRef[i]),
      events: num(wire.events, i),
    };
  return {
    sessionId: wire.sessionId,
    spans,
    turnChanges: wire.turnChanges,
    truncated: wire.truncated,
  };
}
