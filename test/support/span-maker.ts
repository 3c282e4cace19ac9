/**
 * The pieces the generated histories share (`spend-history.ts`, `year-of-spans.ts`): a seeded
 * sequence, the project resources, and span rows with the plugin's shape and numbered ids.
 */
import type { SpanRow } from "../../src/store/types.js";

/** A pseudo-random sequence in [0, 1) from `seed` (the same numbers on every run). */
export function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

export const hex = (n: number, length: number) => n.toString(16).padStart(length, "0");

/** The resource of each of `count` projects under `root`, as the plugin sends it. */
export function projectResources(count: number, root: string): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    "service.name": "opencode",
    "telemetry.sdk.language": "nodejs",
    "telemetry.sdk.name": "opentelemetry",
    "telemetry.sdk.version": "2.12.0",
    "opencode.project.directory": `${root}/project-${i}`,
  }));
}

export const ns = (ms: number) => BigInt(Math.round(ms * 1000)) * 1000n;

/** Makes span rows whose ids count up from 1; `count` is how many it has made. */
export class SpanMaker {
  count = 0;

  span(
    traceId: string,
    parentSpanId: string,
    name: string,
    [start, end]: [number, number],
    attributes: Record<string, unknown>,
    resource: Record<string, unknown>,
    statusCode = 0,
  ): SpanRow {
    this.count += 1;
    return {
      traceId,
      spanId: hex(this.count, 16),
      parentSpanId,
      name,
      kind: name === "opencode.llm" ? 3 : 1,
      startNs: ns(start),
      endNs: ns(end),
      statusCode,
      statusMessage: statusCode ? "failed" : "",
      serviceName: "opencode",
      attributes,
      resource,
      events: [],
    };
  }
}

/**
 * One LLM call span, span id `index` + 1 (hex), from `startMs` for `durationMs` (1 s); the
 * caller's attributes (session, model, tokens, cost) join the span kind.
 */
export function llmCallRow(call: {
  readonly traceId: string;
  readonly index: number;
  readonly startMs: number;
  readonly durationMs?: number;
  readonly attributes: Record<string, unknown>;
  readonly resource?: Record<string, unknown>;
}): SpanRow {
  return {
    traceId: call.traceId,
    spanId: hex(call.index + 1, 16),
    parentSpanId: "",
    name: "opencode.llm",
    kind: 3,
    startNs: BigInt(call.startMs) * 1_000_000n,
    endNs: BigInt(call.startMs + (call.durationMs ?? 1000)) * 1_000_000n,
    statusCode: 0,
    statusMessage: "",
    serviceName: "opencode",
    attributes: { "openinference.span.kind": "LLM", ...call.attributes },
    resource: call.resource ?? { "service.name": "opencode" },
    events: [],
  };
}
