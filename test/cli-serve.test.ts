/**
 * `opencode-otel serve`'s receiver, fed by the real OpenTelemetry SDK exporters over every
 * transport (http/protobuf, http/json, gRPC; gzip or not): what they send lands in the store,
 * once, with exact ids, nanosecond times, attributes and resources; `--token` is enforced.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata } from "@grpc/grpc-js";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter as GrpcLogs } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPLogExporter as JsonLogs } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoLogs } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as GrpcMetrics } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPMetricExporter as JsonMetrics } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetrics } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as GrpcTraces } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as JsonTraces } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraces } from "@opentelemetry/exporter-trace-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { type RunningReceiver, startReceiver } from "../src/cli/serve/receiver.js";
import { Store } from "../src/store/index.js";

type Transport = "http/protobuf" | "http/json" | "grpc";
const TRANSPORTS: readonly Transport[] = ["http/protobuf", "http/json", "grpc"];

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-cli-serve-"));
let store: Store;
let receiver: RunningReceiver;
const TOKEN = "s3cret-token";

beforeAll(async () => {
  store = await Store.open(join(dir, "telemetry.db"));
  receiver = await startReceiver({
    sink: store,
    host: "127.0.0.1",
    httpPort: 0,
    grpcPort: 0,
    token: TOKEN,
  });
});

afterAll(async () => {
  await receiver.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Sent {
  transport: Transport;
  compression: CompressionAlgorithm;
  token?: string;
}

const bearer = (token: string | undefined): Record<string, string> =>
  token ? { authorization: `Bearer ${token}` } : {};

function grpcMetadata(token: string | undefined): Metadata {
  const metadata = new Metadata();
  if (token) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

function spanExporter({ transport, compression, token }: Sent): SpanExporter {
  const url = `${receiver.httpUrl}/v1/traces`;
  const headers = bearer(token);
  if (transport === "grpc") {
    return new GrpcTraces({ url: receiver.grpcUrl, compression, metadata: grpcMetadata(token) });
  }
  const Exporter = transport === "http/json" ? JsonTraces : ProtoTraces;
  return new Exporter({ url, compression, headers });
}

function logExporter({ transport, compression, token }: Sent) {
  const url = `${receiver.httpUrl}/v1/logs`;
  if (transport === "grpc") {
    return new GrpcLogs({ url: receiver.grpcUrl, compression, metadata: grpcMetadata(token) });
  }
  const Exporter = transport === "http/json" ? JsonLogs : ProtoLogs;
  return new Exporter({ url, compression, headers: bearer(token) });
}

function metricExporter({ transport, compression, token }: Sent) {
  const url = `${receiver.httpUrl}/v1/metrics`;
  if (transport === "grpc") {
    return new GrpcMetrics({ url: receiver.grpcUrl, compression, metadata: grpcMetadata(token) });
  }
  const Exporter = transport === "http/json" ? JsonMetrics : ProtoMetrics;
  return new Exporter({ url, compression, headers: bearer(token) });
}

const resourceFor = (label: string) =>
  resourceFromAttributes({ "service.name": "cli-serve-test", "test.case": label });

/** A session span with an LLM child, exact times, each sent twice; returns the trace id. */
async function sendSpans(sent: Sent, label: string): Promise<{ traceId: string; ok: boolean }> {
  let ok = true;
  const exporter = spanExporter(sent);
  const provider = new BasicTracerProvider({
    resource: resourceFor(label),
    spanProcessors: [
      // Every batch goes out twice, as after a lost response: the second copy must be ignored.
      new SimpleSpanProcessor({
        export: (spans, done) =>
          exporter.export(spans, (first) => {
            ok &&= first.code === 0;
            exporter.export(spans, (second) => {
              ok &&= second.code === 0;
              done(second);
            });
          }),
        shutdown: () => exporter.shutdown(),
      }),
    ],
  });
  const tracer = provider.getTracer("cli-serve-test", "1.0.0");
  const parent = tracer.startSpan("opencode.session", {
    startTime: [1_750_000_000, 123_456_789],
    attributes: { "session.id": `ses_${label}`, "openinference.span.kind": "AGENT" },
  });
  const context = trace.setSpan(ROOT_CONTEXT, parent);
  const child = tracer.startSpan(
    "opencode.llm",
    {
      kind: SpanKind.CLIENT,
      startTime: [1_750_000_000, 500_000_001],
      attributes: {
        "gen_ai.request.model": "m1",
        "gen_ai.usage.input_tokens": 120,
        "llm.cost.total": 0.25,
        ok: true,
        tags: ["a", "b"],
        big: 2 ** 60,
      },
    },
    context,
  );
  child.addEvent("retry", { attempt: 1 }, [1_750_000_000, 600_000_000]);
  child.setStatus({ code: SpanStatusCode.ERROR, message: "boom" });
  child.end([1_750_000_001, 999_999_999]);
  parent.end([1_750_000_002, 1]);
  await provider.shutdown();
  return { traceId: parent.spanContext().traceId, ok };
}

