import type {
  AggregationTemporality,
  DataPoint,
  Histogram,
  MetricData,
  ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { writeAttributes, writeResource, writeScope } from "./common.js";
import { FIXED64, LENGTH, type ProtoWriter, sharedWriter, VARINT } from "./writer.js";

// The SDK's enum values (`DataPointType`, `AggregationTemporality`, `ValueType.INT`).
const HISTOGRAM = 0;
const EXPONENTIAL_HISTOGRAM = 1;
const GAUGE = 2;
const SUM = 3;
const INT = 0;

/**
 * An `ExportMetricsServiceRequest` (opentelemetry-proto `metrics.proto`) for one collection,
 * field by field as the OpenTelemetry JS exporters write it. Exponential histograms are not
 * produced by this plugin and are left out.
 */
export function encodeMetrics(metrics: ResourceMetrics): Uint8Array {
  const w = sharedWriter;
  w.reset();
  w.tag(1, LENGTH);
  const resourceMetrics = w.begin();
  writeResource(w, 1, metrics.resource);
  for (const { scope, metrics: list } of metrics.scopeMetrics) {
    w.tag(2, LENGTH);
    const scopeMetrics = w.begin();
    writeScope(w, 1, scope);
    for (const metric of list) writeMetric(w, metric);
    if (scope.schemaUrl) {
      w.tag(3, LENGTH);
      w.string(scope.schemaUrl);
    }
    w.end(scopeMetrics);
  }
  if (metrics.resource.schemaUrl) {
    w.tag(3, LENGTH);
    w.string(metrics.resource.schemaUrl);
  }
  w.end(resourceMetrics);
  return w.finish();
}

function writeMetric(w: ProtoWriter, metric: MetricData): void {
  if (metric.dataPointType === EXPONENTIAL_HISTOGRAM) return;
  w.tag(2, LENGTH);
  const start = w.begin();
  const { name, description, unit, valueType } = metric.descriptor;
  w.tag(1, LENGTH);
  w.string(name);
  if (description) {
    w.tag(2, LENGTH);
    w.string(description);
  }
  if (unit) {
    w.tag(3, LENGTH);
    w.string(unit);
  }
  switch (metric.dataPointType) {
    case GAUGE: {
      w.tag(5, LENGTH);
      const gauge = w.begin();
      for (const point of metric.dataPoints) writeNumberPoint(w, point, valueType === INT);
      w.end(gauge);
      break;
    }
    case SUM: {
      w.tag(7, LENGTH);
      const sum = w.begin();
      for (const point of metric.dataPoints) writeNumberPoint(w, point, valueType === INT);
      writeTemporality(w, metric.aggregationTemporality);
      if (metric.isMonotonic) {
        w.tag(3, VARINT);
        w.uint32(1);
      }
      w.end(sum);
      break;
    }
    case HISTOGRAM: {
      w.tag(9, LENGTH);
      const histogram = w.begin();
      for (const point of metric.dataPoints) writeHistogramPoint(w, point);
      writeTemporality(w, metric.aggregationTemporality);
      w.end(histogram);
      break;
    }
  }
  w.end(start);
}

/** OTLP's AggregationTemporality: DELTA = 1, CUMULATIVE = 2 (the SDK's: 0 and 1). */
function writeTemporality(w: ProtoWriter, temporality: AggregationTemporality): void {
  w.tag(2, VARINT);
  w.uint32(temporality === 0 ? 1 : 2);
}

function writeNumberPoint(w: ProtoWriter, point: DataPoint<number>, integer: boolean): void {
  w.tag(1, LENGTH);
  const start = w.begin();
  w.tag(2, FIXED64);
  w.time(point.startTime);
  w.tag(3, FIXED64);
  w.time(point.endTime);
  if (integer) {
    // as_int, an sfixed64.
    w.tag(6, FIXED64);
    w.sfixed64(point.value);
  } else {
    w.tag(4, FIXED64);
    w.double(point.value);
  }
  writeAttributes(w, 7, point.attributes);
  w.end(start);
}

function writeHistogramPoint(w: ProtoWriter, point: DataPoint<Histogram>): void {
  w.tag(1, LENGTH);
  const start = w.begin();
  const value = point.value;
  w.tag(2, FIXED64);
  w.time(point.startTime);
  w.tag(3, FIXED64);
  w.time(point.endTime);
  w.tag(4, FIXED64);
  w.fixed64(value.count);
  if (value.sum !== undefined) {
    w.tag(5, FIXED64);
    w.double(value.sum);
  }
  if (value.buckets.counts.length > 0) {
    w.tag(6, LENGTH);
    const counts = w.begin();
    for (const count of value.buckets.counts) w.fixed64(count);
    w.end(counts);
  }
  if (value.buckets.boundaries.length > 0) {
    w.tag(7, LENGTH);
    const bounds = w.begin();
    for (const bound of value.buckets.boundaries) w.double(bound);
    w.end(bounds);
  }
  writeAttributes(w, 9, point.attributes);
  if (value.min !== undefined) {
    w.tag(11, FIXED64);
    w.double(value.min);
  }
  if (value.max !== undefined) {
    w.tag(12, FIXED64);
    w.double(value.max);
  }
  w.end(start);
}
