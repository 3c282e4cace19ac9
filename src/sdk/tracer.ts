import {
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type HrTime,
  isSpanContextValid,
  type Link,
  ROOT_CONTEXT,
  type Span,
  type SpanAttributes,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
  TraceFlags,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { IdGenerator, ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace-base";
import { type AttributeLimits, addSpanAttributes, eventAttributes } from "./attributes.js";
import { createSampler, type Sampler } from "./sampler.js";
import { hrDuration, hrTimeOf } from "./time.js";

/** What a tracer needs; `onEnd` receives every ended, sampled span. */
export interface TracerOptions {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly ids: IdGenerator;
  readonly limits: AttributeLimits;
  /** The sampling decision (`sampler.ts`); parent-based always-on, the SDK's default, if absent. */
  readonly sampler?: Sampler;
  readonly onEnd: (span: ReadableSpan) => void;
}

/**
 * A tracer with the OpenTelemetry SDK's semantics where the emitters can see them (the spec's
 * samplers, ids from the generator, attribute limits, links, times), and none of its
 * machinery: no processor chain, no context manager, no diagnostics. Spans are plain records
 * that the SDK's exporters and the OTLP encoder read as `ReadableSpan`.
 */
export function createTracer(options: TracerOptions): Tracer {
  return new PlainTracer(options);
}

const DEFAULT_SAMPLER = createSampler("parentbased_always_on", 1);

class PlainTracer implements Tracer {
  private readonly sampler: Sampler;

  constructor(private readonly options: TracerOptions) {
    this.sampler = options.sampler ?? DEFAULT_SAMPLER;
  }

  startSpan(name: string, spanOptions: SpanOptions = {}, context = ROOT_CONTEXT): Span {
    const { ids } = this.options;
    const parent = spanOptions.root ? undefined : validSpanContext(context);
    // The SDK asks for the span id first: the session id generator relies on that order.
    const spanId = ids.generateSpanId();
    const traceId = parent ? parent.traceId : ids.generateTraceId();
    // As the SDK's tracer: an unsampled span is a non-recording span that still carries its
    // ids (children and log records use them) with the sampled flag off; nothing exports it.
    const sampled = this.sampler(parent, traceId);
    const spanContext: SpanContext = {
      traceId,
      spanId,
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
      ...(parent?.traceState ? { traceState: parent.traceState } : {}),
    };
    if (!sampled) return trace.wrapSpanContext(spanContext);
    return new RecordingSpan(this.options, name, spanContext, parent, spanOptions);
  }

  // No context manager: the span starts under the given (or root) context and is handed to the
  // callback. The plugin never calls this; it completes the Tracer interface.
  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan(name: string, ...rest: unknown[]): unknown {
    const fn = rest.at(-1);
    if (typeof fn !== "function") return undefined;
    const spanOptions = rest.length >= 2 && isSpanOptions(rest[0]) ? rest[0] : undefined;
    const context = rest.length >= 3 && isContext(rest[1]) ? rest[1] : undefined;
    return fn(this.startSpan(name, spanOptions, context));
  }
}

function isSpanOptions(value: unknown): value is SpanOptions {
  return typeof value === "object" && value !== null;
}

function isContext(value: unknown): value is Context {
  return typeof value === "object" && value !== null && "getValue" in value;
}

const NO_LINKS: Link[] = [];
const NO_EVENTS: TimedEvent[] = [];
const UNSET: SpanStatus = { code: SpanStatusCode.UNSET };
const NOT_ENDED: HrTime = [0, 0];
const NO_DURATION: HrTime = [-1, -1];

/**
 * The span context in `context` when it is valid, as the SDK decides a parent and a log record's
 * link (`isSpanContextValid`); this package's own spans remember the answer.
 */
export function validSpanContext(context: Context): SpanContext | undefined {
  const span = trace.getSpan(context);
  if (!span) return undefined;
  if (span instanceof RecordingSpan) return span.validContext();
  const spanContext = span.spanContext();
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** A sampled span: what the emitters write, and what exporters read once it ended. */
class RecordingSpan implements Span, ReadableSpan {
  readonly kind: SpanKind;
  readonly startTime: HrTime;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly attributes: Attributes = {};
  // An idle session keeps its span open for as long as it lives, so an open span holds no
  // empty arrays or objects of its own: these shared values are replaced, never changed.
  links: Link[] = NO_LINKS;
  events: TimedEvent[] = NO_EVENTS;
  name: string;
  status: SpanStatus = UNSET;
  endTime: HrTime = NOT_ENDED;
  duration: HrTime = NO_DURATION;
  ended = false;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  private attributeCount = 0;
  private valid: boolean | undefined;

  constructor(
    private readonly options: TracerOptions,
    name: string,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    spanOptions: SpanOptions,
  ) {
    this.name = name;
    this.kind = spanOptions.kind ?? SpanKind.INTERNAL;
    this.resource = options.resource;
    this.instrumentationScope = options.scope;
    this.startTime = timeOf(spanOptions.startTime ?? Date.now());
    for (const link of spanOptions.links ?? []) this.addLink(link);
    this.setAttributes(spanOptions.attributes ?? {});
  }

  spanContext(): SpanContext {
    return this.context;
  }

  /** This span's context when it is valid (checked once: it is the parent of many records). */
  validContext(): SpanContext | undefined {
    this.valid ??= isSpanContextValid(this.context);
    return this.valid ? this.context : undefined;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (this.ended || value === null || value === undefined) return this;
    return this.setAttributes({ [key]: value });
  }

  setAttributes(attributes: SpanAttributes): this {
    if (this.ended) return this;
    const { count, dropped } = addSpanAttributes(
      this.attributes,
      this.attributeCount,
      attributes,
      this.options.limits,
    );
    this.attributeCount = count;
    this.droppedAttributesCount += dropped;
    return this;
  }

  addEvent(name: string, attributesOrTime?: SpanAttributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    if (this.events === NO_EVENTS) this.events = [];
    if (this.events.length >= this.options.limits.count) {
      // The SDK keeps the newest events.
      this.events.shift();
      this.droppedEventsCount += 1;
    }
    const timeGiven = isTimeInput(attributesOrTime) ? attributesOrTime : time;
    const given = isTimeInput(attributesOrTime) ? undefined : attributesOrTime;
    const { attributes, dropped } = eventAttributes(given, this.options.limits);
    this.events.push({
      name,
      attributes,
      time: this.eventTime(timeGiven),
      droppedAttributesCount: dropped,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links === NO_LINKS) this.links = [];
    if (this.links.length >= this.options.limits.count) {
      this.links.shift();
      this.droppedLinksCount += 1;
    }
    const { attributes, dropped } = eventAttributes(link.attributes, this.options.limits);
    this.links.push({
      context: link.context,
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
      ...(dropped > 0 ? { droppedAttributesCount: dropped } : {}),
    });
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended || status.code === SpanStatusCode.UNSET) return this;
    // OK is final.
    if (this.status.code === SpanStatusCode.OK) return this;
    this.status =
      status.code === SpanStatusCode.ERROR && typeof status.message === "string"
        ? { code: status.code, message: status.message }
        : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.endTime = this.eventTime(endTime);
    this.duration = hrDuration(this.startTime, this.endTime);
    if (this.duration[0] < 0) {
      // As the SDK does: an end before the start becomes a zero-length span.
      this.endTime = [this.startTime[0], this.startTime[1]];
      this.duration = [0, 0];
    }
    this.ended = true;
    this.options.onEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === "string") attributes["exception.message"] = exception;
    else if (exception) {
      const type = exception.code ? String(exception.code) : exception.name;
      if (type) attributes["exception.type"] = type;
      if (exception.message) attributes["exception.message"] = exception.message;
      if (exception.stack) attributes["exception.stacktrace"] = exception.stack;
    }
    if (attributes["exception.type"] || attributes["exception.message"])
      this.addEvent("exception", attributes, time);
  }

  /** An event's or the end's time; without one, now (the emitters always give the start). */
  private eventTime(input: TimeInput | undefined): HrTime {
    if (input === undefined) return hrTimeOf(Date.now());
    return timeOf(input);
  }
}

function isTimeInput(value: unknown): value is TimeInput {
  return typeof value === "number" || value instanceof Date || isHrTime(value);
}

function isHrTime(value: unknown): value is HrTime {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === "number" &&
    typeof value[1] === "number"
  );
}

/**
 * A time input as an HrTime. A number no larger than `performance.now()` is a performance
 * timestamp (the SDK's rule), shifted onto the epoch; any other number is epoch milliseconds.
 */
function timeOf(input: TimeInput): HrTime {
  if (typeof input === "number") {
    const sinceOrigin = performance.now();
    return hrTimeOf(input <= sinceOrigin ? input + (Date.now() - sinceOrigin) : input);
  }
  if (input instanceof Date) return hrTimeOf(input.getTime());
  return input;
}
