/**
 * Decoded OTLP export requests → the store's rows (`src/store/types.ts`). Each function builds
 * the whole batch before returning, so a malformed request adds nothing.
 */
import type { LogRow, MetricPointRow, Scope, SpanRow } from "../../store/index.js";
import {
  anyValue,
  attributes,
  has,
  hexId,
  int64,
  list,
  num,
  type Obj,
  obj,
  str,
} from "./values.js";

/** Where an item came from: its resource and instrumentation scope. */
interface Origin {
  readonly resource: Record<string, unknown>;
  readonly serviceName: string;
  readonly scope: Scope;
}

/** Walks `resourceX[].scopeX[].items[]`, handing each item its origin. */
function flatten<T>(
  groups: unknown,
  keys: { scope: string; item: string },
  build: (item: Obj, origin: Origin) => T[],
): T[] {
  const out: T[] = [];
  for (const group of list(groups)) {
    const resource = attributes(obj(obj(group).resource).attributes);
    const serviceName = str(resource["service.name"]);
    for (const scoped of list(obj(group)[keys.scope])) {
      const s = obj(obj(scoped).scope);
      const origin = {
        resource,
        serviceName,
        scope: { name: str(s.name), version: str(s.version) },
      };
      for (const item of list(obj(scoped)[keys.item])) out.push(...build(obj(item), origin));
    }
  }
  return out;
}

export function spanRows(request: unknown): SpanRow[] {
  return flatten(obj(request).resourceSpans, { scope: "scopeSpans", item: "spans" }, (s, o) => {
    const status = obj(s.status);
    return [
      {
        traceId: hexId(s.traceId),
        spanId: hexId(s.spanId),
        parentSpanId: hexId(s.parentSpanId),
        name: str(s.name),
        kind: num(s.kind),
        startNs: int64(s.startTimeUnixNano),
        endNs: int64(s.endTimeUnixNano),
        statusCode: num(status.code),
        statusMessage: str(status.message),
        serviceName: o.serviceName,
        attributes: attributes(s.attributes),
        resource: o.resource,
        scope: o.scope,
        events: list(s.events).map((e) => ({
          name: str(obj(e).name),
          timeNs: int64(obj(e).timeUnixNano),
          attributes: attributes(obj(e).attributes),
        })),
      },
    ];
  });
}

/** A log body as text: strings as they are, anything else as JSON. */
function bodyText(body: unknown): string {
  if (body === undefined || body === null) return "";
  const value = anyValue(body);
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function logRows(request: unknown): LogRow[] {
  return flatten(obj(request).resourceLogs, { scope: "scopeLogs", item: "logRecords" }, (l, o) => [
    {
      // A record without a time has only its observed time (both are optional in OTLP).
      timeNs: int64(l.timeUnixNano) || int64(l.observedTimeUnixNano),
      eventName: str(l.eventName),
      severityNumber: num(l.severityNumber),
      severityText: str(l.severityText),
      body: bodyText(l.body),
      traceId: hexId(l.traceId),
      spanId: hexId(l.spanId),
      serviceName: o.serviceName,
      attributes: attributes(l.attributes),
      resource: o.resource,
      scope: o.scope,
    },
  ]);
}

const TEMPORALITIES = ["unspecified", "delta", "cumulative"] as const;

function temporalityOf(aggregation: Obj): MetricPointRow["temporality"] {
  return TEMPORALITIES[num(aggregation.aggregationTemporality)] ?? "unspecified";
}

export function metricPointRows(request: unknown): MetricPointRow[] {
  return flatten(obj(request).resourceMetrics, { scope: "scopeMetrics", item: "metrics" }, (m, o) =>
    pointsOf(m, o),
  );
}

function pointsOf(metric: Obj, origin: Origin): MetricPointRow[] {
  const base = (point: Obj) => ({
    name: str(metric.name),
    description: str(metric.description),
    unit: str(metric.unit),
    startNs: int64(point.startTimeUnixNano),
    timeNs: int64(point.timeUnixNano),
    serviceName: origin.serviceName,
    attributes: attributes(point.attributes),
    resource: origin.resource,
    scope: origin.scope,
  });
  // `asInt` and `asDouble` are a oneof: exactly one is present on a well-formed point.
  const value = (point: Obj) => num(has(point, "asInt") ? point.asInt : point.asDouble);
  if (has(metric, "sum") || has(metric, "gauge")) {
    const sum = has(metric, "sum");
    const data = obj(sum ? metric.sum : metric.gauge);
    return list(data.dataPoints).map((p) => ({
      ...base(obj(p)),
      type: sum ? "sum" : "gauge",
      temporality: sum ? temporalityOf(data) : "unspecified",
      monotonic: data.isMonotonic === true,
      value: value(obj(p)),
      count: 0,
    }));
  }
  // Exponential histograms keep their sum and count, like explicit-bucket ones: reports use
  // nothing else. Summaries (a legacy Prometheus type) have no place in the store and are
  // dropped.
  const histogram = obj(metric.histogram ?? metric.exponentialHistogram);
  return list(histogram.dataPoints).map((p) => ({
    ...base(obj(p)),
    type: "histogram",
    temporality: temporalityOf(histogram),
    value: num(obj(p).sum),
    count: num(obj(p).count),
  }));
}
