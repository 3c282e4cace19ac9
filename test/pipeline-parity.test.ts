/**
 * The plugin's own tracer, logger and meter (`src/sdk`) stand in for the OpenTelemetry SDK's
 * providers. Each capture is replayed twice through the same plugin (adapter, model, emitters):
 * once on the plugin's pipeline, once on the SDK's providers (`support/sdk-telemetry.ts`); what
 * the SDK's in-memory exporters receive must be the same records: spans with their names,
 * kinds, times, attributes, events, statuses, parents and traces; log records with their
 * attributes and span links; metric points with their values, buckets and temporality. Only
 * what is random or wall-clock (span ids, log and metric timestamps) is left out.
 */
import { describe, expect, test } from "bun:test";
import type { Attributes, HrTime } from "@opentelemetry/api";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { AggregationTemporality, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { FIXTURES, loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay, TEST_ENV } from "./support/replay.js";
import { sdkTelemetry } from "./support/sdk-telemetry.js";

const ENVIRONMENTS: Record<string, Record<string, string>> = {
  defaults: {},
  "content captured, short attribute limit, extra span and resource attributes": {
    OTEL_LOG_USER_PROMPTS: "1",
    OTEL_LOG_TOOL_DETAILS: "1",
    OPENCODE_OTEL_CAPTURE_CONTENT: "1",
    OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "24",
    OPENCODE_SPAN_ATTRIBUTES: "team=infra,cost.center=42",
    OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=test,host.name=dev",
  },
  "Claude Code names, session ids on metrics, a remote parent": {
    OPENCODE_METRIC_PREFIX: "claude_code.",
    OTEL_METRICS_INCLUDE_SESSION_ID: "true",
    OPENCODE_TRACEPARENT: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    OPENCODE_TRACESTATE: "vendor=value",
  },
  "an unsampled remote parent": {
    OPENCODE_TRACEPARENT: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
  },
  "a ratio sampler at one half (sessions kept and dropped by their trace ids)": {
    OTEL_TRACES_SAMPLER: "traceidratio",
    OTEL_TRACES_SAMPLER_ARG: "0.5",
  },
  "a parent-based ratio sampler at one half": {
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: "0.5",
  },
  "always_on under an unsampled remote parent": {
    OTEL_TRACES_SAMPLER: "always_on",
    OPENCODE_TRACEPARENT: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
  },
  always_off: { OTEL_TRACES_SAMPLER: "always_off" },
  "one trace per turn, content captured (roots with derived ids, links)": {
    OPENCODE_OTEL_TRACE_SCOPE: "turn",
    OTEL_LOG_USER_PROMPTS: "1",
    OPENCODE_OTEL_CAPTURE_CONTENT: "1",
  },
};

const ns = (time: HrTime) => time[0] * 1e9 + time[1];

/**
 * A resource as comparable data: `service.instance.id` is random per plugin instance (each
 * replay makes its own), so only its presence is compared.
 */
function resourceOf(attributes: Attributes) {
  const { "service.instance.id": instance, ...rest } = attributes;
  return { ...rest, instance: typeof instance === "string" && instance.length > 0 };
}

/**
 * Spans as comparable data: span ids replaced by the position of the span in a canonical order.
 * Trace ids both pipelines chose (derived or remote) stay as they are; a random one (a root
 * without a derived id, such as a requested compaction in turn scope) is replaced by the
 * position of its first span.
 */
function normalizeSpans(spans: readonly ReadableSpan[], chosen: ReadonlySet<string>) {
  const sorted = [...spans].sort(
    (a, b) =>
      ns(a.startTime) - ns(b.startTime) ||
      a.name.localeCompare(b.name) ||
      JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)),
  );
  const label = new Map(sorted.map((span, index) => [span.spanContext().spanId, index]));
  const traces = new Map<string, string>();
  for (const span of sorted) {
    const id = span.spanContext().traceId;
    if (!traces.has(id)) traces.set(id, chosen.has(id) ? id : `random #${traces.size}`);
  }
  return {
    label,
    traces,
    spans: sorted.map((span) => ({
      name: span.name,
      kind: span.kind,
      trace: traces.get(span.spanContext().traceId),
      traceFlags: span.spanContext().traceFlags,
      traceState: span.spanContext().traceState?.serialize(),
      parent: span.parentSpanContext
        ? (label.get(span.parentSpanContext.spanId) ?? span.parentSpanContext.spanId)
        : undefined,
      parentRemote: span.parentSpanContext?.isRemote,
      start: span.startTime,
      end: span.endTime,
      duration: span.duration,
      attributes: span.attributes,
      dropped: [span.droppedAttributesCount, span.droppedEventsCount, span.droppedLinksCount],
      events: span.events.map((event) => ({
        name: event.name,
        attributes: event.attributes,
        dropped: event.droppedAttributesCount,
      })),
      // A link's target by its position too (a derived or remote id stays as it is).
      links: span.links.map((link) => ({
        trace: traces.get(link.context.traceId) ?? "not exported",
        span: label.get(link.context.spanId) ?? "not exported",
        attributes: link.attributes,
      })),
      status: span.status,
      resource: resourceOf(span.resource.attributes),
      scope: { name: span.instrumentationScope.name, version: span.instrumentationScope.version },
    })),
  };
}

