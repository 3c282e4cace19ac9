/**
 * `opencode-otel export`: stored history sent to a real OTLP receiver (the test receiver of
 * `test/support`, decoding with the generated opentelemetry-proto classes) over each protocol.
 * Everything arrives exactly once; a second run sends nothing; after an interruption (a refused
 * batch, or Ctrl-C) the next run sends only the rest.
 */
import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  setDefaultTimeout,
  test,
} from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../src/cli/cli.js";
import type { Io } from "../src/cli/io.js";
import type { LogRow, MetricPointRow, SpanRow } from "../src/store/index.js";
import { Store } from "../src/store/index.js";
import { startFront } from "./support/delivery.js";
import { type Receiver, startOtlpReceiver, type Transport } from "./support/otlp-receiver.js";

// Each test exports about 1,400 rows (a few hundred ms alone); leave room for a busy machine.
setDefaultTimeout(30_000);

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-cli-export-"));
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
beforeEach(() => receiver.reset());
afterAll(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

const SPANS = 1050;
const LOGS = 230;
const POINTS = 120;
const T0 = 1_750_000_000_000_000_000n;
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const resource = { "service.name": "opencode", "host.name": "devbox" };
const scope = { name: "opencode-otel", version: "0.1.0" };

function spanRows(): SpanRow[] {
  return Array.from({ length: SPANS }, (_, i) => ({
    traceId: hex(Math.floor(i / 35) + 1, 32),
    spanId: hex(i + 1, 16),
    parentSpanId: i % 35 === 0 ? "" : hex(i - (i % 35) + 1, 16),
    name: i % 35 === 0 ? "opencode.session" : "opencode.llm",
    kind: i % 35 === 0 ? 1 : 3,
    startNs: T0 + BigInt(i) * 1_000_000_123n,
    endNs: T0 + BigInt(i) * 1_000_000_123n + 999_999_999n,
    statusCode: i % 7 === 0 ? 2 : 0,
    statusMessage: i % 7 === 0 ? "failed" : "",
    serviceName: "opencode",
    attributes: {
      "session.id": `ses_${Math.floor(i / 35)}`,
      "llm.cost.total": 0.25,
      calls: i,
      ok: i % 2 === 0,
    },
    resource,
    scope,
    events:
      i % 10 === 0 ? [{ name: "retry", timeNs: T0 + BigInt(i), attributes: { attempt: 1 } }] : [],
  }));
}

function logRows(): LogRow[] {
  return Array.from({ length: LOGS }, (_, i) => ({
    timeNs: T0 + BigInt(i) * 1_000n,
    eventName: "api_request",
    severityNumber: 9,
    severityText: "INFO",
    body: `request ${i}`,
    traceId: hex(1, 32),
    spanId: hex(2, 16),
    serviceName: "opencode",
    attributes: { index: i },
    resource,
    scope,
  }));
}

function metricRows(): MetricPointRow[] {
  return Array.from({ length: POINTS }, (_, i) => ({
    name: i % 2 ? "opencode.token.usage" : "opencode.tool.duration",
    unit: i % 2 ? "{token}" : "ms",
    type: i % 2 ? "sum" : "histogram",
    startNs: T0,
    timeNs: T0 + BigInt(i + 1) * 60_000_000_000n,
    temporality: "cumulative",
    value: 100 * (i + 1),
    count: i % 2 ? 0 : i + 1,
    monotonic: true,
    serviceName: "opencode",
    attributes: { series: i % 4 },
    resource,
    scope,
  }));
}

async function filledStore(name: string): Promise<string> {
  const db = join(dir, `${name}.db`);
  const store = await Store.open(db);
  store.insertSpans(spanRows());
  store.insertLogs(logRows());
  store.insertMetricPoints(metricRows());
  expect([store.count("spans"), store.count("logs"), store.count("metricPoints")]).toEqual([
    SPANS,
    LOGS,
    POINTS,
  ]);
  store.close();
  return db;
}

async function cli(argv: string[], interrupted: Promise<void> = new Promise(() => undefined)) {
  let out = "";
  let err = "";
  const io: Io = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    columns: undefined,
    errIsTty: false,
    interrupted,
    env: {},
  };
  return { code: await runCli(argv, io), out, err };
}

function endpointOf(protocol: Transport): string {
  return protocol === "grpc" ? receiver.grpcUrl : receiver.httpUrl;
}

