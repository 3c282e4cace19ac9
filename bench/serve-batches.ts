/**
 * Realistic OTLP trace requests for `serve`: the spans the real plugin exports for a captured
 * opencode session (replayed through the plugin and the real SDK), cloned with fresh trace and
 * span ids and serialized by the SDK's own protobuf serializer, in batches of a given size.
 */

import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { loadFixture } from "../test/support/fixtures.js";
import { Collected } from "../test/support/in-memory.js";
import { replay, TEST_ENV } from "../test/support/replay.js";

/** The plugin's own spans for the captured multi-turn session (about 20 per session). */
export async function pluginSpans(capture = "b2_multiturn_serve"): Promise<ReadableSpan[]> {
  const collected = new Collected();
  await replay(loadFixture(capture), {
    env: { ...TEST_ENV, OPENCODE_OTEL_SPOOL: "false" },
    exporters: collected.overrides(),
  });
  if (collected.spans.length === 0) throw new Error(`no spans from ${capture}`);
  return collected.spans;
}

const hex = (n: number, length: number) => n.toString(16).padStart(length, "0");

/**
 * `count` protobuf request bodies of `size` spans each. Every batch gets its own trace and span
 * ids (so nothing is deduplicated away) and, every `sessionEvery` spans, a new session id.
 */
export function traceBatches(
  template: readonly ReadableSpan[],
  options: { count: number; size: number; seed?: number },
): Uint8Array[] {
  const batches: Uint8Array[] = [];
  let serial = (options.seed ?? 1) * 1_000_000_000;
  for (let b = 0; b < options.count; b++) {
    const spans: ReadableSpan[] = [];
    const session = `ses_bench${hex(serial, 20)}`;
    const traceId = hex(serial, 32);
    for (let i = 0; i < options.size; i++) {
      const source = template[i % template.length];
      if (!source) break;
      serial += 1;
      spans.push(clone(source, traceId, hex(serial, 16), session));
    }
    batches.push(ProtobufTraceSerializer.serializeRequest(spans) ?? new Uint8Array());
  }
  return batches;
}

function clone(span: ReadableSpan, traceId: string, spanId: string, session: string): ReadableSpan {
  const context = { ...span.spanContext(), traceId, spanId };
  const attributes = { ...span.attributes };
  if ("session.id" in attributes) attributes["session.id"] = session;
  if ("gen_ai.conversation.id" in attributes) attributes["gen_ai.conversation.id"] = session;
  return {
    ...span,
    attributes,
    spanContext: () => context,
    parentSpanContext: span.parentSpanContext && { ...span.parentSpanContext, traceId },
  };
}
