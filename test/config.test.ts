import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { splitCommandLine } from "../src/config/argv.js";
import { renderOptionsTable } from "../src/config/docs.js";
import { parseBoolean, parseKeyValueList } from "../src/config/env.js";
import {
  OPTION_LIST,
  OPTIONS,
  type OptionSpec,
  SIGNAL_PLACEHOLDER,
  SIGNALS,
} from "../src/config/options.js";
import { parseConfig } from "../src/config/parse.js";

type Env = Record<string, string | undefined>;

const on: Env = { OPENCODE_ENABLE_TELEMETRY: "1" };
const config = (env: Env = {}, options?: unknown) => parseConfig({ env, options }).config;
const warningsFor = (env: Env = {}, options?: unknown) => parseConfig({ env, options }).warnings;
const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("defaults", () => {
  test("with nothing set, telemetry is off and every value is the documented default", () => {
    const { config: c, warnings } = parseConfig({ env: {} });
    expect(warnings).toEqual([]);
    expect(c).toEqual({
      enabled: false,
      serviceName: "opencode",
      resourceAttributes: { "service.name": "opencode" },
      spanAttributes: {},
      traces: {
        enabled: false,
        exporter: "otlp",
        protocol: "grpc",
        endpoint: "http://localhost:4317",
        headers: {},
        timeoutMs: 10000,
        compression: "gzip",
        local: false,
      },
      metrics: {
        enabled: false,
        exporter: "otlp",
        protocol: "grpc",
        endpoint: "http://localhost:4317",
        headers: {},
        timeoutMs: 10000,
        compression: "gzip",
        local: false,
        intervalMs: 60000,
        temporality: "cumulative",
        prefix: "opencode.",
        genAiLatest: false,
      },
      profile: "opencode",
      preset: undefined,
      identity: {
        sessionId: false,
        version: false,
        accountUuid: true,
        resourceAttributes: true,
        repository: false,
        userEmail: false,
        hostName: false,
      },
      sampler: { name: "parentbased_always_on", ratio: 1 },
      logs: {
        enabled: false,
        exporter: "otlp",
        protocol: "grpc",
        endpoint: "http://localhost:4317",
        headers: {},
        timeoutMs: 10000,
        compression: "gzip",
        local: false,
        intervalMs: 5000,
      },
      spanPrefix: "opencode.",
      traceScope: "session",
      headersHelper: undefined,
      traceparent: undefined,
      tracestate: undefined,
      capture: { prompts: false, toolDetails: false, content: false, maxLength: 2048 },
      attributeValueLengthLimit: 4096,
      maxSessions: 1000,
      shutdownTimeoutMs: 5000,
      // No absolute home here: no default store or budgets file (never one under the project).
      local: { enabled: false, path: "" },
      budgets: { inline: undefined, file: "" },
      // No HOME in this environment: no spool rather than one under the working directory.
      spool: { enabled: true, dir: "", maxBytes: 64 * 1024 * 1024 },
    });
  });

  test("the table's defaults are the values parseConfig uses", () => {
    const c = config();
    expect(c.metrics.intervalMs).toBe(OPTIONS.metricsInterval.default);
    expect(c.logs.intervalMs).toBe(OPTIONS.logsInterval.default);
    expect(c.traces.timeoutMs).toBe(OPTIONS.timeoutMs.default);
    expect(c.capture.maxLength).toBe(OPTIONS.captureMaxLength.default);
    expect(c.spanPrefix).toBe(OPTIONS.spanPrefix.default);
    expect(c.metrics.prefix).toBe(OPTIONS.metricPrefix.default);
    expect(c.serviceName).toBe(OPTIONS.serviceName.default);
    expect<string>(c.traces.protocol).toBe(OPTIONS.protocol.default);
  });
});

describe("master switch", () => {
  test.each(["1", "true", "TRUE", "yes", "On", " on "])(
    "OPENCODE_ENABLE_TELEMETRY=%p turns telemetry on",
    (value) => {
      const c = config({ OPENCODE_ENABLE_TELEMETRY: value });
      expect(c.enabled).toBe(true);
      expect(c.traces.enabled && c.metrics.enabled && c.logs.enabled).toBe(true);
    },
  );

  test.each(["0", "false", "No", "OFF"])(
    "OPENCODE_ENABLE_TELEMETRY=%p keeps it off without a warning",
    (value) => {
      const { config: c, warnings } = parseConfig({ env: { OPENCODE_ENABLE_TELEMETRY: value } });
      expect(c.enabled).toBe(false);
      expect(warnings).toEqual([]);
    },
  );

  test("the plugin option enabled: true turns it on with no environment", () => {
    expect(config({}, { enabled: true }).enabled).toBe(true);
  });

  test("the plugin option enabled: false beats OPENCODE_ENABLE_TELEMETRY", () => {
    expect(config(on, { enabled: false }).enabled).toBe(false);
  });

  test("OTEL_SDK_DISABLED=true beats OPENCODE_ENABLE_TELEMETRY", () => {
    const c = config({ ...on, OTEL_SDK_DISABLED: "true" });
    expect(c.enabled).toBe(false);
    expect(c.traces.enabled || c.metrics.enabled || c.logs.enabled).toBe(false);
  });

  test("only an explicit enabled: true option overrides OTEL_SDK_DISABLED", () => {
    expect(config({ OTEL_SDK_DISABLED: "true" }, { enabled: true }).enabled).toBe(true);
  });

  test("OTEL_SDK_DISABLED=false does not turn telemetry on by itself", () => {
    expect(config({ OTEL_SDK_DISABLED: "false" }).enabled).toBe(false);
  });

  test("when off, every signal reports disabled so no consumer exports by mistake", () => {
    const c = config({ OPENCODE_OTLP_PROTOCOL: "http/json" });
    expect([c.traces.enabled, c.metrics.enabled, c.logs.enabled]).toEqual([false, false, false]);
  });
});

