import {
  type Attributes,
  type Counter,
  createNoopMeter,
  type Gauge,
  type Histogram,
  type HrTime,
  type Meter,
  type MetricOptions,
  type UpDownCounter,
  ValueType,
} from "@opentelemetry/api";
import type { AggregationTemporality, MetricData } from "@opentelemetry/sdk-metrics";
import { DEFAULT_BOUNDARIES, type InstrumentKind, SeriesStore, seriesKey } from "./aggregation.js";

/** The temporality one destination wants for each kind of instrument. */
export type TemporalitySelector = (kind: InstrumentKind) => AggregationTemporality;

/** A meter and the collection of what it recorded, per destination. */
export interface MeterState {
  readonly meter: Meter;
  /** The points of every instrument that has any, for destination `index`, in creation order. */
  collect(index: number, now: HrTime): MetricData[];
}

interface Instrument {
  readonly descriptor: { name: string; description: string; unit: string; valueType: ValueType };
  readonly stores: readonly SeriesStore[];
}

/**
 * The synchronous instruments the emitters use (counter, up-down counter, histogram, gauge) with
 * the SDK's recording rules: non-numbers ignored, negative values ignored on counters and
 * histograms, INT instruments truncate. Observable instruments are accepted and never report:
 * nothing in the plugin observes asynchronously.
 */
export function createMeterState(destinations: readonly TemporalitySelector[]): MeterState {
  const instruments: Instrument[] = [];
  const noop = createNoopMeter();

  function instrument(name: string, kind: InstrumentKind, options: MetricOptions = {}) {
    const valueType = options.valueType ?? ValueType.DOUBLE;
    const boundaries =
      kind === "histogram"
        ? (options.advice?.explicitBucketBoundaries ?? DEFAULT_BOUNDARIES)
        : DEFAULT_BOUNDARIES;
    const entry: Instrument = {
      descriptor: {
        name,
        description: options.description ?? "",
        unit: options.unit ?? "",
        valueType,
      },
      stores: destinations.map((select) => new SeriesStore(kind, boundaries, select(kind))),
    };
    instruments.push(entry);
    const nonNegative = kind === "counter" || kind === "histogram";
    return (value: number, attributes: Attributes = {}) => {
      if (typeof value !== "number" || (nonNegative && value < 0)) return;
      let recorded = value;
      if (valueType === ValueType.INT && !Number.isInteger(recorded)) {
        recorded = Math.trunc(recorded);
        if (!Number.isInteger(recorded)) return;
      }
      const key = seriesKey(attributes);
      const time = Date.now();
      for (const store of entry.stores) store.record(recorded, attributes, key, time);
    };
  }

  const meter: Meter = {
    createCounter(name, options): Counter {
      const record = instrument(name, "counter", options);
      return { add: (value, attributes) => record(value, attributes) };
    },
    createUpDownCounter(name, options): UpDownCounter {
      const record = instrument(name, "upDownCounter", options);
      return { add: (value, attributes) => record(value, attributes) };
    },
    createHistogram(name, options): Histogram {
      const record = instrument(name, "histogram", options);
      return { record: (value, attributes) => record(value, attributes) };
    },
    createGauge(name, options): Gauge {
      const record = instrument(name, "gauge", options);
      return { record: (value, attributes) => record(value, attributes) };
    },
    createObservableGauge: (name, options) => noop.createObservableGauge(name, options),
    createObservableCounter: (name, options) => noop.createObservableCounter(name, options),
    createObservableUpDownCounter: (name, options) =>
      noop.createObservableUpDownCounter(name, options),
    addBatchObservableCallback: () => undefined,
    removeBatchObservableCallback: () => undefined,
  };

  return {
    meter,
    collect(index, now) {
      const out: MetricData[] = [];
      for (const { descriptor, stores } of instruments) {
        const data = stores[index]?.collect(descriptor, now);
        if (data) out.push(data);
      }
      return out;
    },
  };
}
