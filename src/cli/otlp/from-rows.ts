/**
 * Stored rows → OTLP export requests in OTLP/JSON's shape, for `export`. The same object serves
 * both encodings: `encode.ts` sends it as JSON, or hands it to the generated protobuf classes.
 * Rows are grouped back under their resource and instrumentation scope.
 *
 * The store keeps attributes as JSON, which has one number type: whole numbers go out as
 * `intValue`, others as `doubleValue` (a double attribute that happened to be whole, such as a
 * cost of 0, comes back as an int).
 */
import type { LogRow, MetricPointRow, Scope, SpanRow } from "../../store/index.js";
import { isObj } from "./values.js";

type AnyValue = Readonly<Record<string, unknown>>;
/** An export request in OTLP/JSON's shape. */
export type OtlpRequest = Readonly<Record<string, unknown>>;
type KeyValue = { key: string; value: AnyValue };

export function anyValueOf(value: unknown): AnyValue {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") {
    return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  }
  if (typeof value === "bigint") return { intValue: value.toString() };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValueOf) } };
  if (isObj(value)) return { kvlistValue: { values: keyValues(value) } };
  return {};
}

export function keyValues(attributes: Readonly<Record<string, unknown>>): KeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValueOf(value) }));
}

interface Origin {
  readonly resource: Readonly<Record<string, unknown>>;
  readonly scope?: Scope;
}

/** Groups items by resource, then scope, preserving first-seen order. */
function group<R extends Origin, T>(
  rows: readonly R[],
  item: (row: R) => T,
): { resource: Origin["resource"]; scopes: { scope: Scope; items: T[] }[] }[] {
  const resources = new Map<
    string,
    { resource: Origin["resource"]; scopes: Map<string, { scope: Scope; items: T[] }> }
  >();
  for (const row of rows) {
    const resourceKey = JSON.stringify(row.resource);
    let entry = resources.get(resourceKey);
    if (!entry) {
      entry = { resource: row.resource, scopes: new Map() };
      resources.set(resourceKey, entry);
    }
    const scope = row.scope ?? { name: "", version: "" };
    const scopeKey = `${scope.name}\u0000${scope.version}`;
    let scoped = entry.scopes.get(scopeKey);
    if (!scoped) {
      scoped = { scope, items: [] };
      entry.scopes.set(scopeKey, scoped);
    }
    scoped.items.push(item(row));
  }
  return [...resources.values()].map((r) => ({
    resource: r.resource,
    scopes: [...r.scopes.values()],
  }));
}

const scopeOf = (scope: Scope) => ({ name: scope.name, version: scope.version });

export function tracesRequest(rows: readonly SpanRow[]): OtlpRequest {
  return {
    resourceSpans: group(rows, spanOf).map((r) => ({
      resource: { attributes: keyValues(r.resource) },
      scopeSpans: r.scopes.map((s) => ({ scope: scopeOf(s.scope), spans: s.items })),
    })),
  };
}

function spanOf(row: SpanRow): object {
  return {
    traceId: row.traceId,
    spanId: row.spanId,
    ...(row.parentSpanId ? { parentSpanId: row.parentSpanId } : {}),
    name: row.name,
    kind: row.kind,
    startTimeUnixNano: row.startNs.toString(),
    endTimeUnixNano: row.endNs.toString(),
    attributes: keyValues(row.attributes),
    events: row.events.map((e) => ({
      name: e.name,
      timeUnixNano: e.timeNs.toString(),
      attributes: keyValues(e.attributes),
    })),
    status: { code: row.statusCode, ...(row.statusMessage ? { message: row.statusMessage } : {}) },
  };
}

export function logsRequest(rows: readonly LogRow[]): OtlpRequest {
  return {
    resourceLogs: group(rows, logOf).map((r) => ({
      resource: { attributes: keyValues(r.resource) },
      scopeLogs: r.scopes.map((s) => ({ scope: scopeOf(s.scope), logRecords: s.items })),
    })),
  };
}

function logOf(row: LogRow): object {
  return {
    timeUnixNano: row.timeNs.toString(),
    observedTimeUnixNano: row.timeNs.toString(),
    severityNumber: row.severityNumber,
    ...(row.severityText ? { severityText: row.severityText } : {}),
    ...(row.eventName ? { eventName: row.eventName } : {}),
    ...(row.body ? { body: { stringValue: row.body } } : {}),
    attributes: keyValues(row.attributes),
    ...(row.traceId ? { traceId: row.traceId } : {}),
    ...(row.spanId ? { spanId: row.spanId } : {}),
  };
}

const TEMPORALITY = { unspecified: 0, delta: 1, cumulative: 2 } as const;

export function metricsRequest(rows: readonly MetricPointRow[]): OtlpRequest {
  return {
    resourceMetrics: group(rows, (row) => row).map((r) => ({
      resource: { attributes: keyValues(r.resource) },
      scopeMetrics: r.scopes.map((s) => ({
        scope: scopeOf(s.scope),
        metrics: s.items.map(metricOf),
      })),
    })),
  };
}

/**
 * One metric per point: simple, and valid OTLP (a backend merges points by name, attributes and
 * resource). Histograms keep only count and sum: the store does not keep bucket counts.
 */
function metricOf(row: MetricPointRow): object {
  const point = {
    attributes: keyValues(row.attributes),
    startTimeUnixNano: row.startNs.toString(),
    timeUnixNano: row.timeNs.toString(),
  };
  const base = { name: row.name, description: row.description ?? "", unit: row.unit };
  const aggregationTemporality = TEMPORALITY[row.temporality];
  switch (row.type) {
    case "gauge":
      return { ...base, gauge: { dataPoints: [{ ...point, asDouble: row.value }] } };
    case "sum":
      return {
        ...base,
        sum: {
          dataPoints: [{ ...point, asDouble: row.value }],
          aggregationTemporality,
          isMonotonic: row.monotonic ?? false,
        },
      };
    case "histogram":
      return {
        ...base,
        histogram: {
          dataPoints: [{ ...point, count: String(row.count), sum: row.value }],
          aggregationTemporality,
        },
      };
  }
}
