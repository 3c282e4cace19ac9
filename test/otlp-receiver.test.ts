/**
 * Proves the test OTLP receiver against the real OpenTelemetry SDK and its real exporters, over
 * every transport the plugin can be configured with. Other tests rely on what it decodes, so
 * this file pins names, ids, parent links, values and attributes end to end.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { AggregationTemporalityPreference } from "@opentelemetry/exporter-metrics-otlp-http";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import {
  createLogExporter,
  createMetricExporter,
  createSpanExporter,
  transports,
} from "./support/otlp-exporters.js";
import { type Receiver, startOtlpReceiver } from "./support/otlp-receiver.js";

const resource = resourceFromAttributes({ "service.name": "otlp-receiver-test" });
const scope = { name: "otlp-receiver-test", version: "1.2.3" };

/**
 * A parent span and a child with attributes, an event and an error status, flushed. Batch
 * processors put each flush in one request, which the request-counting tests rely on.
 */
async function exportSpans(exporter: SpanExporter) {
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer(scope.name, scope.version);
  const parent = tracer.startSpan("invoke_agent build", {
    attributes: { "gen_ai.operation.name": "invoke_agent" },
  });
  const child = tracer.startSpan(
    "execute_tool bash",
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "gen_ai.tool.name": "bash",
        calls: 3,
        ratio: 0.5,
        ok: true,
        big: 2 ** 60,
        tags: ["a", "b"],
      },
    },
    trace.setSpan(context.active(), parent),
  );
  child.addEvent("tool.output", { "exit.code": 1 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: "exit 1" });
  child.end();
  parent.end();
  await provider.forceFlush();
  await provider.shutdown();
  return { parent: parent.spanContext(), child: child.spanContext() };
}

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  receiver.reset();
});

describe.each(transports)("over %s", (transport) => {
  test("decodes spans with parent ids, attributes, events, status, resource and scope", async () => {
    const ids = await exportSpans(createSpanExporter(receiver, transport));

    expect(receiver.errors).toEqual([]);
    expect(receiver.requests.traces[transport]).toBeGreaterThanOrEqual(1);
    const parent = receiver.spans.find((s) => s.name === "invoke_agent build");
    const child = receiver.spans.find((s) => s.name === "execute_tool bash");
    expect(parent).toMatchObject({
      traceId: ids.parent.traceId,
      spanId: ids.parent.spanId,
      parentSpanId: "",
      kind: "internal",
      status: { code: "unset", message: "" },
      attributes: { "gen_ai.operation.name": "invoke_agent" },
      resource: { "service.name": "otlp-receiver-test" },
      scopeName: scope.name,
      scopeVersion: scope.version,
      transport,
    });
    expect(child).toMatchObject({
      traceId: ids.parent.traceId,
      spanId: ids.child.spanId,
      parentSpanId: ids.parent.spanId,
      kind: "client",
      status: { code: "error", message: "exit 1" },
      attributes: {
        "gen_ai.tool.name": "bash",
        calls: 3,
        ratio: 0.5,
        ok: true,
        big: 2n ** 60n,
        tags: ["a", "b"],
      },
      events: [{ name: "tool.output", attributes: { "exit.code": 1 } }],
    });
    expect(child?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(child?.endTimeUnixNano).toBeGreaterThanOrEqual(child?.startTimeUnixNano ?? 0n);
    expect(child?.startTimeUnixNano).toBeGreaterThan(1_600_000_000n * 1_000_000_000n);
  });

  test("decodes counter, histogram and gauge points with cumulative temporality", async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: createMetricExporter(receiver, transport),
      exportIntervalMillis: 60_000,
    });
    const provider = new MeterProvider({ resource, readers: [reader] });
    const meter = provider.getMeter(scope.name, scope.version);
    const requests = meter.createCounter("test.requests", {
      unit: "{request}",
      description: "Requests.",
    });
    requests.add(2, { kind: "a" });
    requests.add(3, { kind: "a" });
    requests.add(1, { kind: "b" });
    const duration = meter.createHistogram("test.duration", {
      unit: "s",
      advice: { explicitBucketBoundaries: [1, 10] },
    });
    duration.record(0.5);
    duration.record(5);
    meter.createGauge("test.level").record(7.25, { pool: "x" });
    // Shutdown collects and exports once; a forceFlush first would export every point twice.
    await provider.shutdown();

    expect(receiver.errors).toEqual([]);
    const points = receiver.metrics;
    expect(points.filter((p) => p.name === "test.requests")).toEqual([
      expect.objectContaining({
        type: "sum",
        value: 5,
        attributes: { kind: "a" },
        monotonic: true,
      }),
      expect.objectContaining({ type: "sum", value: 1, attributes: { kind: "b" } }),
    ]);
    expect(points.find((p) => p.name === "test.requests")).toMatchObject({
      unit: "{request}",
      description: "Requests.",
      temporality: "cumulative",
      resource: { "service.name": "otlp-receiver-test" },
      scopeName: scope.name,
      transport,
    });
    expect(points.find((p) => p.name === "test.duration")).toMatchObject({
      type: "histogram",
      unit: "s",
      temporality: "cumulative",
      value: {
        count: 2,
        sum: 5.5,
        min: 0.5,
        max: 5,
        bucketCounts: [1, 1, 0],
        explicitBounds: [1, 10],
      },
    });
    expect(points.find((p) => p.name === "test.level")).toMatchObject({
      type: "gauge",
      value: 7.25,
      attributes: { pool: "x" },
    });
  });

  test("decodes log records with event name, bodies, bytes and span context", async () => {
    const provider = new LoggerProvider({
      resource,
      processors: [
        new BatchLogRecordProcessor({ exporter: createLogExporter(receiver, transport) }),
      ],
    });
    const logger = provider.getLogger(scope.name, scope.version);
    const spanContext = {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.SAMPLED,
    };
    logger.emit({
      eventName: "opencode.test.event",
      body: "hello",
      severityNumber: SeverityNumber.INFO,
      severityText: "INFO",
      attributes: { "session.id": "s1", n: 2, blob: new Uint8Array([1, 2, 3]) },
      context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
    });
    logger.emit({ body: { structured: true, list: [1, "x"] } });
    await provider.forceFlush();
    await provider.shutdown();

    expect(receiver.errors).toEqual([]);
    expect(receiver.logs).toEqual([
      expect.objectContaining({
        eventName: "opencode.test.event",
        body: "hello",
        severityNumber: SeverityNumber.INFO,
        severityText: "INFO",
        attributes: { "session.id": "s1", n: 2, blob: new Uint8Array([1, 2, 3]) },
        traceId: spanContext.traceId,
        spanId: spanContext.spanId,
        resource: { "service.name": "otlp-receiver-test" },
        scopeName: scope.name,
        transport,
      }),
      expect.objectContaining({
        eventName: "",
        body: { structured: true, list: [1, "x"] },
        traceId: "",
        spanId: "",
      }),
    ]);
  });

  test("accepts gzip-compressed requests", async () => {
    await exportSpans(
      createSpanExporter(receiver, transport, { compression: CompressionAlgorithm.GZIP }),
    );

    expect(receiver.errors).toEqual([]);
    expect(receiver.spans).toHaveLength(2);
    // grpc-js decompresses messages itself and keeps `grpc-*` headers out of the metadata.
    if (transport !== "grpc")
      expect(receiver.requestLog[0]?.headers["content-encoding"]).toBe("gzip");
  });

  test("passes exporter headers through as request headers", async () => {
    const headers = { authorization: "Bearer t0ken", "x-tenant": "t1" };
    await exportSpans(createSpanExporter(receiver, transport, { headers }));

    expect(receiver.requestLog).toEqual([
      expect.objectContaining({ signal: "traces", transport, failedWith: undefined }),
    ]);
    expect(receiver.requestLog[0]?.headers).toMatchObject(headers);
  });

  test("answers an injected 401 once, without keeping the data", async () => {
    receiver.failNext({ status: 401 });
    // 401 (UNAUTHENTICATED over gRPC) is not retryable: the flush itself reports the failure.
    await expect(exportSpans(createSpanExporter(receiver, transport))).rejects.toThrow();
    await exportSpans(createSpanExporter(receiver, transport));

    expect(receiver.requestLog.map((r) => r.failedWith)).toEqual([401, undefined]);
    expect(receiver.spans).toHaveLength(2);
  });
});

