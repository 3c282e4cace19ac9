/** OTLP/JSON-shaped requests → wire bodies: JSON text, or protobuf through the generated classes. */
import { messagesOf, type Signal } from "./protos.js";
import { isObj } from "./values.js";

/** Fields that are `bytes` in the protos and lowercase hex in OTLP/JSON. */
const ID_FIELDS = new Set(["traceId", "spanId", "parentSpanId"]);

/** Hex ids → bytes, everywhere in the tree, as protobufjs' `fromObject` expects. */
function withByteIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withByteIds);
  return isObj(value) ? objectWithByteIds(value) : value;
}

function objectWithByteIds(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      ID_FIELDS.has(key) && typeof item === "string" ? Buffer.from(item, "hex") : withByteIds(item);
  }
  return out;
}

export function encodeProtobuf(
  signal: Signal,
  request: Readonly<Record<string, unknown>>,
): Uint8Array {
  const { request: type } = messagesOf(signal);
  return type.encode(type.fromObject(objectWithByteIds(request))).finish();
}

export function encodeJson(request: object): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(request));
}
