import type { Attributes, HrTime } from "@opentelemetry/api";
import type {
  AggregationTemporality,
  DataPointType,
  MetricData,
  MetricDescriptor,
} from "@opentelemetry/sdk-metrics";
import { hrTimeOf } from "./time.js";

/**
 * How instruments aggregate, with the OpenTelemetry SDK's results (the same points, start times,
 * buckets and min/max), kept per destination because each one may ask for its own temporality:
 * cumulative series live as long as the process, delta series only until the next collection.
 */

export type InstrumentKind = "counter" | "upDownCounter" | "histogram" | "gauge";

/** The SDK's `AggregationTemporality` values (the enum is not loaded at runtime). */
export const DELTA: AggregationTemporality = 0;
export const CUMULATIVE: AggregationTemporality = 1;

// The SDK's `DataPointType` values.
const HISTOGRAM: DataPointType.HISTOGRAM = 0;
const GAUGE: DataPointType.GAUGE = 2;
const SUM: DataPointType.SUM = 3;

/** The SDK's default histogram boundaries (no bucket advice). */
export const DEFAULT_BOUNDARIES: readonly number[] = [
  0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000,
];

/**
 * Series kept per instrument and destination, like the SDK's cardinality limit (2,000, the last
 * slot for the overflow series). Unlike the SDK, the limit also holds for cumulative series
 * across collections, so memory stays bounded even with session ids on metric points.
 */
const MAX_SERIES = 2000;
const OVERFLOW: Attributes = { "otel.metric.overflow": true };

interface Series {
  readonly attributes: Attributes;
  start: HrTime;
  /** Sum, or last value. */
  value: number;
  /** Histogram only: one count per bucket (boundaries + 1). */
  counts: number[] | undefined;
  count: number;
  min: number;
  max: number;
}

/** The series of one instrument for one destination. */
export class SeriesStore {
  private series = new Map<string, Series>();
  /** Delta: the series reported at the last collection (their next start is that time). */
  private reported = new Set<string>();
  private lastCollection: HrTime | undefined;

  constructor(
    private readonly kind: InstrumentKind,
    private readonly boundaries: readonly number[],
    readonly temporality: AggregationTemporality,
  ) {}

  record(value: number, attributes: Attributes, key: string, time: number): void {
    let series = this.series.get(key);
    if (!series) {
      const overflow = this.series.size >= MAX_SERIES - 1;
      const slot = overflow ? OVERFLOW_KEY : key;
      series = this.series.get(slot) ?? this.open(slot, overflow ? OVERFLOW : attributes, time);
    }
    switch (this.kind) {
      case "counter":
      case "upDownCounter":
        series.value += value;
        return;
      case "gauge":
        series.value = value;
        return;
      case "histogram": {
        // NaN falls in no bucket and counts nowhere, as in the SDK.
        if (Number.isNaN(value) || !series.counts) return;
        series.count += 1;
        series.value += value;
        series.min = Math.min(series.min, value);
        series.max = Math.max(series.max, value);
        const bucket = bucketOf(this.boundaries, value);
        series.counts[bucket] = (series.counts[bucket] ?? 0) + 1;
      }
    }
  }

  /** The points since the last collection (delta) or since the start (cumulative). */
  collect(descriptor: MetricDescriptor, now: HrTime): MetricData | undefined {
    const lastCollection = this.lastCollection;
    this.lastCollection = now;
    const all = [...this.series];
    if (this.temporality === DELTA) {
      this.series = new Map();
      const before = this.reported;
      this.reported = new Set(all.map(([key]) => key));
      if (lastCollection)
        for (const [key, series] of all) if (before.has(key)) series.start = lastCollection;
    }
    if (all.length === 0) return undefined;
    const base = { descriptor, aggregationTemporality: this.temporality };
    const point = <T>(series: Series, value: T) => ({
      attributes: series.attributes,
      startTime: series.start,
      endTime: now,
      value,
    });
    switch (this.kind) {
      case "counter":
      case "upDownCounter":
        return {
          ...base,
          dataPointType: SUM,
          dataPoints: all.map(([, s]) => point(s, s.value)),
          isMonotonic: this.kind === "counter",
        };
      case "gauge":
        return { ...base, dataPointType: GAUGE, dataPoints: all.map(([, s]) => point(s, s.value)) };
      case "histogram":
        return {
          ...base,
          dataPointType: HISTOGRAM,
          dataPoints: all.map(([, s]) =>
            point(s, {
              // Copies: a cumulative series keeps counting after this collection.
              buckets: { boundaries: [...this.boundaries], counts: [...(s.counts ?? [])] },
              sum: s.value,
              count: s.count,
              min: s.count > 0 ? s.min : undefined,
              max: s.count > 0 ? s.max : undefined,
            }),
          ),
        };
    }
  }

  private open(key: string, attributes: Attributes, time: number): Series {
    const series: Series = {
      attributes,
      start: hrTimeOf(time),
      value: 0,
      counts: this.kind === "histogram" ? new Array(this.boundaries.length + 1).fill(0) : undefined,
      count: 0,
      min: Number.POSITIVE_INFINITY,
      max: Number.NEGATIVE_INFINITY,
    };
    this.series.set(key, series);
    return series;
  }
}

const OVERFLOW_KEY = seriesKey(OVERFLOW);

/** The SDK's attribute-set key: insensitive to key order. */
export function seriesKey(attributes: Attributes): string {
  const keys = Object.keys(attributes);
  if (keys.length === 0) return "";
  keys.sort();
  return JSON.stringify(keys.map((key) => [key, attributes[key]]));
}

/** Index of the bucket for `value`: the first boundary not below it (upper bounds inclusive). */
function bucketOf(boundaries: readonly number[], value: number): number {
  let low = 0;
  let high = boundaries.length - 1;
  let found = boundaries.length;
  while (high >= low) {
    const middle = low + Math.trunc((high - low) / 2);
    if ((boundaries[middle] ?? 0) < value) low = middle + 1;
    else {
      found = middle;
      high = middle - 1;
    }
  }
  return found;
}
