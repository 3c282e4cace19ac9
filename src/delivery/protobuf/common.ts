import type { InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import { FIXED64, INT64_END, INT64_MIN, LENGTH, type ProtoWriter, VARINT } from "./writer.js";

/**
 * The parts of opentelemetry-proto's `common.proto` and `resource.proto` every signal uses, with
 * the mapping of the OpenTelemetry JS exporters: integers inside the int64 range as `int_value`,
 * other numbers as `double_value`, `undefined` and functions as an empty value, byte arrays as
 * `bytes_value`, arrays and plain objects as array and key-value list values.
 */

/** `repeated KeyValue` under `field`, in the object's key order. */
export function writeAttributes(
  w: ProtoWriter,
  field: number,
  attributes: Readonly<Record<string, unknown>>,
): void {
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    const value = attributes[key];
    if (w.attribute(field, key, value)) continue;
    w.tag(field, LENGTH);
    const start = w.begin();
    writeKeyValue(w, key, value);
    w.end(start);
  }
}

function writeKeyValue(w: ProtoWriter, key: string, value: unknown): void {
  w.key(key);
  w.tag(2, LENGTH);
  const start = w.begin();
  writeAnyValue(w, value);
  w.end(start);
}

/** The content of an `AnyValue` message. */
export function writeAnyValue(w: ProtoWriter, value: unknown): void {
  switch (typeof value) {
    case "string":
      w.tag(1, LENGTH);
      w.string(value);
      return;
    case "boolean":
      w.tag(2, VARINT);
      w.uint32(value ? 1 : 0);
      return;
    case "number":
      if (Number.isInteger(value) && value >= INT64_MIN && value < INT64_END) {
        w.tag(3, VARINT);
        w.int64(value);
      } else {
        w.tag(4, FIXED64);
        w.double(value);
      }
      return;
    case "object":
      if (value === null) return;
      if (value instanceof Uint8Array) {
        w.tag(7, LENGTH);
        w.bytes(value);
      } else if (Array.isArray(value)) {
        w.tag(5, LENGTH);
        const list = w.begin();
        for (const item of value) {
          w.tag(1, LENGTH);
          const start = w.begin();
          writeAnyValue(w, item);
          w.end(start);
        }
        w.end(list);
      } else {
        w.tag(6, LENGTH);
        const list = w.begin();
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue;
          w.tag(1, LENGTH);
          const start = w.begin();
          writeKeyValue(w, key, Reflect.get(value, key));
          w.end(start);
        }
        w.end(list);
      }
      return;
    default:
    // undefined, functions, symbols, bigints: an empty AnyValue.
  }
}

export function writeResource(w: ProtoWriter, field: number, resource: Resource): void {
  w.tag(field, LENGTH);
  const start = w.begin();
  writeAttributes(w, 1, resource.attributes);
  // dropped_attributes_count: always present (0), as the OpenTelemetry JS exporters send it.
  w.tag(2, VARINT);
  w.uint32(0);
  w.end(start);
}

export function writeScope(
  w: ProtoWriter,
  field: number,
  scope: InstrumentationScope & {
    readonly attributes?: Readonly<Record<string, unknown>>;
    readonly droppedAttributesCount?: number;
  },
): void {
  w.tag(field, LENGTH);
  const start = w.begin();
  w.tag(1, LENGTH);
  w.string(scope.name);
  if (scope.version) {
    w.tag(2, LENGTH);
    w.string(scope.version);
  }
  if (scope.attributes) writeAttributes(w, 3, scope.attributes);
  if (scope.droppedAttributesCount) {
    w.tag(4, VARINT);
    w.uint32(scope.droppedAttributesCount);
  }
  w.end(start);
}

/** Records grouped by resource, then by scope (object identity), in first-seen order. */
export function groupByResourceAndScope<
  T extends { readonly resource: Resource; readonly instrumentationScope: InstrumentationScope },
>(records: readonly T[]): Map<Resource, Map<InstrumentationScope, T[]>> {
  const groups = new Map<Resource, Map<InstrumentationScope, T[]>>();
  for (const record of records) {
    let scopes = groups.get(record.resource);
    if (!scopes) {
      scopes = new Map();
      groups.set(record.resource, scopes);
    }
    const list = scopes.get(record.instrumentationScope);
    if (list) list.push(record);
    else scopes.set(record.instrumentationScope, [record]);
  }
  return groups;
}
