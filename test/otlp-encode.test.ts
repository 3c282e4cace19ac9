/**
 * The plugin writes OTLP protobuf itself (`src/delivery/protobuf/`). These properties hold it to
 * the OpenTelemetry JS serializers (`@opentelemetry/otlp-transformer`): for records made by the
 * real SDK, and for records made by the plugin's own pipeline, the bytes are the same. The
 * plugin's tracer is held to the SDK's for span links, roots in a chosen trace id, and the
 * spec's samplers' decisions.
 */
import { describe, expect, test } from "bun:test";
import {
  type Attributes,
  type AttributeValue,
  context,
  createTraceState,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  ValueType,
} from "@opentelemetry/api";
import { type AnyValue, SeverityNumber } from "@opentelemetry/api-logs";
import {
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import fc from "fast-check";
import type { SamplerName } from "../src/config/types.js";
import { encodeLogs } from "../src/delivery/protobuf/logs.js";
import { encodeMetrics } from "../src/delivery/protobuf/metrics.js";
import { encodeTraces } from "../src/delivery/protobuf/traces.js";
import { SessionIdGenerator } from "../src/sdk/ids.js";
import { createLogger } from "../src/sdk/logger.js";
import { createMeterState } from "../src/sdk/meter.js";
import { createResource, SCOPE } from "../src/sdk/resource.js";
import { createSampler } from "../src/sdk/sampler.js";
import { hrTimeOf } from "../src/sdk/time.js";
import { createTracer } from "../src/sdk/tracer.js";

const same = (ours: Uint8Array, theirs: Uint8Array | undefined) =>
  expect(Buffer.from(ours).equals(Buffer.from(theirs ?? new Uint8Array()))).toBe(true);

// Values the plugin never sends but a faithful encoder must handle like the reference.
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ minLength: 100, maxLength: 400 }),
);
const number = fc.oneof(
  fc.integer(),
  fc.integer({ min: 0, max: 2 ** 53 }),
  fc.constantFrom(0, -1, 2 ** 32, 2 ** 35 + 7, -(2 ** 40), 2 ** 62, 1e300, -0.5, Math.PI),
  fc.double({ noNaN: true }),
);
const scalar: fc.Arbitrary<AttributeValue> = fc.oneof(text, number, fc.boolean());
const attributeValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  scalar,
  fc.array(text, { maxLength: 4 }),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.array(fc.boolean(), { maxLength: 3 }),
);
const attributes: fc.Arbitrary<Attributes> = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 20 }),
  attributeValue,
  { maxKeys: 12 },
);
const anyValue: fc.Arbitrary<AnyValue> = fc.letrec<{ value: AnyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.constant(undefined),
    fc.uint8Array({ maxLength: 8 }),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), tie("value"), { maxKeys: 3 }),
  ),
})).value;
const time = fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 });

const spanShape = fc.record({
  name: text,
  kind: fc.constantFrom(
    SpanKind.INTERNAL,
    SpanKind.CLIENT,
    SpanKind.SERVER,
    SpanKind.PRODUCER,
    SpanKind.CONSUMER,
  ),
  start: time,
  length: fc.integer({ min: 0, max: 100_000 }),
  attributes,
  later: attributes,
  events: fc.array(fc.record({ name: text, attributes, at: time }), { maxLength: 3 }),
  status: fc.constantFrom(
    { code: SpanStatusCode.UNSET },
    { code: SpanStatusCode.OK },
    { code: SpanStatusCode.ERROR, message: "it failed: ünïcode" },
    { code: SpanStatusCode.ERROR },
  ),
  parent: fc.constantFrom("none", "previous", "remote"),
});

type SpanShape = typeof spanShape extends fc.Arbitrary<infer T> ? T : never;

/** The same spans through any tracer: parents, remote parents, events, late attributes. */
function makeSpans(tracer: ReturnType<typeof createTracer>, shapes: readonly SpanShape[]): void {
  let previous = context.active();
  const remote = trace.setSpanContext(context.active(), {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState("vendor=value"),
  });
  for (const shape of shapes) {
    const parent =
      shape.parent === "previous" ? previous : shape.parent === "remote" ? remote : undefined;
    const span = tracer.startSpan(
      shape.name,
      { kind: shape.kind, startTime: shape.start, attributes: shape.attributes },
      parent,
    );
    span.setAttributes(shape.later);
    for (const event of shape.events) span.addEvent(event.name, event.attributes, event.at);
    span.setStatus(shape.status);
    span.end(shape.start + shape.length);
    previous = trace.setSpan(context.active(), span);
  }
}

