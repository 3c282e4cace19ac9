/**
 * Backend presets: each one gives what the backend's own documentation asks of an OTLP exporter
 * (cited next to each row), and a preset only supplies defaults: the user's endpoint, headers and
 * settings still win. The second half exports through the real SDK exporters to a real OTLP
 * receiver on loopback, standing in for the backend, and reads what arrived.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/parse.js";
import { PRESET_NAMES, type PresetName } from "../src/config/presets.js";
import type { OtlpProtocol, TemporalityPreference } from "../src/config/types.js";
import { loadFixture } from "./support/fixtures.js";
import { type Receiver, startOtlpReceiver } from "./support/otlp-receiver.js";
import { replay } from "./support/replay.js";

const on = { OPENCODE_ENABLE_TELEMETRY: "1" };
const configFor = (preset: PresetName, env: Record<string, string> = {}) =>
  parseConfig({ env: { ...on, OPENCODE_OTEL_PRESET: preset, ...env } }).config;

interface Documented {
  readonly doc: string;
  readonly protocol: OtlpProtocol;
  /** Per-signal URL, or `off`. */
  readonly traces: string;
  readonly metrics: string;
  readonly logs: string;
  readonly headers: Partial<Record<"traces" | "metrics" | "logs", Record<string, string>>>;
  readonly temporality?: TemporalityPreference;
}

const DOCUMENTED: Record<PresetName, Documented> = {
  langfuse: {
    doc: "https://langfuse.com/integrations/native/opentelemetry",
    protocol: "http/protobuf",
    // "Langfuse can receive traces on the /api/public/otel (OTLP) endpoint"; HTTP only.
    traces: "https://cloud.langfuse.com/api/public/otel/v1/traces",
    metrics: "off",
    logs: "off",
    headers: { traces: { "x-langfuse-ingestion-version": "4" } },
  },
  phoenix: {
    doc: "https://arize.com/docs/phoenix/resources/frequently-asked-questions/what-is-my-phoenix-endpoint",
    protocol: "http/protobuf",
    // "Using the HTTP protocol: http://localhost:6006/v1/traces".
    traces: "http://localhost:6006/v1/traces",
    metrics: "off",
    logs: "off",
    headers: {},
  },
  datadog: {
    doc: "https://docs.datadoghq.com/llm_observability/instrumentation/otel_instrumentation",
    protocol: "http/protobuf",
    // The docs' region table (otlp_trace_endpoint, otlp_metrics_endpoint, otlp_logs_endpoint)
    // for US1; the metrics intake "accepts only delta metrics".
    traces: "https://otlp.datadoghq.com/v1/traces",
    metrics: "https://otlp.datadoghq.com/v1/metrics",
    logs: "https://otlp.datadoghq.com/v1/logs",
    headers: { traces: { "dd-otlp-source": "llmobs" } },
    temporality: "delta",
  },
  honeycomb: {
    doc: "https://docs.honeycomb.io/send-data/metrics/application",
    protocol: "http/protobuf",
    // "api.honeycomb.io:443"; metrics need "an x-honeycomb-dataset header".
    traces: "https://api.honeycomb.io/v1/traces",
    metrics: "https://api.honeycomb.io/v1/metrics",
    logs: "https://api.honeycomb.io/v1/logs",
    headers: { metrics: { "x-honeycomb-dataset": "opencode-metrics" } },
    temporality: "cumulative",
  },
  signoz: {
    doc: "https://signoz.io/docs/ingestion/signoz-cloud/overview/",
    protocol: "http/protobuf",
    // "OTEL_EXPORTER_OTLP_ENDPOINT=https://ingest.<region>.signoz.cloud:443 and the exporter
    // should append the appropriate path".
    traces: "https://ingest.us.signoz.cloud:443/v1/traces",
    metrics: "https://ingest.us.signoz.cloud:443/v1/metrics",
    logs: "https://ingest.us.signoz.cloud:443/v1/logs",
    headers: {},
    temporality: "cumulative",
  },
  grafana: {
    doc: "https://grafana.com/docs/grafana-cloud/send-data/otlp/send-data-otlp/",
    protocol: "http/protobuf",
    // Alloy's OTLP/HTTP receiver on this machine; Mimir wants cumulative sums.
    traces: "http://localhost:4318/v1/traces",
    metrics: "http://localhost:4318/v1/metrics",
    logs: "http://localhost:4318/v1/logs",
    headers: {},
    temporality: "cumulative",
  },
  jaeger: {
    doc: "https://www.jaegertracing.io/docs/latest/apis/#opentelemetry-protocol",
    protocol: "grpc",
    traces: "http://localhost:4317",
    metrics: "off",
    logs: "off",
    headers: {},
  },
};

describe("each preset is what its backend documents", () => {
  test("every preset has a documented row", () => {
    expect(Object.keys(DOCUMENTED).sort()).toEqual([...PRESET_NAMES].sort());
  });

  for (const name of PRESET_NAMES)
    test(name, () => {
      const want = DOCUMENTED[name];
      const c = configFor(name);
      for (const signal of ["traces", "metrics", "logs"] as const) {
        const got = c[signal];
        expect({ signal, url: got.enabled ? got.endpoint : "off" }).toEqual({
          signal,
          url: want[signal],
        });
        if (got.enabled) {
          expect(got.protocol).toBe(want.protocol);
          expect(got.headers).toEqual(want.headers[signal] ?? {});
        }
      }
      if (want.temporality) expect(c.metrics.temporality).toBe(want.temporality);
      expect(c.preset).toBe(name);
    });
});