async function sendLog(sent: Sent, label: string) {
  const provider = new LoggerProvider({
    resource: resourceFor(label),
    processors: [new SimpleLogRecordProcessor({ exporter: logExporter(sent) })],
  });
  provider.getLogger("cli-serve-test").emit({
    eventName: "api_request",
    severityNumber: SeverityNumber.INFO,
    body: `log ${label}`,
    timestamp: [1_750_000_003, 42],
    attributes: { "test.case": label, tokens: 7 },
  });
  await provider.shutdown();
}

async function sendMetrics(sent: Sent, label: string) {
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter(sent),
    exportIntervalMillis: 3_600_000,
  });
  const provider = new MeterProvider({ resource: resourceFor(label), readers: [reader] });
  const meter = provider.getMeter("cli-serve-test");
  meter.createCounter("test.tokens", { unit: "{token}" }).add(5, { "test.case": label });
  meter.createHistogram("test.duration", { unit: "ms" }).record(12.5, { "test.case": label });
  await provider.shutdown();
}

const cases: Sent[] = TRANSPORTS.flatMap((transport) =>
  [CompressionAlgorithm.GZIP, CompressionAlgorithm.NONE].map((compression) => ({
    transport,
    compression,
    token: TOKEN,
  })),
);

describe.each(cases)("$transport ($compression)", (sent) => {
  const label = `${sent.transport}-${sent.compression}`;

  test("spans arrive once, exactly as sent, also when the batch is sent again", async () => {
    const { traceId, ok } = await sendSpans(sent, label);
    expect(ok).toBe(true);
    const spans = store.trace(traceId);
    expect(spans.map((s) => s.name)).toEqual(["opencode.session", "opencode.llm"]);
    const [session, llm] = spans;
    expect(session?.startNs).toBe(1_750_000_000_123_456_789n);
    expect(session?.endNs).toBe(1_750_000_002_000_000_001n);
    expect(session?.parentSpanId).toBe("");
    expect(llm?.parentSpanId).toBe(session?.spanId ?? "?");
    expect(llm?.kind).toBe(3); // OTLP CLIENT
    expect(llm?.statusCode).toBe(2);
    expect(llm?.statusMessage).toBe("boom");
    expect(llm?.endNs).toBe(1_750_000_001_999_999_999n);
    expect(llm?.attributes).toEqual({
      "gen_ai.request.model": "m1",
      "gen_ai.usage.input_tokens": 120,
      "llm.cost.total": 0.25,
      ok: true,
      tags: ["a", "b"],
      big: "1152921504606846976",
    });
    expect(llm?.events).toEqual([
      { name: "retry", timeNs: 1_750_000_000_600_000_000n, attributes: { attempt: 1 } },
    ]);
    expect(llm?.serviceName).toBe("cli-serve-test");
    expect(llm?.resource["test.case"]).toBe(label);
    expect(llm?.scope).toEqual({ name: "cli-serve-test", version: "1.0.0" });
  });

  test("log records and metric points arrive once", async () => {
    const logsBefore = store.count("logs");
    const pointsBefore = store.count("metricPoints");
    await sendLog(sent, label);
    await sendMetrics(sent, label);
    const logs = store.logs(0, 10_000).items.filter((l) => l.attributes["test.case"] === label);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      eventName: "api_request",
      severityNumber: SeverityNumber.INFO,
      body: `log ${label}`,
      timeNs: 1_750_000_003_000_000_042n,
      attributes: { "test.case": label, tokens: 7 },
    });
    const points = store
      .metricPoints(0, 10_000)
      .items.filter((p) => p.attributes["test.case"] === label);
    expect(points.map((p) => [p.name, p.type, p.value, p.count, p.temporality])).toEqual([
      ["test.tokens", "sum", 5, 0, "cumulative"],
      ["test.duration", "histogram", 12.5, 1, "cumulative"],
    ]);
    expect(store.count("logs")).toBe(logsBefore + 1);
    expect(store.count("metricPoints")).toBe(pointsBefore + 2);
  });

  test("without the bearer token nothing is written", async () => {
    const before = store.count("spans");
    const { ok } = await sendSpans({ ...sent, token: "wrong" }, `${label}-denied`);
    expect(ok).toBe(false);
    expect(store.count("spans")).toBe(before);
  });
});

