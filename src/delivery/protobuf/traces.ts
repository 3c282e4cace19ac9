import type { Link, SpanContext } from "@opentelemetry/api";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace-base";
import { groupByResourceAndScope, writeAttributes, writeResource, writeScope } from "./common.js";
import { FIXED32, FIXED64, LENGTH, type ProtoWriter, sharedWriter, VARINT } from "./writer.js";

/**
 * An `ExportTraceServiceRequest` (opentelemetry-proto `trace.proto`), field by field as the
 * OpenTelemetry JS exporters write it, so a collector receives the same bytes from this
 * pipeline as from the SDK's (`test/otlp-encode.test.ts` compares them).
 */
export function encodeTraces(spans: readonly ReadableSpan[]): Uint8Array {
  const w = sharedWriter;
  w.reset();
  for (const [resource, scopes] of groupByResourceAndScope(spans)) {
    w.tag(1, LENGTH);
    const resourceSpans = w.begin();
    writeResource(w, 1, resource);
    for (const [scope, list] of scopes) {
      w.tag(2, LENGTH);
      const scopeSpans = w.begin();
      writeScope(w, 1, scope);
      for (const span of list) {
        w.tag(2, LENGTH);
        writeSpan(w, span);
      }
      if (scope.schemaUrl) {
        w.tag(3, LENGTH);
        w.string(scope.schemaUrl);
      }
      w.end(scopeSpans);
    }
    if (resource.schemaUrl) {
      w.tag(3, LENGTH);
      w.string(resource.schemaUrl);
    }
    w.end(resourceSpans);
  }
  return w.finish();
}

/** Span flags: the W3C trace flags, plus whether the parent is remote (and known to be). */
function flagsOf(context: SpanContext, parentIsRemote: boolean | undefined): number {
  return (context.traceFlags & 0xff) | 0x100 | (parentIsRemote ? 0x200 : 0);
}

function writeSpan(w: ProtoWriter, span: ReadableSpan): void {
  const start = w.begin();
  const context = span.spanContext();
  w.tag(1, LENGTH);
  w.hex(context.traceId);
  w.tag(2, LENGTH);
  w.hex(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    w.tag(3, LENGTH);
    w.string(traceState);
  }
  const parentId = span.parentSpanContext?.spanId;
  if (parentId) {
    w.tag(4, LENGTH);
    w.hex(parentId);
  }
  w.tag(5, LENGTH);
  w.string(span.name);
  // OTLP counts kinds from UNSPECIFIED = 0; the API from INTERNAL = 0.
  w.tag(6, VARINT);
  w.uint32(span.kind + 1);
  w.tag(7, FIXED64);
  w.time(span.startTime);
  w.tag(8, FIXED64);
  w.time(span.endTime);
  writeAttributes(w, 9, span.attributes);
  w.tag(10, VARINT);
  w.uint32(span.droppedAttributesCount);
  for (const event of span.events) writeEvent(w, event);
  w.tag(12, VARINT);
  w.uint32(span.droppedEventsCount);
  for (const link of span.links) writeLink(w, link);
  w.tag(14, VARINT);
  w.uint32(span.droppedLinksCount);
  w.tag(15, LENGTH);
  const status = w.begin();
  if (span.status.message) {
    w.tag(2, LENGTH);
    w.string(span.status.message);
  }
  w.tag(3, VARINT);
  w.uint32(span.status.code);
  w.end(status);
  w.tag(16, FIXED32);
  w.fixed32(flagsOf(context, span.parentSpanContext?.isRemote));
  w.end(start);
}

function writeEvent(w: ProtoWriter, event: TimedEvent): void {
  w.tag(11, LENGTH);
  const start = w.begin();
  w.tag(1, FIXED64);
  w.time(event.time);
  w.tag(2, LENGTH);
  w.string(event.name);
  if (event.attributes) writeAttributes(w, 3, event.attributes);
  w.tag(4, VARINT);
  w.uint32(event.droppedAttributesCount ?? 0);
  w.end(start);
}

function writeLink(w: ProtoWriter, link: Link): void {
  w.tag(13, LENGTH);
  const start = w.begin();
  w.tag(1, LENGTH);
  w.hex(link.context.traceId);
  w.tag(2, LENGTH);
  w.hex(link.context.spanId);
  const traceState = link.context.traceState?.serialize();
  if (traceState) {
    w.tag(3, LENGTH);
    w.string(traceState);
  }
  if (link.attributes) writeAttributes(w, 4, link.attributes);
  w.tag(5, VARINT);
  w.uint32(link.droppedAttributesCount ?? 0);
  w.tag(6, FIXED32);
  w.fixed32(flagsOf(link.context, link.context.isRemote));
  w.end(start);
}
