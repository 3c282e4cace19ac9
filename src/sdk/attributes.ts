import type { Attributes, AttributeValue } from "@opentelemetry/api";
import type { AnyValue, AnyValueMap } from "@opentelemetry/api-logs";

/**
 * Attribute rules of the OpenTelemetry SDK (2.x), kept identical so that what is exported does
 * not depend on which pipeline built it: span and event attributes must be a primitive or a
 * homogeneous array of one; log attributes may be any AnyValue; strings (also inside arrays and,
 * for logs, maps) are cut to the value length limit; at most `countLimit` distinct keys per record,
 * the rest counted as dropped.
 */
export interface AttributeLimits {
  /** Longest string value kept (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT); longer ones are cut. */
  readonly valueLength: number;
  /** Distinct keys kept per span, event or log record (the SDK's default is 128). */
  readonly count: number;
}

export const DEFAULT_COUNT_LIMIT = 128;

/** True for what a span attribute may hold: a primitive or an array of one primitive type. */
export function isSpanAttributeValue(value: unknown): value is AttributeValue {
  if (value === null || value === undefined) return true;
  if (!Array.isArray(value)) return isPrimitive(value);
  let kind: string | undefined;
  for (const element of value) {
    if (element === null || element === undefined) continue;
    const type = typeof element;
    if (kind === undefined && isPrimitive(element)) kind = type;
    else if (type !== kind) return false;
  }
  return true;
}

function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return type === "string" || type === "number" || type === "boolean";
}

/**
 * Cuts a span attribute value (a string, or the strings of an array) to `limit`. Arrays are
 * always copied, so a caller mutating its array later does not change the record.
 */
export function truncateSpanValue(value: AttributeValue, limit: number): AttributeValue {
  if (typeof value === "string") return cut(value, limit);
  if (isStringArray(value))
    return value.map((item) => (typeof item === "string" ? cut(item, limit) : item));
  return Array.isArray(value) ? value.slice() : value;
}

const cut = (text: string, limit: number) =>
  text.length <= limit ? text : text.substring(0, limit);

/** An attribute array is of one element type (checked before), so one string decides. */
function isStringArray(value: AttributeValue): value is (string | null | undefined)[] {
  return Array.isArray(value) && value.some((item) => typeof item === "string");
}

/**
 * Adds valid attributes to `into` under the limits; returns how many were dropped for the
 * count limit. `count` is how many keys `into` holds already.
 */
export function addSpanAttributes(
  into: Attributes,
  count: number,
  attributes: Attributes | undefined,
  limits: AttributeLimits,
): { count: number; dropped: number } {
  let dropped = 0;
  if (!attributes) return { count, dropped };
  const limit = limits.valueLength;
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    const value = attributes[key];
    if (value === null || value === undefined || key.length === 0) continue;
    // Most values are short strings, numbers and booleans: decided here without further calls.
    const type = typeof value;
    const primitive = type === "number" || type === "boolean" || type === "string";
    if (!primitive && !isSpanAttributeValue(value)) continue;
    const fresh = !Object.hasOwn(into, key);
    if (fresh && count >= limits.count) {
      dropped += 1;
      continue;
    }
    if (typeof value === "string") into[key] = cut(value, limit);
    else into[key] = primitive ? value : truncateSpanValue(value, limit);
    if (fresh) count += 1;
  }
  return { count, dropped };
}

/**
 * Attributes of a span event: invalid ones left out, values cut, at most `limits.count` keys;
 * returns them and how many were dropped for the count limit.
 */
export function eventAttributes(
  attributes: Attributes | undefined,
  limits: AttributeLimits,
): { attributes: Attributes; dropped: number } {
  const out: Attributes = {};
  let count = 0;
  let dropped = 0;
  if (typeof attributes !== "object" || attributes === null) return { attributes: out, dropped };
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key) || key.length === 0) continue;
    const value = attributes[key];
    if (!isSpanAttributeValue(value)) continue;
    if (count >= limits.count) {
      dropped += 1;
      continue;
    }
    // The SDK keeps an explicitly undefined event attribute as such; so does this.
    out[key] =
      value === null || value === undefined ? value : truncateSpanValue(value, limits.valueLength);
    count += 1;
  }
  return { attributes: out, dropped };
}

/** True for what a log attribute may hold: any AnyValue without cycles. */
export function isLogAttributeValue(value: unknown, seen?: WeakSet<object>): boolean {
  if (value === null || value === undefined) return true;
  const type = typeof value;
  if (type === "string" || type === "number" || type === "boolean") return true;
  if (value instanceof Uint8Array) return true;
  if (typeof value !== "object") return false;
  // Only nested values need the cycle check (and its allocation).
  seen ??= new WeakSet<object>();
  if (seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) return value.every((item) => isLogAttributeValue(item, seen));
  // Plain objects only (a Date, an Error or a class instance is not an AnyValue map).
  const maker: unknown = Reflect.get(value, "constructor");
  if (maker !== Object && maker !== undefined) return false;
  for (const key in value)
    if (Object.hasOwn(value, key) && !isLogAttributeValue(Reflect.get(value, key), seen))
      return false;
  return true;
}

/** Cuts every string in a log attribute value (nested arrays and maps included) to `limit`. */
export function truncateLogValue(value: AnyValue, limit: number): AnyValue {
  if (value === null || value === undefined) return value;
  if (typeof value === "string") return value.length <= limit ? value : value.substring(0, limit);
  if (value instanceof Uint8Array || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => truncateLogValue(item, limit));
  const out: AnyValueMap = {};
  for (const [key, item] of Object.entries(value)) out[key] = truncateLogValue(item, limit);
  return out;
}