describe("precedence: plugin option > OPENCODE_* > OTEL_* > default", () => {
  const cases: Array<{
    name: string;
    option: Record<string, unknown>;
    opencode: Env;
    otel: Env;
    read: (c: ReturnType<typeof config>) => unknown;
    values: [unknown, unknown, unknown, unknown];
  }> = [
    {
      name: "protocol",
      option: { protocol: "http/json" },
      opencode: { OPENCODE_OTLP_PROTOCOL: "http/protobuf" },
      otel: { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" },
      read: (c) => c.traces.protocol,
      values: ["http/json", "http/protobuf", "grpc", "grpc"],
    },
    {
      name: "metrics interval",
      option: { metricsInterval: 1000 },
      opencode: { OPENCODE_OTLP_METRICS_INTERVAL: "2000" },
      otel: { OTEL_METRIC_EXPORT_INTERVAL: "3000" },
      read: (c) => c.metrics.intervalMs,
      values: [1000, 2000, 3000, 60000],
    },
    {
      name: "logs interval",
      option: { logsInterval: 100 },
      opencode: { OPENCODE_OTLP_LOGS_INTERVAL: "200" },
      otel: { OTEL_BLRP_SCHEDULE_DELAY: "300" },
      read: (c) => c.logs.intervalMs,
      values: [100, 200, 300, 5000],
    },
    {
      name: "temporality",
      option: { metricsTemporality: "lowmemory" },
      opencode: { OPENCODE_OTLP_METRICS_TEMPORALITY: "delta" },
      otel: { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "cumulative" },
      read: (c) => c.metrics.temporality,
      values: ["lowmemory", "delta", "cumulative", "cumulative"],
    },
    {
      name: "endpoint",
      option: { endpoint: "http://option:4317" },
      opencode: { OPENCODE_OTLP_ENDPOINT: "http://opencode:4317" },
      otel: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel:4317" },
      read: (c) => c.logs.endpoint,
      values: [
        "http://option:4317",
        "http://opencode:4317",
        "http://otel:4317",
        "http://localhost:4317",
      ],
    },
    {
      name: "resource attributes (merged, higher wins per key)",
      option: { resourceAttributes: { a: "option" } },
      opencode: { OPENCODE_RESOURCE_ATTRIBUTES: "a=opencode,b=opencode" },
      otel: { OTEL_RESOURCE_ATTRIBUTES: "a=otel,b=otel,c=otel" },
      read: (c) => c.resourceAttributes,
      values: [
        { a: "option", b: "opencode", c: "otel", "service.name": "opencode" },
        { a: "opencode", b: "opencode", c: "otel", "service.name": "opencode" },
        { a: "otel", b: "otel", c: "otel", "service.name": "opencode" },
        { "service.name": "opencode" },
      ],
    },
  ];

  for (const c of cases) {
    test(`${c.name}: each source beats every lower one`, () => {
      const all = { ...c.opencode, ...c.otel };
      expect(c.read(config(all, c.option))).toEqual(c.values[0]);
      expect(c.read(config(all))).toEqual(c.values[1]);
      expect(c.read(config(c.otel))).toEqual(c.values[2]);
      expect(c.read(config({}))).toEqual(c.values[3]);
    });
  }

  test("OPENCODE_OTLP_ENDPOINT beats a per-signal OTEL endpoint", () => {
    const c = config({
      OPENCODE_OTLP_ENDPOINT: "http://opencode:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://otel:4318/custom",
      OPENCODE_OTLP_PROTOCOL: "http/protobuf",
    });
    expect(c.traces.endpoint).toBe("http://opencode:4318/v1/traces");
  });

  test("a per-signal OTEL protocol beats the general OTEL protocol", () => {
    const c = config({
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "grpc",
    });
    expect([c.traces.protocol, c.metrics.protocol, c.logs.protocol]).toEqual([
      "http/json",
      "grpc",
      "http/json",
    ]);
  });

  test("an invalid higher source falls back to the default, not to a lower source, and says so", () => {
    const { config: c, warnings } = parseConfig({
      env: { OPENCODE_OTLP_PROTOCOL: "carrier-pigeon", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" },
    });
    expect(c.traces.protocol).toBe("grpc");
    expect(warnings).toEqual([
      'OPENCODE_OTLP_PROTOCOL has an invalid value "carrier-pigeon": expected grpc, http/protobuf, http/json, local; using the default "grpc".',
    ]);
  });

  test("empty or blank variables count as unset (OTel spec)", () => {
    const { config: c, warnings } = parseConfig({
      env: {
        OPENCODE_OTLP_PROTOCOL: "",
        OTEL_EXPORTER_OTLP_PROTOCOL: "  ",
        OPENCODE_OTLP_METRICS_INTERVAL: "",
      },
    });
    expect(c.traces.protocol).toBe("grpc");
    expect(c.metrics.intervalMs).toBe(60000);
    expect(warnings).toEqual([]);
  });

  test("a null plugin option counts as unset", () => {
    const { config: c, warnings } = parseConfig({
      env: { OPENCODE_OTLP_PROTOCOL: "http/json" },
      options: { protocol: null },
    });
    expect(c.traces.protocol).toBe("http/json");
    expect(warnings).toEqual([]);
  });
});

describe("protocols and endpoints", () => {
  test("grpc uses the base endpoint as is for every signal", () => {
    const c = config({
      OPENCODE_OTLP_PROTOCOL: "grpc",
      OPENCODE_OTLP_ENDPOINT: "https://collector.example:4317/",
    });
    for (const signal of SIGNALS)
      expect(c[signal].endpoint).toBe("https://collector.example:4317/");
  });

  test.each(["http/protobuf", "http/json"] as const)(
    "%s appends /v1/<signal> to the default base",
    (protocol) => {
      const c = config({ OPENCODE_OTLP_PROTOCOL: protocol });
      expect(c.traces.protocol).toBe(protocol);
      expect(c.traces.endpoint).toBe("http://localhost:4318/v1/traces");
      expect(c.metrics.endpoint).toBe("http://localhost:4318/v1/metrics");
      expect(c.logs.endpoint).toBe("http://localhost:4318/v1/logs");
    },
  );

  test("http is accepted as http/protobuf without a warning, in any case", () => {
    const { config: c, warnings } = parseConfig({ env: { OPENCODE_OTLP_PROTOCOL: "HTTP" } });
    expect(c.metrics.protocol).toBe("http/protobuf");
    expect(warnings).toEqual([]);
  });

  test.each([
    ["http://c:4318", "http://c:4318/v1/logs"],
    ["http://c:4318/", "http://c:4318/v1/logs"],
    ["http://c:4318/otlp", "http://c:4318/otlp/v1/logs"],
    ["http://c:4318/otlp//", "http://c:4318/otlp/v1/logs"],
  ])("http base %p becomes %p", (base, expected) => {
    expect(
      config({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_EXPORTER_OTLP_ENDPOINT: base }).logs
        .endpoint,
    ).toBe(expected);
  });

  test("per-signal OTEL endpoints are used as is, other signals keep the base", () => {
    const c = config({
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://base:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:9999/exact/path",
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://logs:9999",
    });
    expect(c.traces.endpoint).toBe("http://traces:9999/exact/path");
    expect(c.metrics.endpoint).toBe("http://base:4318/v1/metrics");
    expect(c.logs.endpoint).toBe("http://logs:9999");
  });

  test("the default endpoint follows each signal's own protocol", () => {
    const c = config({ OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: "http/json" });
    expect(c.traces.endpoint).toBe("http://localhost:4317");
    expect(c.logs.endpoint).toBe("http://localhost:4318/v1/logs");
  });

  test("a bad shared endpoint is warned about once, not once per signal", () => {
    const { config: c, warnings } = parseConfig({
      env: { OPENCODE_OTLP_ENDPOINT: "localhost:4317" },
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("OPENCODE_OTLP_ENDPOINT");
    expect(warnings[0]).toContain('"localhost:4317"');
    expect(warnings[0]).toContain('using the default "http://localhost:4317"');
    expect(c.traces.endpoint).toBe("http://localhost:4317");
  });

  test.each(["ftp://c:21", "not a url", "c:4318"])("endpoint %p is rejected", (endpoint) => {
    const { warnings } = parseConfig({ env: {}, options: { endpoint } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Plugin option "endpoint"');
  });

  test("per-signal timeouts beat the general one; the plugin option beats both", () => {
    const env = { OTEL_EXPORTER_OTLP_TIMEOUT: "2000", OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: "3000" };
    const c = config(env);
    expect([c.traces.timeoutMs, c.metrics.timeoutMs, c.logs.timeoutMs]).toEqual([2000, 2000, 3000]);
    expect(config(env, { timeoutMs: 500 }).logs.timeoutMs).toBe(500);
  });
});

describe("signal switches and exporters", () => {
  test.each(SIGNALS)("OPENCODE_DISABLE_%s turns only that signal off", (signal) => {
    const c = config({ ...on, [`OPENCODE_DISABLE_${signal.toUpperCase()}`]: "true" });
    for (const other of SIGNALS) expect(c[other].enabled).toBe(other !== signal);
  });

  test("disable* plugin options turn signals off", () => {
    const c = config(on, { disableTraces: true, disableMetrics: false, disableLogs: true });
    expect([c.traces.enabled, c.metrics.enabled, c.logs.enabled]).toEqual([false, true, false]);
  });

  test("OTEL_<SIGNAL>_EXPORTER=none turns the signal off", () => {
    const c = config({ ...on, OTEL_METRICS_EXPORTER: "none" });
    expect(c.metrics).toMatchObject({ enabled: false, exporter: "none" });
    expect(c.traces.enabled).toBe(true);
  });

  test("console keeps the signal on and still computes the endpoint", () => {
    const c = config({
      ...on,
      OTEL_TRACES_EXPORTER: "console",
      OPENCODE_OTLP_PROTOCOL: "http/json",
    });
    expect(c.traces).toMatchObject({
      enabled: true,
      exporter: "console",
      endpoint: "http://localhost:4318/v1/traces",
    });
  });

  test("only the first entry of an exporter list counts", () => {
    expect(config({ OTEL_LOGS_EXPORTER: "Console, otlp" }).logs.exporter).toBe("console");
    expect(config({ OTEL_LOGS_EXPORTER: "otlp,none" }).logs.exporter).toBe("otlp");
  });

  test("an unsupported exporter warns and falls back to otlp", () => {
    const { config: c, warnings } = parseConfig({ env: { OTEL_TRACES_EXPORTER: "zipkin" } });
    expect(c.traces.exporter).toBe("otlp");
    expect(warnings).toEqual([
      'OTEL_TRACES_EXPORTER has an invalid value "zipkin": expected otlp, console, none; using the default "otlp".',
    ]);
  });
});

describe("headers", () => {
  test("k=v lists are trimmed and percent-decoded, names lower-cased", () => {
    const c = config({
      OPENCODE_OTLP_HEADERS: " Authorization = Bearer%20abc%3D%3D , x-team=a%2Cb, ",
    });
    expect(c.traces.headers).toEqual({ authorization: "Bearer abc==", "x-team": "a,b" });
  });

  test("a value may contain '='; only the first one separates", () => {
    expect(config({ OTEL_EXPORTER_OTLP_HEADERS: "k=a=b" }).logs.headers).toEqual({ k: "a=b" });
  });

  test("headers merge key by key: option > OPENCODE > per-signal OTEL > general OTEL", () => {
    const c = config(
      {
        OTEL_EXPORTER_OTLP_HEADERS: "a=otel,b=otel,c=otel,d=otel",
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: "b=signal,c=signal,D=signal",
        OPENCODE_OTLP_HEADERS: "c=opencode",
      },
      { headers: { A: "option" } },
    );
    expect(c.metrics.headers).toEqual({ a: "option", b: "signal", c: "opencode", d: "signal" });
    expect(c.traces.headers).toEqual({ a: "option", b: "otel", c: "opencode", d: "otel" });
  });

  test("the headers option accepts numbers and booleans as strings", () => {
    expect(config({}, { headers: { "x-scope-orgid": 1 } }).traces.headers).toEqual({
      "x-scope-orgid": "1",
    });
  });

  const SECRET = "s3cr3t-T0KEN";
  const badHeaders: Array<[string, Env, unknown]> = [
    [
      "an entry without '='",
      { OPENCODE_OTLP_HEADERS: `authorization=Bearer ${SECRET},Bearer ${SECRET}` },
      undefined,
    ],
    [
      "bad percent-encoding",
      { OTEL_EXPORTER_OTLP_HEADERS: `authorization=${SECRET}%zz` },
      undefined,
    ],
    [
      "an invalid header name",
      { OTEL_EXPORTER_OTLP_TRACES_HEADERS: `bad name=${SECRET}` },
      undefined,
    ],
    [
      "a line break in a value",
      { OPENCODE_OTLP_HEADERS: `x=${SECRET}%0D%0AInjected: 1` },
      undefined,
    ],
    ["an empty key", { OPENCODE_OTLP_HEADERS: `=${SECRET}` }, undefined],
    ["a non-string option value", {}, { headers: { authorization: { token: SECRET } } }],
    ["an option value with a line break", {}, { headers: { authorization: `${SECRET}\n` } }],
    ["a non-object option", {}, { headers: `authorization=${SECRET}` }],
  ];

  test.each(badHeaders)(
    "%s: one warning, no value shown, whole source ignored",
    (_, env, options) => {
      const { config: c, warnings } = parseConfig({ env, options });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("not shown");
      for (const warning of warnings) expect(warning).not.toContain(SECRET);
      for (const signal of SIGNALS)
        expect(Object.values(c[signal].headers).join()).not.toContain(SECRET);
    },
  );

  test("a bad headers source does not drop the other sources", () => {
    const c = config({ OTEL_EXPORTER_OTLP_HEADERS: "a=1", OPENCODE_OTLP_HEADERS: "broken" });
    expect(c.logs.headers).toEqual({ a: "1" });
  });

  test("a helper command line is split into argv without a shell", () => {
    const c = config({
      OPENCODE_OTLP_HEADERS_HELPER: `node "/path with space/helper.js" --scope='a b' x`,
    });
    expect(c.headersHelper).toEqual(["node", "/path with space/helper.js", "--scope=a b", "x"]);
  });

  test("the helper option may be an argv array or a string", () => {
    expect(config({}, { headersHelper: ["get-token", "--json"] }).headersHelper).toEqual([
      "get-token",
      "--json",
    ]);
    expect(config({}, { headersHelper: "get-token --json" }).headersHelper).toEqual([
      "get-token",
      "--json",
    ]);
  });

  test.each<[string, Env, unknown]>([
    [
      "an unterminated quote",
      { OPENCODE_OTLP_HEADERS_HELPER: `get-token "--key=${SECRET}` },
      undefined,
    ],
    ["a non-string array item", {}, { headersHelper: ["get-token", SECRET, 3] }],
    ["an empty array", {}, { headersHelper: [] }],
  ])("a bad helper (%s) is rejected without being shown", (_, env, options) => {
    const { config: c, warnings } = parseConfig({ env, options });
    expect(c.headersHelper).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain(SECRET);
  });
});

describe("resource, service name and span attributes", () => {
  test("OTEL_RESOURCE_ATTRIBUTES is percent-decoded", () => {
    const c = config({ OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,team=a%20b%2Cc" });
    expect(c.resourceAttributes).toEqual({
      "deployment.environment": "prod",
      team: "a b,c",
      "service.name": "opencode",
    });
  });

  test("a malformed resource list is discarded whole, as the OTel spec requires", () => {
    const { config: c, warnings } = parseConfig({ env: { OTEL_RESOURCE_ATTRIBUTES: "a=1,oops" } });
    expect(c.resourceAttributes).toEqual({ "service.name": "opencode" });
    expect(warnings).toEqual([
      'OTEL_RESOURCE_ATTRIBUTES has an invalid value "a=1,oops": entry 2 has no "="; ignoring it.',
    ]);
  });

  test("service name: option > OTEL_SERVICE_NAME > service.name attribute > default", () => {
    const env = { OTEL_SERVICE_NAME: "svc-env", OTEL_RESOURCE_ATTRIBUTES: "service.name=svc-attr" };
    expect(config(env, { serviceName: "svc-option" }).serviceName).toBe("svc-option");
    expect(config(env).serviceName).toBe("svc-env");
    expect(config({ OTEL_RESOURCE_ATTRIBUTES: "service.name=svc-attr" }).serviceName).toBe(
      "svc-attr",
    );
    expect(config({ OPENCODE_RESOURCE_ATTRIBUTES: "service.name=svc-oc" }, {}).serviceName).toBe(
      "svc-oc",
    );
    expect(config().serviceName).toBe("opencode");
  });

  test("resourceAttributes always agrees with serviceName", () => {
    const c = config({
      OTEL_SERVICE_NAME: "svc-env",
      OTEL_RESOURCE_ATTRIBUTES: "service.name=svc-attr",
    });
    expect(c.resourceAttributes["service.name"]).toBe("svc-env");
  });

  test("span attributes merge the variable under the option", () => {
    const c = config(
      { OPENCODE_SPAN_ATTRIBUTES: "team=env,ci=true" },
      { spanAttributes: { team: "option" } },
    );
    expect(c.spanAttributes).toEqual({ team: "option", ci: "true" });
  });

  test("a __proto__ key stays plain data", () => {
    const c = config({ OPENCODE_SPAN_ATTRIBUTES: "__proto__=x" });
    expect(Object.keys(c.spanAttributes)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(c.spanAttributes)).toBe(Object.prototype);
  });
});

describe("trace context", () => {
  test("trace scope: a session by default, a turn from the variable or the option, the option first", () => {
    expect(config().traceScope).toBe("session");
    expect(config({ OPENCODE_OTEL_TRACE_SCOPE: "turn" }).traceScope).toBe("turn");
    expect(config({ OPENCODE_OTEL_TRACE_SCOPE: " TURN " }).traceScope).toBe("turn");
    expect(config({}, { traceScope: "turn" }).traceScope).toBe("turn");
    expect(
      config({ OPENCODE_OTEL_TRACE_SCOPE: "turn" }, { traceScope: "session" }).traceScope,
    ).toBe("session");
  });

  test("a valid traceparent and tracestate are kept", () => {
    const c = config({
      OPENCODE_TRACEPARENT: TRACEPARENT,
      OPENCODE_TRACESTATE: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
    });
    expect(c.traceparent).toBe(TRACEPARENT);
    expect(c.tracestate).toBe("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  });

  test("upper-case hex is normalized to the wire form", () => {
    expect(config({ OPENCODE_TRACEPARENT: TRACEPARENT.toUpperCase() }).traceparent).toBe(
      TRACEPARENT,
    );
  });

  test.each([
    ["garbage", "not-a-traceparent"],
    ["wrong version", TRACEPARENT.replace(/^00/, "01")],
    ["short trace id", "00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01"],
    ["all-zero trace id", `00-${"0".repeat(32)}-b7ad6b7169203331-01`],
    ["all-zero span id", `00-0af7651916cd43dd8448eb211c80319c-${"0".repeat(16)}-01`],
  ])("an invalid traceparent (%s) warns and is dropped", (_, value) => {
    const { config: c, warnings } = parseConfig({ env: { OPENCODE_TRACEPARENT: value } });
    expect(c.traceparent).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("OPENCODE_TRACEPARENT");
    expect(warnings[0]).toContain("using the default none");
  });

  test("a tracestate without a valid traceparent is dropped with one warning", () => {
    const { config: c, warnings } = parseConfig({ env: { OPENCODE_TRACESTATE: "a=b" } });
    expect(c.tracestate).toBeUndefined();
    expect(warnings).toEqual([
      "OPENCODE_TRACESTATE is ignored because there is no valid traceparent.",
    ]);
  });

  test.each(["a", "A=b", "a=b,a=c", "a=b ,c=d=e"])("an invalid tracestate %p warns", (value) => {
    const { config: c, warnings } = parseConfig({
      env: { OPENCODE_TRACEPARENT: TRACEPARENT, OPENCODE_TRACESTATE: value },
    });
    expect(c.tracestate).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });
});

describe("metrics, privacy and limits", () => {
  test("metric prefix, session id and temporality", () => {
    const c = config({
      OPENCODE_METRIC_PREFIX: "claude_code.",
      OTEL_METRICS_INCLUDE_SESSION_ID: "true",
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "Delta",
    });
    expect(c.metrics).toMatchObject({ prefix: "claude_code.", temporality: "delta" });
    expect(c.profile).toBe("claude_code");
    expect(c.identity.sessionId).toBe(true);
  });

  test("a metric prefix that would make invalid instrument names is rejected", () => {
    const { config: c, warnings } = parseConfig({ env: { OPENCODE_METRIC_PREFIX: "my prefix" } });
    expect(c.metrics.prefix).toBe("opencode.");
    expect(warnings).toHaveLength(1);
  });

  test("capture switches come from their variables", () => {
    const c = config({
      OTEL_LOG_USER_PROMPTS: "1",
      OTEL_LOG_TOOL_DETAILS: "true",
      OPENCODE_OTEL_CAPTURE_CONTENT: "yes",
      OPENCODE_OTEL_CONTENT_MAX_LENGTH: "100",
    });
    expect(c.capture).toEqual({ prompts: true, toolDetails: true, content: true, maxLength: 100 });
  });

  test("the capture option object beats the variables", () => {
    const c = config(
      { OTEL_LOG_USER_PROMPTS: "1", OPENCODE_OTEL_CAPTURE_CONTENT: "1" },
      { capture: { prompts: false, toolDetails: true, maxLength: 10 } },
    );
    expect(c.capture).toEqual({ prompts: false, toolDetails: true, content: true, maxLength: 10 });
  });

  test("limits and span prefix", () => {
    const c = config({
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "1000",
      OPENCODE_OTEL_MAX_SESSIONS: "5",
      OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "250",
      OPENCODE_OTEL_SPAN_PREFIX: "oc.",
    });
    expect(c).toMatchObject({
      attributeValueLengthLimit: 1000,
      maxSessions: 5,
      shutdownTimeoutMs: 250,
      spanPrefix: "oc.",
    });
  });

  test.each(["0", "-1", "1.5", "1e3", "0x10", "ten", "2147483648"])(
    "interval %p is rejected",
    (value) => {
      const { config: c, warnings } = parseConfig({
        env: { OPENCODE_OTLP_METRICS_INTERVAL: value },
      });
      expect(c.metrics.intervalMs).toBe(60000);
      expect(warnings).toEqual([
        `OPENCODE_OTLP_METRICS_INTERVAL has an invalid value ${JSON.stringify(value)}: expected whole milliseconds from 1 to 2147483647; using the default 60000.`,
      ]);
    },
  );

  test("numeric options accept numbers and digit strings, not fractions", () => {
    expect(config({}, { maxSessions: "7" }).maxSessions).toBe(7);
    expect(config({}, { maxSessions: 7 }).maxSessions).toBe(7);
    expect(warningsFor({}, { maxSessions: 7.5 })).toHaveLength(1);
  });
});

describe("plugin options object", () => {
  test.each([
    ["a string", "enabled"],
    ["an array", [1, 2]],
    ["a number", 42],
    ["a boolean", true],
  ])("%s as options gives one warning and is ignored", (_, options) => {
    const { config: c, warnings } = parseConfig({ env: on, options });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("Plugin options must be an object");
    expect(c.enabled).toBe(true);
  });

  test("each unknown key is named in its own warning, nested keys with their path", () => {
    const warnings = warningsFor(
      {},
      { endpont: "x", capture: { prompt: true, content: true }, enabled: true },
    );
    expect(warnings).toEqual([
      'Unknown plugin option "endpont" is ignored.',
      'Unknown plugin option "capture.prompt" is ignored.',
    ]);
  });

  test("booleans in options may be JSON booleans or boolean words", () => {
    expect(config({}, { enabled: "yes" }).enabled).toBe(true);
    expect(warningsFor({}, { enabled: 1 })).toEqual([
      'Plugin option "enabled" has an invalid value 1: expected true or false; using the default false.',
    ]);
  });

  test("inherited keys such as constructor are not read as options", () => {
    const { warnings } = parseConfig({
      env: {},
      options: JSON.parse('{"__proto__": {"enabled": true}}'),
    });
    expect(config({}, JSON.parse('{"__proto__": {"enabled": true}}')).enabled).toBe(false);
    expect(warnings).toEqual(['Unknown plugin option "__proto__" is ignored.']);
  });

  test("options with a throwing getter do not throw: telemetry stays off", () => {
    const options = {
      get enabled(): boolean {
        throw new Error("boom with secret");
      },
    };
    const result = parseConfig({ env: on, options });
    expect(result.config.enabled).toBe(false);
    expect(result.warnings).toEqual([
      "Configuration could not be read (Error); telemetry is disabled.",
    ]);
  });
});

describe("every invalid value gives exactly one warning and the default", () => {
  // One unparsable sample per value type, keyed by the type's docs label.
  const INVALID: Record<string, string | undefined> = {
    boolean: "maybe",
    integer: "12abc",
    "integer (ms)": "-5",
    URL: "localhost:4317",
    "W3C traceparent": "00-xyz",
    "W3C tracestate": "=bad",
    "`k=v,…` list (object in options)": "novalue",
    "command line (string or string[] in options)": "'unterminated",
    "number 0–1": "1.5",
    object: "not-an-object",
  };
  const invalidFor = (spec: OptionSpec<unknown>): string | undefined =>
    spec.option === "metricPrefix"
      ? "1bad"
      : (INVALID[spec.type.doc] ?? (spec.type.doc.startsWith("`") ? "bogus" : undefined));
  const sources = OPTION_LIST.flatMap((spec) => {
    const bad = invalidFor(spec);
    if (bad === undefined) return [];
    const names = expandNames([...spec.env, ...spec.otelEnv]).map((name) => ({
      spec,
      name,
      bad,
      option: false,
    }));
    return spec.option === undefined
      ? names
      : [...names, { spec, name: spec.option, bad, option: true }];
  });

  test("every type except free text has an invalid sample", () => {
    const free = OPTION_LIST.filter((spec) => invalidFor(spec) === undefined).map(
      (spec) => spec.option,
    );
    expect(free).toEqual([
      "serviceName",
      "storePath",
      "budgetsFile",
      "semconvStabilityOptIn",
      "spanPrefix",
      "spoolDir",
    ]);
  });

  test.each(sources.map((s) => [s.name, s] as const))("%s", (_, { spec, name, bad, option }) => {
    // A tracestate needs a valid traceparent, or it is (rightly) warned about for that reason instead.
    const base: Env = spec.option === "tracestate" ? { OPENCODE_TRACEPARENT: TRACEPARENT } : {};
    const result = parseConfig({
      env: option ? base : { ...base, [name]: bad },
      options: option ? nest(name, bad) : undefined,
    });
    const clean = parseConfig({ env: base });
    expect(result.warnings).toHaveLength(1);
    const [warning = ""] = result.warnings;
    expect(warning).toContain(option ? `Plugin option "${name}"` : name);
    if (spec.type.secret) expect(warning).not.toContain(bad);
    else expect(warning).toContain(JSON.stringify(bad));
    expect(warning).toMatch(/using the default|ignoring it/);
    // Falling back to the default means the config is exactly what it is without the bad value.
    expect(result.config).toEqual(clean.config);
  });
});

describe("result", () => {
  test("is deeply frozen", () => {
    const result = parseConfig({
      env: { ...on, OPENCODE_OTLP_HEADERS: "a=b" },
      options: { headersHelper: ["x"] },
    });
    const c = result.config;
    for (const value of [
      result,
      result.warnings,
      c,
      c.traces,
      c.traces.headers,
      c.metrics,
      c.logs,
      c.capture,
      c.resourceAttributes,
      c.spanAttributes,
      c.headersHelper,
    ]) {
      expect(Object.isFrozen(value)).toBe(true);
    }
    expect(() => {
      Object.assign(c.traces.headers, { b: "c" });
    }).toThrow();
  });

  test("never freezes or changes its inputs", () => {
    const env: Env = { OPENCODE_ENABLE_TELEMETRY: "1" };
    const options = { headers: { a: "b" }, headersHelper: ["x"], capture: { prompts: true } };
    parseConfig({ env, options });
    expect(
      Object.isFrozen(env) || Object.isFrozen(options) || Object.isFrozen(options.headers),
    ).toBe(false);
    expect(Object.isFrozen(options.headersHelper) || Object.isFrozen(options.capture)).toBe(false);
    expect(env).toEqual({ OPENCODE_ENABLE_TELEMETRY: "1" });
  });

  test("never throws, and header or helper values never reach a warning, whatever the input", () => {
    const MARK = "SECRETMARK";
    const envNames = expandNames(OPTION_LIST.flatMap((spec) => [...spec.env, ...spec.otelEnv]));
    const secretNames = new Set(
      expandNames(
        OPTION_LIST.filter((spec) => spec.type.secret).flatMap((spec) => [
          ...spec.env,
          ...spec.otelEnv,
        ]),
      ),
    );
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom("1", "http", "a=b", "x=%zz", "'", "a=b,c", " ", ""),
    );
    const envArb = fc.dictionary(fc.constantFrom(...envNames), value);
    const optionsArb = fc.oneof(
      fc.anything(),
      fc.dictionary(
        fc.constantFrom("headers", "headersHelper", "enabled", "capture", "nope"),
        fc.anything(),
      ),
    );
    fc.assert(
      fc.property(envArb, optionsArb, (rawEnv, options) => {
        const env = Object.fromEntries(
          Object.entries(rawEnv).map(([k, v]) => [
            k,
            secretNames.has(k) ? `${v}${MARK}${v}` : v.replaceAll(MARK, ""),
          ]),
        );
        const result = parseConfig({ env, options });
        expect(Object.isFrozen(result.config)).toBe(true);
        for (const warning of result.warnings) {
          expect(typeof warning).toBe("string");
          expect(warning).not.toContain(MARK);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("env helpers", () => {
  test("parseBoolean rejects anything but the eight words", () => {
    expect(
      ["1", "true", "yes", "on", "0", "false", "no", "off", "2", "y", ""].map(parseBoolean),
    ).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      undefined,
      undefined,
      undefined,
    ]);
  });

  test("parseKeyValueList reports positions, never text", () => {
    const result = parseKeyValueList("a=1,,b=2,secret-text");
    expect(result).toEqual({ ok: false, problem: 'entry 4 has no "="' });
  });

  test("splitCommandLine handles quotes glued to text and empty quotes", () => {
    expect(splitCommandLine(`a  'b c'd "" e`)).toEqual(["a", "b cd", "", "e"]);
    expect(splitCommandLine(`C:\\tools\\get.exe`)).toEqual(["C:\\tools\\get.exe"]);
    expect(splitCommandLine(`a "b`)).toBeUndefined();
  });
});

describe("docs", () => {
  test("README.md shows exactly the generated table between the markers", () => {
    const text = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const match = /<!-- options:start -->\n([\s\S]*?)<!-- options:end -->/.exec(text);
    expect(match?.[1]).toBe(renderOptionsTable());
  });

  test("the table names every option key and every variable", () => {
    const table = renderOptionsTable();
    for (const spec of OPTION_LIST) {
      if (spec.option !== undefined) expect(table).toContain(`\`${spec.option}\``);
      for (const name of expandNames([...spec.env, ...spec.otelEnv]))
        expect(table).toContain(`\`${name}\``);
    }
    expect(table.split("\n").filter((line) => line.startsWith("| ")).length).toBe(
      OPTION_LIST.length + 2,
    );
  });
});

function expandNames(names: readonly string[]): string[] {
  return names.flatMap((name) =>
    name.includes(SIGNAL_PLACEHOLDER)
      ? SIGNALS.map((s) => name.replace(SIGNAL_PLACEHOLDER, s.toUpperCase()))
      : [name],
  );
}

// `capture.prompts` → `{ capture: { prompts: value } }`
function nest(path: string, value: unknown): Record<string, unknown> {
  return path
    .split(".")
    .reverse()
    .reduce<Record<string, unknown>>(
      (inner, key, index) => ({ [key]: index === 0 ? value : inner }),
      {},
    );
}

describe("local store", () => {
  test("protocol local: every signal goes to the store only", () => {
    const c = config({ ...on, OPENCODE_OTLP_PROTOCOL: "local", XDG_DATA_HOME: "/data" });
    expect(c.local).toEqual({ enabled: true, path: "/data/opencode-otel/telemetry.db" });
    for (const signal of [c.traces, c.metrics, c.logs]) {
      expect(signal.enabled).toBe(true);
      expect(signal.local).toBe(true);
      expect(signal.exporter).toBe("none");
    }
  });

  test("local alongside an OTLP endpoint: both", () => {
    const c = config(on, { local: true, storePath: "/tmp/t.db", protocol: "http/json" });
    expect(c.local).toEqual({ enabled: true, path: "/tmp/t.db" });
    expect(c.traces.exporter).toBe("otlp");
    expect(c.traces.protocol).toBe("http/json");
    expect(c.traces.local).toBe(true);
  });
});