const exportArgs = (db: string, protocol: Transport, extra: string[] = []) => [
  "export",
  "--db",
  db,
  "--endpoint",
  endpointOf(protocol),
  "--protocol",
  protocol,
  "--batch",
  "100",
  ...extra,
];

/** Every stored row arrived exactly once, with its content. */
function expectAllOnce(): void {
  expect(receiver.errors).toEqual([]);
  const ids = receiver.spans.map((s) => `${s.traceId}/${s.spanId}`);
  expect(ids).toHaveLength(SPANS);
  expect(new Set(ids).size).toBe(SPANS);
  const sent = new Map(spanRows().map((row) => [`${row.traceId}/${row.spanId}`, row]));
  for (const span of receiver.spans) {
    const row = sent.get(`${span.traceId}/${span.spanId}`);
    expect(span.parentSpanId).toBe(row?.parentSpanId ?? "?");
    expect(span.name).toBe(row?.name ?? "?");
    expect(span.startTimeUnixNano).toBe(row?.startNs ?? 0n);
    expect(span.endTimeUnixNano).toBe(row?.endNs ?? 0n);
    const attributes: Record<string, unknown> = { ...span.attributes };
    expect(attributes).toEqual({ ...row?.attributes });
    expect(span.status.code).toBe(row?.statusCode === 2 ? "error" : "unset");
    expect(span.events.length).toBe(row?.events.length ?? -1);
    expect(span.resource).toEqual(resource);
    expect([span.scopeName, span.scopeVersion]).toEqual([scope.name, scope.version]);
  }
  expect(receiver.logs.map((l) => l.body).sort()).toEqual(
    logRows()
      .map((l) => l.body)
      .sort(),
  );
  expect(new Set(receiver.logs.map((l) => l.timeUnixNano)).size).toBe(LOGS);
  expect(receiver.logs[0]).toMatchObject({ eventName: "api_request", severityNumber: 9 });
  expect(receiver.metrics).toHaveLength(POINTS);
  const points = receiver.metrics.map((m) => [m.name, m.type, m.timeUnixNano]);
  expect(new Set(points.map((p) => p.join())).size).toBe(POINTS);
  const sum = receiver.metrics.find((m) => m.type === "sum");
  expect(sum).toMatchObject({
    name: "opencode.token.usage",
    unit: "{token}",
    temporality: "cumulative",
    monotonic: true,
  });
  const histogram = receiver.metrics.find((m) => m.type === "histogram" && m.value.count === 1);
  expect(histogram?.type === "histogram" ? histogram.value.sum : undefined).toBe(100);
}

describe.each(["http/protobuf", "http/json", "grpc"] as const)("export over %s", (protocol) => {
  test("sends every span, log record and metric point once; a second run sends nothing", async () => {
    const db = await filledStore(`all-${protocol.replace("/", "-")}`);
    const first = await cli(exportArgs(db, protocol));
    expect(first.err).toContain(
      `spans ${SPANS}/${SPANS}, log records ${LOGS}/${LOGS}, metric points ${POINTS}/${POINTS}: done`,
    );
    expect(first.code).toBe(0);
    expectAllOnce();
    const requests = receiver.requestLog.length;
    expect(requests).toBe(Math.ceil(SPANS / 100) + Math.ceil(LOGS / 100) + Math.ceil(POINTS / 100));

    const again = await cli(exportArgs(db, protocol));
    expect(again.code).toBe(0);
    expect(again.err).toContain("nothing new to export");
    expect(receiver.requestLog.length).toBe(requests);
  });
});