describe("traces", () => {
  test("spans made by the SDK encode to the SDK serializer's bytes", () => {
    fc.assert(
      fc.property(fc.array(spanShape, { minLength: 1, maxLength: 6 }), (shapes) => {
        const exporter = new InMemorySpanExporter();
        const provider = new BasicTracerProvider({
          resource: resourceFromAttributes({ "service.name": "x", weight: 3 }),
          spanLimits: { attributeValueLengthLimit: 64 },
          spanProcessors: [new SimpleSpanProcessor(exporter)],
        });
        makeSpans(provider.getTracer("scope", "1.2.3"), shapes);
        const spans = exporter.getFinishedSpans();
        same(encodeTraces(spans), ProtobufTraceSerializer.serializeRequest(spans));
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  test("spans made by the plugin's tracer encode to the SDK serializer's bytes", () => {
    fc.assert(
      fc.property(fc.array(spanShape, { minLength: 1, maxLength: 6 }), (shapes) => {
        const spans: Parameters<typeof encodeTraces>[0][number][] = [];
        const tracer = createTracer({
          resource: createResource({ "service.name": "opencode", "deployment.environment": "t" }),
          scope: SCOPE,
          ids: new SessionIdGenerator(),
          limits: { valueLength: 64, count: 128 },
          onEnd: (span) => spans.push(span),
        });
        makeSpans(tracer, shapes);
        same(encodeTraces(spans), ProtobufTraceSerializer.serializeRequest(spans));
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});

const hex = (length: number) =>
  fc
    .array(fc.constantFrom(..."0123456789abcdef"), { minLength: length, maxLength: length })
    .map((digits) => digits.join(""))
    .filter((id) => /[1-9a-f]/.test(id));

const linkShape = fc.record({
  target: fc.constantFrom("previous", "remote", "other"),
  other: fc.record({ traceId: hex(32), spanId: hex(16), sampled: fc.boolean() }),
  attributes,
  late: fc.boolean(),
});

const linkedSpanShape = fc.record({
  name: text,
  start: time,
  length: fc.integer({ min: 0, max: 100_000 }),
  /** A root span in a trace id the caller chose (as a session's or a turn's trace is derived). */
  trace: fc.option(hex(32), { nil: undefined }),
  parent: fc.constantFrom("none", "previous"),
  links: fc.array(linkShape, { maxLength: 4 }),
});

/** Ids from a counter, so two tracers given the same spans give them the same ids. */
class CountingIds extends SessionIdGenerator {
  private count = 0;
  override generateTraceId(): string {
    const chosen = this.next;
    this.next = undefined;
    return chosen ?? (++this.count).toString(16).padStart(32, "0");
  }
  override generateSpanId(): string {
    return (++this.count).toString(16).padStart(16, "0");
  }
}

type LinkedSpanShape = typeof linkedSpanShape extends fc.Arbitrary<infer T> ? T : never;

/** Spans with links (given at the start or added later) to an earlier span, a remote or any context. */
function makeLinkedSpans(
  tracer: ReturnType<typeof createTracer>,
  ids: CountingIds,
  shapes: readonly LinkedSpanShape[],
): void {
  let previous: SpanContext | undefined;
  const remote: SpanContext = {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState("vendor=value"),
  };
  for (const shape of shapes) {
    const links = shape.links.map((link) => ({
      late: link.late,
      link: {
        context:
          link.target === "previous" && previous
            ? previous
            : link.target === "remote"
              ? remote
              : {
                  traceId: link.other.traceId,
                  spanId: link.other.spanId,
                  traceFlags: link.other.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
                },
        attributes: link.attributes,
      },
    }));
    const parent =
      shape.parent === "previous" && previous
        ? trace.setSpanContext(context.active(), previous)
        : undefined;
    if (shape.trace !== undefined) ids.next = shape.trace;
    const span = tracer.startSpan(
      shape.name,
      {
        startTime: shape.start,
        root: shape.trace !== undefined,
        links: links.filter((l) => !l.late).map((l) => l.link),
      },
      parent,
    );
    span.addLinks(links.filter((l) => l.late).map((l) => l.link));
    span.end(shape.start + shape.length);
    previous = span.spanContext();
  }
}

const linksOf = (spans: readonly ReadableSpan[]) =>
  spans.map((span) => ({
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parent: span.parentSpanContext?.spanId,
    dropped: span.droppedLinksCount,
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      traceFlags: link.context.traceFlags,
      remote: link.context.isRemote,
      traceState: link.context.traceState?.serialize(),
      attributes: link.attributes,
      dropped: link.droppedAttributesCount,
    })),
  }));

describe("span links and chosen trace ids", () => {
  test("the plugin's tracer keeps the same links as the SDK's, and both encode to the SDK serializer's bytes", () => {
    fc.assert(
      fc.property(fc.array(linkedSpanShape, { minLength: 1, maxLength: 6 }), (shapes) => {
        const sdkIds = new CountingIds();
        const exporter = new InMemorySpanExporter();
        const provider = new BasicTracerProvider({
          resource: resourceFromAttributes({ "service.name": "x" }),
          idGenerator: sdkIds,
          spanLimits: { attributeValueLengthLimit: 48 },
          spanProcessors: [new SimpleSpanProcessor(exporter)],
        });
        makeLinkedSpans(provider.getTracer("scope", "1.0.0"), sdkIds, shapes);
        const ourIds = new CountingIds();
        const ours: ReadableSpan[] = [];
        makeLinkedSpans(
          createTracer({
            resource: createResource({ "service.name": "opencode" }),
            scope: SCOPE,
            ids: ourIds,
            limits: { valueLength: 48, count: 128 },
            onEnd: (span) => ours.push(span),
          }),
          ourIds,
          shapes,
        );
        const theirs = exporter.getFinishedSpans();
        expect(linksOf(ours)).toEqual(linksOf(theirs));
        for (const [index, shape] of shapes.entries())
          if (shape.trace !== undefined) {
            expect(ours[index]?.spanContext().traceId).toBe(shape.trace);
            expect(ours[index]?.parentSpanContext).toBeUndefined();
          }
        same(encodeTraces(ours), ProtobufTraceSerializer.serializeRequest(ours));
        same(encodeTraces(theirs), ProtobufTraceSerializer.serializeRequest(theirs));
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  test("more links than the limit: the newest are kept and the rest counted, as the SDK does", () => {
    const ours: ReadableSpan[] = [];
    const tracer = createTracer({
      resource: createResource({ "service.name": "opencode" }),
      scope: SCOPE,
      ids: new SessionIdGenerator(),
      limits: { valueLength: 48, count: 128 },
      onEnd: (span) => ours.push(span),
    });
    const link = (index: number) => ({
      context: {
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: index.toString(16).padStart(16, "0"),
        traceFlags: TraceFlags.SAMPLED,
      },
      attributes: { index },
    });
    const span = tracer.startSpan("many links", {
      links: Array.from({ length: 130 }, (_, i) => link(i + 1)),
    });
    span.end();
    expect(ours[0]?.links).toHaveLength(128);
    expect(ours[0]?.droppedLinksCount).toBe(2);
    expect(ours[0]?.links[0]?.attributes).toEqual({ index: 3 });
  });
});

describe("samplers", () => {
  const parents: Record<string, SpanContext | undefined> = {
    root: undefined,
    "sampled local parent": { traceId: "", spanId: "b7ad6b7169203331", traceFlags: 1 },
    "unsampled local parent": { traceId: "", spanId: "b7ad6b7169203331", traceFlags: 0 },
    "sampled remote parent": {
      traceId: "",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
      isRemote: true,
    },
    "unsampled remote parent": {
      traceId: "",
      spanId: "b7ad6b7169203331",
      traceFlags: 0,
      isRemote: true,
    },
  };
  const names: SamplerName[] = [
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
  ];

  test.each(names)("%s decides as the SDK's sampler for every parent and trace id", (name) => {
    fc.assert(
      fc.property(
        hex(32),
        fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, 0.5, 1e-9)),
        fc.constantFrom(...Object.keys(parents)),
        (traceId, ratio, which) => {
          const given = parents[which];
          const parent = given ? { ...given, traceId } : undefined;
          const ctx = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
          const theirs =
            sdkSampler(name, ratio).shouldSample(ctx, traceId, "span", SpanKind.INTERNAL, {}, [])
              .decision === SamplingDecision.RECORD_AND_SAMPLED;
          expect(createSampler(name, ratio)(parent, traceId)).toBe(theirs);
        },
      ),
      { numRuns: 400 },
    );
  });

  test("an unsampled span carries its ids with the sampled flag off and is never exported", () => {
    const ended: ReadableSpan[] = [];
    const ids = new SessionIdGenerator();
    const tracer = createTracer({
      resource: createResource({ "service.name": "opencode" }),
      scope: SCOPE,
      ids,
      limits: { valueLength: 48, count: 128 },
      sampler: createSampler("always_off", 1),
      onEnd: (span) => ended.push(span),
    });
    ids.next = "0af7651916cd43dd8448eb211c80319c";
    const root = tracer.startSpan("session", { root: true });
    const child = tracer.startSpan("turn", {}, trace.setSpan(ROOT_CONTEXT, root));
    child.end();
    root.end();
    expect(root.isRecording()).toBe(false);
    expect(root.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(root.spanContext().traceFlags).toBe(TraceFlags.NONE);
    expect(child.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(ended).toEqual([]);
  });
});

function sdkSampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

const logShape = fc.record({
  eventName: fc.option(text, { nil: undefined }),
  body: anyValue,
  severity: fc.constantFrom(
    undefined,
    SeverityNumber.UNSPECIFIED,
    SeverityNumber.INFO,
    SeverityNumber.ERROR,
  ),
  severityText: fc.option(text, { nil: undefined }),
  attributes: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), anyValue, {
    maxKeys: 8,
  }),
  at: time,
  linked: fc.boolean(),
});

describe("logs", () => {
  const linkedContext = trace.setSpanContext(context.active(), {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: TraceFlags.SAMPLED,
  });

  test("records made by the SDK and by the plugin's logger encode to the SDK serializer's bytes", () => {
    fc.assert(
      fc.property(fc.array(logShape, { minLength: 1, maxLength: 6 }), (shapes) => {
        const exporter = new InMemoryLogRecordExporter();
        const provider = new LoggerProvider({
          resource: resourceFromAttributes({ "service.name": "x" }),
          logRecordLimits: { attributeValueLengthLimit: 32 },
          processors: [new SimpleLogRecordProcessor({ exporter })],
        });
        const records: Parameters<typeof encodeLogs>[0][number][] = [];
        const ours = createLogger({
          resource: createResource({ "service.name": "opencode" }),
          scope: SCOPE,
          limits: { valueLength: 32, count: 128 },
          onEmit: (record) => records.push(record),
        });
        for (const logger of [provider.getLogger("scope", "1.0.0"), ours])
          for (const shape of shapes)
            logger.emit({
              ...(shape.eventName === undefined ? {} : { eventName: shape.eventName }),
              body: shape.body,
              ...(shape.severity === undefined ? {} : { severityNumber: shape.severity }),
              ...(shape.severityText === undefined ? {} : { severityText: shape.severityText }),
              attributes: shape.attributes,
              timestamp: shape.at,
              ...(shape.linked ? { context: linkedContext } : {}),
            });
        const theirs = exporter.getFinishedLogRecords();
        same(encodeLogs(theirs), ProtobufLogsSerializer.serializeRequest(theirs));
        same(encodeLogs(records), ProtobufLogsSerializer.serializeRequest(records));
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});

const recording = fc.record({
  instrument: fc.integer({ min: 0, max: 4 }),
  value: fc.oneof(
    fc.integer({ min: 0, max: 10_000 }),
    fc.double({ min: 0, max: 1e6, noNaN: true }),
  ),
  attributes: fc.dictionary(
    fc.constantFrom("model", "provider", "type", "tool.name"),
    fc.oneof(fc.constantFrom("a", "b", "ü"), fc.boolean(), fc.integer({ min: 0, max: 3 })),
    { maxKeys: 3 },
  ),
});

type Recording = typeof recording extends fc.Arbitrary<infer T> ? T : never;

function record(meter: ReturnType<typeof createMeterState>["meter"], recordings: Recording[]) {
  const instruments = [
    meter.createCounter("tokens", { unit: "{token}", description: "Tokens" }),
    meter.createHistogram("duration", { unit: "ms" }),
    meter.createHistogram("tokens.dist", { advice: { explicitBucketBoundaries: [1, 16, 256] } }),
    meter.createGauge("lines", { description: "Lines", valueType: ValueType.INT }),
    meter.createUpDownCounter("open"),
  ];
  for (const { instrument, value, attributes } of recordings) {
    const target = instruments[instrument];
    if (!target) continue;
    if ("add" in target) target.add(value, attributes);
    else target.record(value, attributes);
  }
}

describe("metrics", () => {
  test.each([AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA])(
    "collections (temporality %p) encode to the SDK serializer's bytes",
    async (temporality) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(recording, { minLength: 1, maxLength: 40 }),
          async (recordings) => {
            const exporter = new InMemoryMetricExporter(temporality);
            const provider = new MeterProvider({
              resource: resourceFromAttributes({ "service.name": "x" }),
              readers: [
                new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 }),
              ],
            });
            record(provider.getMeter("scope", "1.0.0"), recordings);
            await provider.forceFlush();
            const theirs = exporter.getMetrics();
            for (const collection of theirs)
              same(
                encodeMetrics(collection),
                ProtobufMetricsSerializer.serializeRequest(collection),
              );
            await provider.shutdown();

            const state = createMeterState([() => temporality]);
            record(state.meter, recordings);
            const collection = {
              resource: createResource({ "service.name": "opencode" }),
              scopeMetrics: [{ scope: SCOPE, metrics: state.collect(0, hrTimeOf(Date.now())) }],
            };
            same(encodeMetrics(collection), ProtobufMetricsSerializer.serializeRequest(collection));
          },
        ),
        { numRuns: 60 },
      );
    },
    30_000,
  );
});
