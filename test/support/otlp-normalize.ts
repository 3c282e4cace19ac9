/**
 * Flattens OTLP export requests into the receiver's plain records. Input is either OTLP/JSON as
 * parsed or a protobuf request after `toObject` (see `otlp-decode.ts`): both use lowerCamelCase
 * keys and leave unset oneof members out, and they differ only in what this file evens out:
 * ids are hex strings in JSON and bytes in protobuf, int64 may be a string or a number, and
 * `bytesValue` is base64 in JSON.
 */
import type {
  Attributes,
  AttributeValue,
  Origin,
  ReceivedLog,
  ReceivedMetricPoint,
  ReceivedSpan,
  SpanKindName,
  StatusCodeName,
  Temporality,
  Transport,
} from "./otlp-types.js";

type Obj = Readonly<Record<string, unknown>>;

function isObj(value: unknown): value is Obj {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}

const obj = (value: unknown): Obj => (isObj(value) ? value : {});
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string => (typeof value === "string" ? value : "");

/** Doubles and int64s: JSON may spell them as strings ("NaN", "Infinity", "12"). */
function num(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value !== "") return Number(value);
  return 0;
}

const optionalNum = (value: unknown): number | undefined =>
  value === undefined || value === null ? undefined : num(value);

/** int64/fixed64: decimal strings from both decoders, plain numbers in some JSON writers. */
function int64(value: unknown): bigint {
  if (typeof value === "string" && value !== "") return BigInt(value);
  if (typeof value === "number") return BigInt(Math.trunc(value));
  return 0n;
}

/** `intValue` as a number while it is a safe integer, so tests compare with plain literals. */
function int(value: unknown): number | bigint {
  const big = int64(value);
  const safe = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
  return safe ? Number(big) : big;
}

/** Trace and span ids: bytes in protobuf, hex in OTLP/JSON (not proto3 JSON's base64). */
function hexId(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  return str(value).toLowerCase();
}

function bytes(value: unknown): Uint8Array {
  // A plain Uint8Array, not a Buffer, so `toEqual(new Uint8Array([...]))` holds for both encodings.
  if (value instanceof Uint8Array) return new Uint8Array(value);
  return new Uint8Array(Buffer.from(str(value), "base64"));
}

function anyValue(value: unknown): AttributeValue {
  const v = obj(value);
  if ("stringValue" in v) return str(v.stringValue);
  if ("boolValue" in v) return v.boolValue === true;
  if ("intValue" in v) return int(v.intValue);
  if ("doubleValue" in v) return num(v.doubleValue);
  if ("arrayValue" in v) return list(obj(v.arrayValue).values).map(anyValue);
  if ("kvlistValue" in v) return attributes(obj(v.kvlistValue).values);
  if ("bytesValue" in v) return bytes(v.bytesValue);
  return null;
}

function attributes(keyValues: unknown): Attributes {
  return Object.fromEntries(
    list(keyValues).map((keyValue) => {
      const kv = obj(keyValue);
      return [str(kv.key), anyValue(kv.value)];
    }),
  );
}

/** Walks `resourceX[].scopeX[].items[]`, handing each item its resource and scope. */
function flatten<T>(options: {
  groups: unknown;
  scopeKey: string;
  itemKey: string;
  transport: Transport;
  build: (item: Obj, origin: Origin) => T[];
}): T[] {
  const out: T[] = [];
  for (const group of list(options.groups)) {
    const resource = attributes(obj(obj(group).resource).attributes);
    for (const scoped of list(obj(group)[options.scopeKey])) {
      const scope = obj(obj(scoped).scope);
      const origin: Origin = {
        resource,
        scopeName: str(scope.name),
        scopeVersion: str(scope.version),
        transport: options.transport,
      };
      for (const item of list(obj(scoped)[options.itemKey])) {
        out.push(...options.build(obj(item), origin));
      }
    }
  }
  return out;
}

const spanKinds: readonly SpanKindName[] = [
  "unspecified",
  "internal",
  "server",
  "client",
  "producer",
  "consumer",
];
const statusCodes: readonly StatusCodeName[] = ["unset", "ok", "error"];
const temporalities: readonly Temporality[] = ["unspecified", "delta", "cumulative"];

