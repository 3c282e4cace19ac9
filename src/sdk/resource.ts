import type { Attributes } from "@opentelemetry/api";
import type { InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";

export const INSTRUMENTATION_SCOPE = "opencode-otel";
export const VERSION = "0.1.0";

export const SCOPE: InstrumentationScope = { name: INSTRUMENTATION_SCOPE, version: VERSION };

/**
 * What the SDK's `defaultResource()` contributes (telemetry.sdk.*): the attributes describe the
 * OpenTelemetry JS data model and OTLP mapping that these records follow, and backends group
 * by them, so the exported resource stays exactly what the SDK pipeline sent.
 */
const SDK_ATTRIBUTES: Attributes = {
  "telemetry.sdk.language": "nodejs",
  "telemetry.sdk.name": "opentelemetry",
  "telemetry.sdk.version": "2.12.0",
};

/**
 * The resource of every record: the given attributes (identity, then the configured ones,
 * service.name included), then the SDK description unless configured otherwise. A plain object with the SDK's `Resource` surface, so
 * exporters written for the SDK (the local store, tests' in-memory exporters) read it as theirs.
 */
export function createResource(attributes: Readonly<Attributes>): Resource {
  const merged: Attributes = { ...attributes };
  for (const [key, value] of Object.entries(SDK_ATTRIBUTES))
    if (!(key in merged)) merged[key] = value;
  return plainResource(merged);
}

function plainResource(attributes: Attributes): Resource {
  return {
    attributes,
    asyncAttributesPending: false,
    merge: (other) => plainResource({ ...attributes, ...(other?.attributes ?? {}) }),
    getRawAttributes: () => Object.entries(attributes),
  };
}
