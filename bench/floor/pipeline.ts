/**
 * The floor's pipeline (see `index.ts`): opencode-otel's adapter, model and emitters on the
 * stock SDK. Everything runs inside the hook call, as a plain plugin does it.
 */
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { adaptEvent } from "../../src/adapter/event.js";
import { adaptChatMessage } from "../../src/adapter/hooks.js";
import { parseConfig } from "../../src/config/parse.js";
import { createLogsEmitter } from "../../src/emit/logs.js";
import { createMetricsEmitter } from "../../src/emit/metrics.js";
import { createProfile } from "../../src/emit/profile.js";
import { createSpanEmitter } from "../../src/emit/spans.js";
import type { Fact } from "../../src/facts.js";
import { SessionModel } from "../../src/model/session-model.js";
import { createPrivacy } from "../../src/privacy/privacy.js";
import { resolveIdentity } from "../../src/sdk/identity.js";
import { SessionIdGenerator } from "../../src/sdk/ids.js";

export async function startFloor(options: unknown) {
  const { config } = parseConfig({ env: {}, options });
  // The same identity as opencode-otel's (resource, user and terminal on points and events).
  const env = process.env;
  const identity = await resolveIdentity({
    config: config.identity,
    env,
    resourceAttributes: config.resourceAttributes,
    directory: process.cwd(),
    execPath: process.execPath,
  });
  const resource = defaultResource().merge(
    resourceFromAttributes({
      ...identity.resource,
      ...config.resourceAttributes,
      "service.name": config.serviceName,
    }),
  );
  const ids = new SessionIdGenerator();
  const limit = config.attributeValueLengthLimit;
  const tracerProvider = new BasicTracerProvider({
    resource,
    idGenerator: ids,
    spanLimits: { attributeValueLengthLimit: limit },
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({
          url: config.traces.endpoint,
          compression: CompressionAlgorithm.GZIP,
        }),
        { scheduledDelayMillis: 2000, maxQueueSize: 4096, maxExportBatchSize: 512 },
      ),
    ],
  });
  const loggerProvider = new LoggerProvider({
    resource,
    logRecordLimits: { attributeValueLengthLimit: limit },
    processors: [
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter({
          url: config.logs.endpoint,
          compression: CompressionAlgorithm.GZIP,
        }),
        scheduledDelayMillis: config.logs.intervalMs,
        maxQueueSize: 4096,
      }),
    ],
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({
          url: config.metrics.endpoint,
          compression: CompressionAlgorithm.GZIP,
        }),
        exportIntervalMillis: config.metrics.intervalMs,
      }),
    ],
  });

  const privacy = createPrivacy(config.capture, {});
  const model = new SessionModel({
    maxSessions: config.maxSessions,
    keepResponseText: false,
    onSubscriberError: () => undefined,
  });
  const spans = createSpanEmitter({
    tracer: tracerProvider.getTracer("opencode-otel", "0.1.0"),
    ids,
    privacy,
    prefix: config.spanPrefix,
    extraAttributes:
      typeof identity.standard["user.id"] === "string"
        ? { "user.id": identity.standard["user.id"], ...config.spanAttributes }
        : config.spanAttributes,
    remoteParent: undefined,
    scope: config.traceScope,
  });
  const profile = createProfile(config.profile, config.metrics.prefix);
  model.subscribe(spans);
  model.subscribe(
    createMetricsEmitter({
      meter: meterProvider.getMeter("opencode-otel", "0.1.0"),
      profile,
      includeSessionId: config.identity.sessionId,
      standard: identity.standard,
      genAiLatest: config.metrics.genAiLatest,
    }),
  );
  model.subscribe(
    createLogsEmitter({
      logger: loggerProvider.getLogger("opencode-otel", "0.1.0"),
      privacy,
      profile,
      standard: logStandard(identity.standard),
      contextOf: (record) => spans.contextOf(record),
    }),
  );
  // A finished turn goes out at once (on a macrotask, off the host's call), as opencode-otel's
  // turn-end flush did before it had its own delivery.
  let scheduled = false;
  const flush = () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      void Promise.all([tracerProvider.forceFlush(), loggerProvider.forceFlush()]);
    }, 0);
  };
  model.subscribe({ turnEnd: flush, compactionEnd: flush });

  const apply = (fact: Fact) => model.apply(fact);
  return {
    event: async (input: unknown) => {
      const event =
        typeof input === "object" && input !== null ? Reflect.get(input, "event") : undefined;
      adaptEvent(event, Date.now(), apply);
    },
    "chat.message": async (input: unknown, output: unknown) => {
      adaptChatMessage(input, output, Date.now(), apply);
    },
    dispose: async () => {
      model.endAll("shutdown", Date.now());
      await Promise.all([tracerProvider.forceFlush(), loggerProvider.forceFlush()]);
      await Promise.all([
        tracerProvider.shutdown(),
        loggerProvider.shutdown(),
        meterProvider.shutdown(),
      ]);
    },
  };
}

function logStandard(attributes: Readonly<Record<string, unknown>>) {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes))
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      out[key] = value;
  return out;
}
