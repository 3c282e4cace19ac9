/**
 * Just enough of the protobuf wire format to take OTLP requests apart without a decoder: walk
 * fields, find spans and log records, and attribute every byte of a request to what it carries
 * (resource, span attribute `session.id`, log body, metric `opencode.token.usage`, ...).
 * Field numbers are opentelemetry-proto's.
 */
import type { Signal } from "./otlp-sink.js";

interface Field {
  readonly number: number;
  /** Length-delimited payload (wire type 2); undefined for scalars. */
  readonly payload: Uint8Array | undefined;
  /** Bytes of the whole field: tag, length prefix and payload. */
  readonly size: number;
  /** Fixed64 fields (wire type 1): the value in milliseconds (times are nanoseconds). */
  readonly fixed64Ms: number | undefined;
}

const EMPTY = new Uint8Array();

function* fields(bytes: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[pos++];
      if (byte === undefined) throw new Error("truncated varint");
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (pos < bytes.length) {
    const start = pos;
    const tag = varint();
    const wireType = tag % 8;
    let payload: Uint8Array | undefined;
    let fixed64Ms: number | undefined;
    if (wireType === 0) varint();
    else if (wireType === 1) {
      const low = (bytes[pos] ?? 0) + (bytes[pos + 1] ?? 0) * 2 ** 8;
      const mid = (bytes[pos + 2] ?? 0) * 2 ** 16 + (bytes[pos + 3] ?? 0) * 2 ** 24;
      let high = 0;
      for (let i = 7; i >= 4; i--) high = high * 256 + (bytes[pos + i] ?? 0);
      fixed64Ms = (high * 2 ** 32 + low + mid) / 1e6;
      pos += 8;
    } else if (wireType === 5) pos += 4;
    else if (wireType === 2) {
      const length = varint();
      payload = bytes.subarray(pos, pos + length);
      pos += length;
    } else throw new Error(`wire type ${wireType}`);
    if (pos > bytes.length) throw new Error("truncated field");
    yield { number: Math.floor(tag / 8), payload, size: pos - start, fixed64Ms };
  }
}

function* children(bytes: Uint8Array | undefined, number: number): Generator<Field> {
  for (const field of fields(bytes ?? EMPTY))
    if (field.number === number && field.payload) yield field;
}

const decoder = new TextDecoder();

function stringField(bytes: Uint8Array | undefined, number: number): string {
  let value = "";
  for (const field of children(bytes, number)) value = decoder.decode(field.payload);
  return value;
}

/** Spans of an ExportTraceServiceRequest: resource_spans(1) → scope_spans(2) → spans(2). */
export function* spansOf(
  request: Uint8Array,
): Generator<{ bytes: number; name: string; endMs: number }> {
  for (const resourceSpans of children(request, 1))
    for (const scopeSpans of children(resourceSpans.payload, 2))
      for (const span of children(scopeSpans.payload, 2)) {
        let endMs = 0;
        for (const field of fields(span.payload ?? EMPTY))
          if (field.number === 8) endMs = field.fixed64Ms ?? 0;
        yield { bytes: span.size, name: stringField(span.payload, 5), endMs };
      }
}

/**
 * Data points of an ExportMetricsServiceRequest: resource_metrics(1) → scope_metrics(2) →
 * metrics(2) → gauge(5) / sum(7) / histogram(9) / exponential_histogram(10) → data_points(1).
 */
export function countMetricPoints(request: Uint8Array): number {
  let count = 0;
  for (const resourceMetrics of children(request, 1))
    for (const scopeMetrics of children(resourceMetrics.payload, 2))
      for (const metric of children(scopeMetrics.payload, 2))
        for (const data of fields(metric.payload ?? EMPTY))
          if ([5, 7, 9, 10].includes(data.number) && data.payload)
            for (const _ of children(data.payload, 1)) count += 1;
  return count;
}

/** Log records of an ExportLogsServiceRequest: resource_logs(1) → scope_logs(2) → log_records(2). */
export function countLogRecords(request: Uint8Array): number {
  let count = 0;
  for (const resourceLogs of children(request, 1))
    for (const scopeLogs of children(resourceLogs.payload, 2))
      for (const _ of children(scopeLogs.payload, 2)) count += 1;
  return count;
}

/** Field numbers, per record type, of what gets its own line in the breakdown. */
const SPAN = { name: 5, attributes: 9, events: 11 } as const;
const LOG = { body: 5, attributes: 6, traceId: 9, spanId: 10, eventName: 12 } as const;

/**
 * Adds each byte of one request to `into[category]`. Categories: `<signal> resource`,
 * `<signal> scope`, `traces span attribute <key>`, `traces span name`, `traces span events`,
 * `traces span other` (ids, times, kind, status), `logs attribute <key>`, `logs body`,
 * `logs event_name`, `logs trace+span ids`, `logs other`, `metrics <metric name>`, and
 * `<signal> framing` for the tags and lengths of the wrappers and of each record.
 */
export function addBreakdown(
  into: Record<string, number>,
  signal: Signal,
  request: Uint8Array,
): void {
  const add = (category: string, bytes: number) => {
    into[category] = (into[category] ?? 0) + bytes;
  };
  let accounted = 0;
  const count = (category: string, bytes: number) => {
    add(category, bytes);
    accounted += bytes;
  };
  for (const resource of children(request, 1)) {
    for (const field of fields(resource.payload ?? EMPTY)) {
      if (field.number === 1) count(`${signal} resource`, field.size);
      else if (field.number !== 2 || !field.payload) continue;
      else
        for (const scopeField of fields(field.payload)) {
          if (scopeField.number === 1) count(`${signal} scope`, scopeField.size);
          else if (scopeField.number === 2 && scopeField.payload)
            record(signal, scopeField.payload, count);
        }
    }
  }
  add(`${signal} framing`, request.length - accounted);
}

function record(
  signal: Signal,
  bytes: Uint8Array,
  count: (category: string, bytes: number) => void,
): void {
  if (signal === "metrics") {
    count(`metrics ${stringField(bytes, 1)}`, bytes.length);
    return;
  }
  for (const field of fields(bytes)) {
    const attribute = signal === "traces" ? SPAN.attributes : LOG.attributes;
    if (field.number === attribute) {
      count(`${signal} attribute ${stringField(field.payload, 1)}`, field.size);
    } else if (signal === "traces") {
      const what =
        field.number === SPAN.name ? "name" : field.number === SPAN.events ? "events" : "other";
      count(`traces span ${what}`, field.size);
    } else {
      const what =
        field.number === LOG.body
          ? "body"
          : field.number === LOG.eventName
            ? "event_name"
            : field.number === LOG.traceId || field.number === LOG.spanId
              ? "trace+span ids"
              : "other";
      count(`logs ${what}`, field.size);
    }
  }
}