describe("HTTP front end", () => {
  const post = (path: string, init: RequestInit = {}) =>
    fetch(`${receiver.httpUrl}${path}`, {
      method: "POST",
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, ...init.headers },
    });

  test("answers 401 without a token, 404 off the OTLP paths, 415 for other bodies, 400 for garbage", async () => {
    expect((await fetch(`${receiver.httpUrl}/v1/traces`, { method: "POST" })).status).toBe(401);
    expect((await post("/v1/profiles")).status).toBe(404);
    expect((await post("/v1/traces", { headers: { "content-type": "text/plain" } })).status).toBe(
      415,
    );
    const garbage = { headers: { "content-type": "application/x-protobuf" }, body: "\xff\xff\xff" };
    expect((await post("/v1/traces", garbage)).status).toBe(400);
    const badJson = { headers: { "content-type": "application/json" }, body: "{" };
    expect((await post("/v1/logs", badJson)).status).toBe(400);
  });

  test("a JSON body with integers as numbers is accepted (some senders do that)", async () => {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: "aa".repeat(16),
                  spanId: "bb".repeat(8),
                  name: "plain",
                  startTimeUnixNano: 1_000_000,
                  endTimeUnixNano: 2_000_000,
                },
              ],
            },
          ],
        },
      ],
    };
    const response = await post("/v1/traces", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    expect(store.trace("aa".repeat(16)).map((s) => [s.name, s.startNs, s.endNs])).toEqual([
      ["plain", 1_000_000n, 2_000_000n],
    ]);
  });

  test("a time or an integer that is not a number is refused with 400, never stored as 0", async () => {
    const span = (fields: Record<string, unknown>) => ({
      resourceSpans: [
        {
          resource: { attributes: [] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: "cc".repeat(16),
                  spanId: "dd".repeat(8),
                  name: "malformed",
                  startTimeUnixNano: "1000000",
                  endTimeUnixNano: "2000000",
                  ...fields,
                },
              ],
            },
          ],
        },
      ],
    });
    for (const fields of [
      { startTimeUnixNano: "12abc" },
      { endTimeUnixNano: "1e9" },
      { attributes: [{ key: "n", value: { intValue: "seven" } }] },
    ]) {
      const response = await post("/v1/traces", {
        headers: { "content-type": "application/json" },
        body: JSON.stringify(span(fields)),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("is not an int64");
    }
    expect(store.trace("cc".repeat(16))).toEqual([]);
  });
});
