import { isValidTraceId, type SpanContext, TraceFlags } from "@opentelemetry/api";
import type { SamplerName } from "../config/types.js";

/**
 * A sampling decision for a new span: its valid parent (undefined for a root) and its trace id
 * in, sampled or not out. The spec's built-in samplers never answer "record only", so a span
 * is either recorded and sampled or neither.
 */
export type Sampler = (parent: SpanContext | undefined, traceId: string) => boolean;

/**
 * The OTel spec's built-in samplers by their `OTEL_TRACES_SAMPLER` names, deciding exactly as
 * the SDK's `AlwaysOn`, `AlwaysOff`, `TraceIdRatioBased` and `ParentBased` samplers do
 * (test/pipeline-parity.test.ts replays the captures on both; test/otlp-encode.test.ts compares
 * ratio decisions id by id). The plugin's own tracer takes this function rather than the SDK's
 * sampler classes so that the SDK's trace package is never loaded. A root session span's trace
 * id is derived from the session id, so a ratio sampler decides the same way for every segment
 * of a session, in every process, and a subagent follows its parent's decision.
 */
export function createSampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case "always_on":
      return () => true;
    case "always_off":
      return () => false;
    case "traceidratio": {
      const byRatio = traceIdRatio(ratio);
      return (_parent, traceId) => byRatio(traceId);
    }
    case "parentbased_always_on":
      return parentBased(() => true);
    case "parentbased_always_off":
      return parentBased(() => false);
    case "parentbased_traceidratio":
      return parentBased(traceIdRatio(ratio));
  }
}

/**
 * A sampled parent (local or remote) gives a sampled child, an unsampled one an unsampled
 * child (the spec's defaults for the four parent cases); a root follows `root`.
 */
function parentBased(root: (traceId: string) => boolean): Sampler {
  return (parent, traceId) =>
    parent ? (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED : root(traceId);
}

/**
 * The SDK's `TraceIdRatioBased` rule: the four 32-bit words of the trace id XOR-ed together,
 * kept when below `ratio × 0xffffffff` (every id at ratio 1). Ratios outside 0–1 are clamped.
 */
export function traceIdRatio(ratio: number): (traceId: string) => boolean {
  const clamped = Number.isNaN(ratio) ? 0 : Math.min(1, Math.max(0, ratio));
  const upperBound = clamped === 1 ? 0x100000000 : Math.floor(clamped * 0xffffffff);
  return (traceId) => isValidTraceId(traceId) && accumulate(traceId) < upperBound;
}

function accumulate(traceId: string): number {
  let accumulation = 0;
  for (let word = 0; word < 32; word += 8)
    accumulation = (accumulation ^ Number.parseInt(traceId.slice(word, word + 8), 16)) >>> 0;
  return accumulation;
}
