import type { HrTime } from "@opentelemetry/api";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { toJson } from "./json.js";
import type { LogRow, MetricPointRow, SpanRow } from "./types.js";

/** Converters from the OpenTelemetry SDK's export shapes to store rows (the `local` exporter). */

const SERVICE_NAME = "service.name";

export function hrTimeToNs(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

export function spanRowFromSdk(span: ReadableSpan): SpanRow {
  const context = span.spanContext();
  const resource = span.resource.attributes;
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? "",
    name: span.name,
    // The API's SpanKind counts from INTERNAL = 0; OTLP (and the store) from INTERNAL = 1.
    kind: span.kind + 1,
    startNs: hrTimeToNs(span.startTime),
    endNs: hrTimeToNs(span.endTime),
    statusCode: span.status.code,
    statusMessage: span.status.message ?? "",
    serviceName: serviceName(resource),
    attributes: span.attributes,
    resource,
    events: span.events.map((event) => ({
      name: event.name,
      timeNs: hrTimeToNs(event.time),
      attributes: event.attributes ?? {},
    })),
    scope: scopeOf(span.instrumentationScope),
  };
}

export function logRowFromSdk(record: ReadableLogRecord): LogRow {
  const resource = record.resource.attributes;
  const body = record.body;
  return {
    timeNs: hrTimeToNs(record.hrTime),
    eventName: record.eventName ?? "",
    severityNumber: record.severityNumber ?? 0,
    severityText: record.severityText ?? "",
    // The plugin's records have no body; other AnyValue bodies are kept as JSON.
    body: body === undefined || body === null ? "" : typeof body === "string" ? body : toJson(body),
    traceId: record.spanContext?.traceId ?? "",
    spanId: record.spanContext?.spanId ?? "",
    serviceName: serviceName(resource),
    attributes: record.attributes,
    resource,
    scope: scopeOf(record.instrumentationScope),
  };
}

/** One row per data point; histograms keep their sum and count (not their buckets). */
export function metricRowsFromSdk(metrics: ResourceMetrics): MetricPointRow[] {
  const resource = metrics.resource.attributes;
  const rows: MetricPointRow[] = [];
  for (const { scope, metrics: list } of metrics.scopeMetrics)
    for (const metric of list)
      for (const point of points(metric))
        rows.push({
          name: metric.descriptor.name,
          description: metric.descriptor.description,
          unit: metric.descriptor.unit,
          type: point.type,
          startNs: hrTimeToNs(point.startTime),
          timeNs: hrTimeToNs(point.endTime),
          temporality:
            point.type === "gauge"
              ? "unspecified"
              : metric.aggregationTemporality === AggregationTemporality.DELTA
                ? "delta"
                : "cumulative",
          monotonic: point.monotonic,
          value: point.value,
          count: point.count,
          serviceName: serviceName(resource),
          attributes: point.attributes,
          resource,
          scope: scopeOf(scope),
        });
  return rows;
}

interface Point {
  readonly type: MetricPointRow["type"];
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly value: number;
  readonly count: number;
  readonly monotonic: boolean;
}

function points(metric: MetricData): Point[] {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.dataPoints.map((p) => ({
        ...p,
        type: "sum",
        count: 0,
        monotonic: metric.isMonotonic,
      }));
    case DataPointType.GAUGE:
      return metric.dataPoints.map((p) => ({ ...p, type: "gauge", count: 0, monotonic: false }));
    case DataPointType.HISTOGRAM:
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return metric.dataPoints.map((p) => ({
        ...p,
        type: "histogram",
        value: p.value.sum ?? 0,
        count: p.value.count,
        monotonic: true,
      }));
  }
}

function serviceName(resource: Readonly<Record<string, unknown>>): string {
  const name = resource[SERVICE_NAME];
  return typeof name === "string" ? name : "";
}

function scopeOf(scope: { name: string; version?: string }): { name: string; version: string } {
  return { name: scope.name, version: scope.version ?? "" };
}
