import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import {
  groupByResourceAndScope,
  writeAnyValue,
  writeAttributes,
  writeResource,
  writeScope,
} from "./common.js";
import { FIXED32, FIXED64, LENGTH, type ProtoWriter, sharedWriter, VARINT } from "./writer.js";

/**
 * An `ExportLogsServiceRequest` (opentelemetry-proto `logs.proto`), field by field as the
 * OpenTelemetry JS exporters write it.
 */
export function encodeLogs(records: readonly ReadableLogRecord[]): Uint8Array {
  const w = sharedWriter;
  w.reset();
  for (const [resource, scopes] of groupByResourceAndScope(records)) {
    w.tag(1, LENGTH);
    const resourceLogs = w.begin();
    writeResource(w, 1, resource);
    for (const [scope, list] of scopes) {
      w.tag(2, LENGTH);
      const scopeLogs = w.begin();
      writeScope(w, 1, scope);
      for (const record of list) writeRecord(w, record);
      if (scope.schemaUrl) {
        w.tag(3, LENGTH);
        w.string(scope.schemaUrl);
      }
      w.end(scopeLogs);
    }
    if (resource.schemaUrl) {
      w.tag(3, LENGTH);
      w.string(resource.schemaUrl);
    }
    w.end(resourceLogs);
  }
  return w.finish();
}

function writeRecord(w: ProtoWriter, record: ReadableLogRecord): void {
  w.tag(2, LENGTH);
  const start = w.begin();
  w.tag(1, FIXED64);
  w.time(record.hrTime);
  // SeverityNumber.UNSPECIFIED is 0.
  if (record.severityNumber) {
    w.tag(2, VARINT);
    w.uint32(record.severityNumber);
  }
  if (record.severityText) {
    w.tag(3, LENGTH);
    w.string(record.severityText);
  }
  if (record.body !== undefined) {
    w.tag(5, LENGTH);
    const body = w.begin();
    writeAnyValue(w, record.body);
    w.end(body);
  }
  writeAttributes(w, 6, record.attributes);
  w.tag(7, VARINT);
  w.uint32(record.droppedAttributesCount);
  const context = record.spanContext;
  if (context?.traceFlags) {
    w.tag(8, FIXED32);
    w.fixed32(context.traceFlags);
  }
  if (context?.traceId) {
    w.tag(9, LENGTH);
    w.hex(context.traceId);
  }
  if (context?.spanId) {
    w.tag(10, LENGTH);
    w.hex(context.spanId);
  }
  w.tag(11, FIXED64);
  w.time(record.hrTimeObserved);
  if (record.eventName) {
    w.tag(12, LENGTH);
    w.string(record.eventName);
  }
  w.end(start);
}