describe("resuming", () => {
  test("after a refused batch, the next run sends only the rest", async () => {
    const db = await filledStore("refused");
    receiver.failNext({ signal: "logs", status: 400 });
    const failed = await cli(exportArgs(db, "http/protobuf"));
    expect(failed.code).toBe(1);
    expect(failed.err).toContain("the endpoint rejected the data (HTTP 400)");
    expect(receiver.spans).toHaveLength(SPANS);
    expect(receiver.logs).toHaveLength(0);

    const resumed = await cli(exportArgs(db, "http/protobuf"));
    expect(resumed.code).toBe(0);
    expect(resumed.err).toContain(`spans 0/0, log records ${LOGS}/${LOGS}`);
    expectAllOnce();
  });

  test("after Ctrl-C, the next run sends only the rest", async () => {
    const db = await filledStore("interrupted");
    let interrupt = () => {};
    const interrupted = new Promise<void>((resolve) => {
      interrupt = resolve;
    });
    const watcher = receiver.waitFor((r) => r.spans.length >= 300).then(() => interrupt());
    const stopped = await cli(exportArgs(db, "grpc"), interrupted);
    await watcher;
    expect(stopped.code).toBe(1);
    expect(stopped.err).toContain("interrupted; run the same command again to send the rest");
    expect(receiver.spans.length).toBeLessThan(SPANS);

    const resumed = await cli(exportArgs(db, "grpc"));
    expect(resumed.code).toBe(0);
    expectAllOnce();
  });

  test("--restart sends everything again; another endpoint has its own position", async () => {
    const db = await filledStore("restart");
    expect((await cli(exportArgs(db, "http/json"))).code).toBe(0);
    receiver.reset();
    expect((await cli(exportArgs(db, "http/json", ["--restart"]))).code).toBe(0);
    expectAllOnce();
    receiver.reset();
    expect((await cli(exportArgs(db, "http/protobuf"))).code).toBe(0);
    expectAllOnce();
  });
});

describe("delivery", () => {
  test("retries a busy endpoint, then carries on", async () => {
    const db = await filledStore("retry");
    receiver.failNext({ signal: "traces", status: 503, count: 2 });
    const result = await cli(exportArgs(db, "http/protobuf"));
    expect(result.code).toBe(0);
    expectAllOnce();
  });

  test("sends --headers on every request and stops on refused credentials", async () => {
    const db = await filledStore("headers");
    const headers = ["--headers", "x-api-key=abc,authorization=Bearer%20tok"];
    receiver.failNext({ signal: "logs", status: 401 });
    const result = await cli(exportArgs(db, "http/protobuf", headers));
    expect(result.code).toBe(1);
    expect(result.err).toContain("refused the credentials (HTTP 401); check the headers");
    for (const request of receiver.requestLog) {
      expect(request.headers["x-api-key"]).toBe("abc");
      expect(request.headers.authorization).toBe("Bearer tok");
    }
  });

  test("--since leaves older rows out but marks them done", async () => {
    const db = await filledStore("since");
    // Spans start 1.000000123 s apart from T0; keep those that start after the 1000th.
    const since = new Date(Number((T0 + 1000n * 1_000_000_123n) / 1_000_000n) + 1).toISOString();
    const result = await cli(exportArgs(db, "http/protobuf", ["--since", since]));
    expect(result.code).toBe(0);
    expect(receiver.spans).toHaveLength(SPANS - 1001);
    receiver.reset();
    expect((await cli(exportArgs(db, "http/protobuf"))).err).toContain("nothing new");
  });

  test("a partial success is said on stderr and in the last line, and not sent again", async () => {
    const db = await filledStore("partial");
    // An `ExportTraceServiceResponse` whose partial_success rejects 7 spans, with a message.
    const message = new TextEncoder().encode("span too old");
    const inner = [0x08, 7, 0x12, message.length, ...message];
    const partial = new Uint8Array([0x0a, inner.length, ...inner]);
    const front = await startFront((request) => ({
      status: 200,
      headers: { "content-type": "application/x-protobuf" },
      body: request.url === "/v1/traces" ? partial : undefined,
    }));
    try {
      const args = ["export", "--db", db, "--endpoint", front.url, "--batch", "500"];
      const result = await cli(args);
      expect(result.code).toBe(0);
      const batches = Math.ceil(SPANS / 500);
      expect(front.requests.filter((r) => r.url === "/v1/traces")).toHaveLength(batches);
      // Once as a warning when first seen, then the sum in the last line.
      const warnings = result.err.split("\n").filter((line) => line.includes("warning:"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('rejected 7 of its spans ("span too old")');
      expect(result.err).toContain(
        `: done; the endpoint rejected ${7 * batches} spans (last reason: "span too old")`,
      );
      // OTLP forbids resending what a partial success rejected: the position moved on.
      const again = await cli(args);
      expect(again.err).toContain("nothing new");
      expect(front.requests.filter((r) => r.url === "/v1/traces")).toHaveLength(batches);
    } finally {
      await front.close();
    }
  });
});