export function normalizeTraces(request: unknown, transport: Transport): ReceivedSpan[] {
  return flatten({
    groups: obj(request).resourceSpans,
    scopeKey: "scopeSpans",
    itemKey: "spans",
    transport,
    build: (span, origin) => {
      const status = obj(span.status);
      return [
        {
          ...origin,
          traceId: hexId(span.traceId),
          spanId: hexId(span.spanId),
          parentSpanId: hexId(span.parentSpanId),
          name: str(span.name),
          kind: spanKinds[num(span.kind)] ?? "unspecified",
          startTimeUnixNano: int64(span.startTimeUnixNano),
          endTimeUnixNano: int64(span.endTimeUnixNano),
          attributes: attributes(span.attributes),
          status: { code: statusCodes[num(status.code)] ?? "unset", message: str(status.message) },
          events: list(span.events).map((e) => ({
            name: str(obj(e).name),
            timeUnixNano: int64(obj(e).timeUnixNano),
            attributes: attributes(obj(e).attributes),
          })),
          links: list(span.links).map((l) => ({
            traceId: hexId(obj(l).traceId),
            spanId: hexId(obj(l).spanId),
            attributes: attributes(obj(l).attributes),
          })),
        },
      ];
    },
  });
}

export function normalizeMetrics(request: unknown, transport: Transport): ReceivedMetricPoint[] {
  return flatten({
    groups: obj(request).resourceMetrics,
    scopeKey: "scopeMetrics",
    itemKey: "metrics",
    transport,
    build: (metric, origin) => metricPoints(metric, origin),
  });
}

function metricPoints(metric: Obj, origin: Origin): ReceivedMetricPoint[] {
  const base = (point: Obj) => ({
    ...origin,
    name: str(metric.name),
    description: str(metric.description),
    unit: str(metric.unit),
    attributes: attributes(point.attributes),
    startTimeUnixNano: int64(point.startTimeUnixNano),
    timeUnixNano: int64(point.timeUnixNano),
  });
  // `asInt` and `asDouble` are a oneof: exactly one is present on a well-formed point.
  const value = (point: Obj) => num("asInt" in point ? point.asInt : point.asDouble);

  if ("sum" in metric) {
    const sum = obj(metric.sum);
    return list(sum.dataPoints).map((p) => ({
      ...base(obj(p)),
      type: "sum",
      value: value(obj(p)),
      temporality: temporalities[num(sum.aggregationTemporality)] ?? "unspecified",
      monotonic: sum.isMonotonic === true,
    }));
  }
  if ("gauge" in metric) {
    return list(obj(metric.gauge).dataPoints).map((p) => ({
      ...base(obj(p)),
      type: "gauge",
      value: value(obj(p)),
    }));
  }
  if ("histogram" in metric) {
    const histogram = obj(metric.histogram);
    return list(histogram.dataPoints).map((p) => {
      const point = obj(p);
      return {
        ...base(point),
        type: "histogram",
        value: {
          count: num(point.count),
          sum: optionalNum(point.sum),
          min: optionalNum(point.min),
          max: optionalNum(point.max),
          bucketCounts: list(point.bucketCounts).map(num),
          explicitBounds: list(point.explicitBounds).map(num),
        },
        temporality: temporalities[num(histogram.aggregationTemporality)] ?? "unspecified",
      };
    });
  }
  // Exponential histograms and summaries are not produced by this project; fail loudly if one
  // appears rather than dropping its points without a trace.
  throw new Error(`metric ${str(metric.name)}: unsupported data type (${Object.keys(metric)})`);
}

export function normalizeLogs(request: unknown, transport: Transport): ReceivedLog[] {
  return flatten({
    groups: obj(request).resourceLogs,
    scopeKey: "scopeLogs",
    itemKey: "logRecords",
    transport,
    build: (log, origin) => [
      {
        ...origin,
        eventName: str(log.eventName),
        body: "body" in log ? anyValue(log.body) : undefined,
        attributes: attributes(log.attributes),
        traceId: hexId(log.traceId),
        spanId: hexId(log.spanId),
        severityNumber: num(log.severityNumber),
        severityText: str(log.severityText),
        timeUnixNano: int64(log.timeUnixNano),
        observedTimeUnixNano: int64(log.observedTimeUnixNano),
      },
    ],
  });
}