describe("a preset only supplies defaults", () => {
  test("the user's region endpoint keeps the preset's paths", () => {
    const c = configFor("datadog", { OPENCODE_OTLP_ENDPOINT: "https://otlp.datadoghq.eu" });
    expect(c.traces.endpoint).toBe("https://otlp.datadoghq.eu/v1/traces");
    expect(c.logs.endpoint).toBe("https://otlp.datadoghq.eu/v1/logs");
    const langfuse = configFor("langfuse", {
      OPENCODE_OTLP_ENDPOINT: "https://us.cloud.langfuse.com/api/public/otel",
    });
    expect(langfuse.traces.endpoint).toBe(
      "https://us.cloud.langfuse.com/api/public/otel/v1/traces",
    );
  });

  test("the user's headers join the preset's; one of the same name replaces it (names are lower-cased)", () => {
    const c = configFor("honeycomb", {
      OTEL_EXPORTER_OTLP_HEADERS: "x-honeycomb-team=key",
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: "X-Honeycomb-Dataset=mine",
    });
    expect(c.metrics.headers).toEqual({ "x-honeycomb-team": "key", "x-honeycomb-dataset": "mine" });
    expect(c.traces.headers).toEqual({ "x-honeycomb-team": "key" });
  });

  test("protocol, temporality and signals can be set back", () => {
    const c = configFor("jaeger", {
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_METRICS_EXPORTER: "otlp",
    });
    expect(c.traces.endpoint).toBe("http://localhost:4317/v1/traces");
    expect(c.metrics.enabled).toBe(true);
    expect(
      configFor("datadog", { OPENCODE_OTLP_METRICS_TEMPORALITY: "cumulative" }).metrics,
    ).toMatchObject({ temporality: "cumulative" });
  });
});

describe("what a backend receives", () => {
  let receiver: Receiver;
  let work: string;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    work = mkdtempSync(join(tmpdir(), "opencode-otel-presets-"));
  });
  afterAll(async () => {
    await receiver?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function deliver(preset: PresetName, env: Record<string, string>) {
    receiver.reset();
    await replay(loadFixture("a_single"), {
      env: {
        ...on,
        OPENCODE_OTEL_PRESET: preset,
        // The receiver stands in for the backend's host; the preset's paths stay.
        OPENCODE_OTLP_ENDPOINT: receiver.httpUrl,
        OPENCODE_OTEL_SPOOL: "false",
        HOME: work,
        ...env,
      },
    });
    await receiver.waitFor((r) => r.spans.length > 0);
    return receiver;
  }

  test("datadog: LLM Observability traces, delta metrics and logs, each with the API key", async () => {
    const r = await deliver("datadog", { OTEL_EXPORTER_OTLP_HEADERS: "dd-api-key=secret" });
    await r.waitFor((x) => x.metrics.length > 0 && x.logs.length > 0);
    const bySignal = (signal: string) => r.requestLog.filter((q) => q.signal === signal);
    for (const q of bySignal("traces"))
      expect(q).toMatchObject({
        transport: "http/protobuf",
        headers: { "dd-api-key": "secret", "dd-otlp-source": "llmobs" },
      });
    for (const signal of ["metrics", "logs"]) {
      expect(bySignal(signal).length).toBeGreaterThan(0);
      for (const q of bySignal(signal)) {
        expect(q.headers["dd-api-key"]).toBe("secret");
        expect(q.headers["dd-otlp-source"]).toBeUndefined();
      }
    }
    const sums = r.metrics.filter((point) => point.type === "sum");
    expect(sums.length).toBeGreaterThan(0);
    for (const point of sums) expect(point.type === "sum" && point.temporality).toBe("delta");
    // GenAI conventions 1.37+ on the LLM spans, which the LLM Observability intake reads.
    const llm = r.spans.find((span) => span.name === "opencode.llm");
    expect(llm?.attributes).toMatchObject({ "gen_ai.operation.name": "chat" });
    expect(llm?.attributes["gen_ai.provider.name"]).toBeString();
    expect(llm?.attributes["gen_ai.usage.input_tokens"]).toBeNumber();
  });

  test("honeycomb: metrics carry a dataset; traces and logs do not", async () => {
    const r = await deliver("honeycomb", { OTEL_EXPORTER_OTLP_HEADERS: "x-honeycomb-team=key" });
    await r.waitFor((x) => x.metrics.length > 0 && x.logs.length > 0);
    for (const q of r.requestLog) {
      expect(q.headers["x-honeycomb-team"]).toBe("key");
      expect(q.headers["x-honeycomb-dataset"]).toBe(
        q.signal === "metrics" ? "opencode-metrics" : undefined,
      );
    }
  });

  test("langfuse: traces only, over HTTP, asking for real-time ingestion", async () => {
    const r = await deliver("langfuse", { OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Basic abc" });
    // Give metrics and logs every chance to (wrongly) arrive: the replay flushed at dispose.
    expect(r.requestLog.length).toBeGreaterThan(0);
    for (const q of r.requestLog)
      expect(q).toMatchObject({
        signal: "traces",
        transport: "http/protobuf",
        headers: { authorization: "Basic abc", "x-langfuse-ingestion-version": "4" },
      });
    expect(r.metrics).toEqual([]);
    expect(r.logs).toEqual([]);
  });
});