function normalizeLogs(
  records: readonly ReadableLogRecord[],
  { label, traces }: { label: Map<string, number>; traces: Map<string, string> },
) {
  return records
    .map((record) => {
      // Wall-clock values: the record's own time, `event.timestamp`, which repeats it, and an
      // api_error's duration while its call is still open (measured up to the wall clock).
      const { "event.timestamp": _time, ...attributes } = record.attributes;
      if (record.eventName?.endsWith("api_error")) delete attributes.duration_ms;
      return {
        eventName: record.eventName,
        severity: [record.severityNumber, record.severityText],
        body: record.body,
        attributes,
        dropped: record.droppedAttributesCount,
        trace: record.spanContext ? traces.get(record.spanContext.traceId) : undefined,
        span: record.spanContext ? label.get(record.spanContext.spanId) : undefined,
        traceFlags: record.spanContext?.traceFlags,
        resource: resourceOf(record.resource.attributes),
        scope: record.instrumentationScope.name,
      };
    })
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function normalizeMetrics(collections: readonly ResourceMetrics[]) {
  return collections.map((collection) => ({
    resource: resourceOf(collection.resource.attributes),
    scopes: collection.scopeMetrics.map(({ scope, metrics }) => ({
      scope: { name: scope.name, version: scope.version },
      metrics: metrics.map((metric) => ({
        name: metric.descriptor.name,
        description: metric.descriptor.description,
        unit: metric.descriptor.unit,
        valueType: metric.descriptor.valueType,
        type: metric.dataPointType,
        temporality: metric.aggregationTemporality,
        monotonic: "isMonotonic" in metric ? metric.isMonotonic : undefined,
        points: metric.dataPoints
          .map((point) => ({ attributes: point.attributes, value: point.value }))
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      })),
    })),
  }));
}

async function both(
  name: string,
  env: Record<string, string>,
  temporality: AggregationTemporality,
) {
  const records = loadFixture(name);
  const ours = new Collected(temporality);
  await replay(records, { env: { ...TEST_ENV, ...env }, exporters: ours.overrides() });
  const sdk = new Collected(temporality);
  await replay(records, {
    env: { ...TEST_ENV, ...env },
    // One set of exporters per process segment, as the plugin's own telemetry gets.
    telemetry: (config, log, options) => {
      const exporters = sdk.overrides();
      if (!exporters.traces || !exporters.logs || !exporters.metrics)
        throw new Error("in-memory exporters missing");
      return sdkTelemetry({
        spans: exporters.traces({}),
        logs: exporters.logs({}),
        metrics: exporters.metrics({}),
      })(config, log, options);
    },
  });
  return { ours, sdk };
}

describe.each(Object.entries(ENVIRONMENTS))("with %s", (_, env) => {
  test.each(FIXTURES)(
    "%s: the same spans, log records and metric points as the SDK's providers",
    async (name) => {
      const { ours, sdk } = await both(name, env, AggregationTemporality.CUMULATIVE);
      const traceIds = (spans: readonly ReadableSpan[]) =>
        new Set(spans.map((span) => span.spanContext().traceId));
      const theirs = traceIds(sdk.spans);
      const chosen = new Set([...traceIds(ours.spans)].filter((id) => theirs.has(id)));
      const oursSpans = normalizeSpans(ours.spans, chosen);
      const sdkSpans = normalizeSpans(sdk.spans, chosen);
      expect(oursSpans.spans.length).toBe(sdkSpans.spans.length);
      expect(oursSpans.spans).toEqual(sdkSpans.spans);
      expect(normalizeLogs(ours.logs, oursSpans)).toEqual(normalizeLogs(sdk.logs, sdkSpans));
      expect(normalizeMetrics(ours.metrics)).toEqual(normalizeMetrics(sdk.metrics));
    },
  );
});

test.each(FIXTURES)("%s: the same delta metric points as the SDK's providers", async (name) => {
  const { ours, sdk } = await both(name, {}, AggregationTemporality.DELTA);
  expect(ours.metrics.length).toBeGreaterThan(0);
  expect(normalizeMetrics(ours.metrics)).toEqual(normalizeMetrics(sdk.metrics));
});
