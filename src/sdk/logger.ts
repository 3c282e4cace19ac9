import type { HrTime, SpanContext } from "@opentelemetry/api";
import type {
  LogAttributes,
  LogBody,
  Logger,
  LogRecord,
  SeverityNumber,
} from "@opentelemetry/api-logs";
import type { InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { type AttributeLimits, isLogAttributeValue, truncateLogValue } from "./attributes.js";
import { hrTimeOf } from "./time.js";
import { validSpanContext } from "./tracer.js";

export interface LoggerOptions {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly limits: AttributeLimits;
  /** Receives every emitted record. */
  readonly onEmit: (record: ReadableLogRecord) => void;
}

/**
 * A logger with the OpenTelemetry SDK's record semantics (timestamps, the span context taken from
 * the given context, attribute validation and limits) and none of its processor machinery.
 * A record from an unsampled span is kept, as the SDK does by default (it is not trace-based).
 */
export function createLogger(options: LoggerOptions): Logger {
  return {
    emit(record: LogRecord) {
      options.onEmit(new PlainLogRecord(options, record));
    },
    enabled: () => true,
  };
}

class PlainLogRecord implements ReadableLogRecord {
  readonly hrTime: HrTime;
  readonly hrTimeObserved: HrTime;
  readonly spanContext: SpanContext | undefined;
  readonly severityText: string | undefined;
  readonly severityNumber: SeverityNumber | undefined;
  readonly body: LogBody | undefined;
  readonly eventName: string | undefined;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly attributes: LogAttributes = {};
  droppedAttributesCount = 0;

  constructor(options: LoggerOptions, record: LogRecord) {
    const now = Date.now();
    this.hrTime = timeOf(record.timestamp ?? now);
    this.hrTimeObserved = timeOf(record.observedTimestamp ?? now);
    this.spanContext = record.context ? validSpanContext(record.context) : undefined;
    this.severityNumber = record.severityNumber;
    this.severityText = record.severityText;
    this.body = record.body;
    this.eventName = record.eventName;
    this.resource = options.resource;
    this.instrumentationScope = options.scope;
    const limits = options.limits;
    let count = 0;
    const attributes = record.attributes ?? {};
    for (const key in attributes) {
      if (!Object.hasOwn(attributes, key) || key.length === 0) continue;
      const value = attributes[key];
      // Strings, numbers and booleans (nearly every attribute) need no further checks.
      const type = typeof value;
      const scalar = type === "string" || type === "number" || type === "boolean";
      if (!scalar && !isLogAttributeValue(value)) continue;
      const fresh = !Object.hasOwn(this.attributes, key);
      if (fresh && count >= limits.count) {
        this.droppedAttributesCount += 1;
        continue;
      }
      this.attributes[key] =
        !scalar || (typeof value === "string" && value.length > limits.valueLength)
          ? truncateLogValue(value, limits.valueLength)
          : value;
      if (fresh) count += 1;
    }
  }
}

function timeOf(input: NonNullable<LogRecord["timestamp"]>): HrTime {
  if (typeof input === "number")
    return hrTimeOf(input < performance.timeOrigin / 2 ? performance.timeOrigin + input : input);
  if (input instanceof Date) return hrTimeOf(input.getTime());
  return input;
}