test("reports delta temporality when the exporter asks for it", async () => {
  const exporter = createMetricExporter(receiver, "http/protobuf", {
    temporality: AggregationTemporalityPreference.DELTA,
  });
  const provider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter })],
  });
  provider.getMeter(scope.name).createCounter("test.delta").add(4);
  await provider.shutdown();

  expect(receiver.metrics).toEqual([
    expect.objectContaining({ name: "test.delta", type: "sum", value: 4, temporality: "delta" }),
  ]);
});

test("lets the HTTP exporter retry a 503 that carries retry-after", async () => {
  // A date already past means "retry now"; OTel JS turns `retry-after: 0` into setTimeout(-1).
  const past = new Date(0).toUTCString();
  receiver.failNext({ status: 503, signal: "traces", headers: { "retry-after": past } });
  await exportSpans(createSpanExporter(receiver, "http/json"));

  expect(receiver.requests.traces["http/json"]).toBe(2);
  expect(receiver.requestLog.map((r) => r.failedWith)).toEqual([503, undefined]);
  expect(receiver.spans).toHaveLength(2);
});

test("only fails requests of the signal a failure names", async () => {
  receiver.failNext({ status: 401, signal: "logs" });
  await exportSpans(createSpanExporter(receiver, "http/protobuf"));

  expect(receiver.spans).toHaveLength(2);
  expect(receiver.requestLog.map((r) => r.failedWith)).toEqual([undefined]);
});

test("maps an injected 503 to gRPC UNAVAILABLE, which the OTel JS gRPC exporter does not retry", async () => {
  receiver.failNext({ status: 503 });
  // The gRPC transport of @opentelemetry/otlp-grpc-exporter-base 0.223 reports every error as a
  // failure, never as retryable, so the batch is dropped after one attempt. The provider's
  // flush rejects with the list of its processors' errors.
  const failure = await exportSpans(createSpanExporter(receiver, "grpc")).catch(
    (error: unknown) => error,
  );
  expect(String(failure)).toContain("14 UNAVAILABLE");

  expect(receiver.requests.traces.grpc).toBe(1);
  expect(receiver.spans).toHaveLength(0);
});

test("rejects bodies it cannot decode with 400 and records why", async () => {
  const post = (contentType: string, body: string) =>
    fetch(`${receiver.httpUrl}/v1/traces`, {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    });

  expect((await post("application/json", "{not json")).status).toBe(400);
  expect((await post("application/x-protobuf", "\u00ff\u00ff\u00ff")).status).toBe(400);
  expect((await post("text/plain", "hi")).status).toBe(415);
  expect(receiver.errors).toHaveLength(2);
  expect(receiver.spans).toHaveLength(0);
});
