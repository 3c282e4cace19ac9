/**
 * Reading OTLP's loosely typed values. Decoded protobuf messages (protobufjs's objects, read as
 * they are: `toObject` would copy every one) and OTLP/JSON differ only in what this file evens
 * out: ids are bytes in protobuf and hex in JSON, int64 is a `Long` in protobuf and a string or
 * a number in JSON, `bytesValue` is base64 in JSON, and an unset field is `null` on a protobuf
 * message (its prototype's default) but absent in JSON.
 */
export type Obj = Readonly<Record<string, unknown>>;

export function isObj(value: unknown): value is Obj {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}

export const obj = (value: unknown): Obj => (isObj(value) ? value : {});
export const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
export const str = (value: unknown): string => (typeof value === "string" ? value : "");

/** True when a field is set: present in JSON, not the prototype's `null` on a message. */
export function has(o: Obj, key: string): boolean {
  const value = o[key];
  return value !== undefined && value !== null;
}

/** protobufjs's 64-bit integers: a `Long` (two 32-bit halves and a signedness flag). */
function longValue(value: unknown): bigint | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if (!("low" in value) || !("high" in value)) return undefined;
  const { low, high } = value;
  if (typeof low !== "number" || typeof high !== "number") return undefined;
  const bits = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  return "unsigned" in value && value.unsigned === true ? bits : BigInt.asIntN(64, bits);
}

/** Doubles and int64s: JSON may spell them as strings ("NaN", "Infinity", "12"). */
export function num(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value !== "") return Number(value);
  const long = longValue(value);
  return long === undefined ? 0 : Number(long);
}

/** int64/fixed64 timestamps: `Long`s from protobuf, strings or numbers from JSON. */
export function int64(value: unknown): bigint {
  const long = longValue(value);
  if (long !== undefined) return long;
  if (value === undefined || value === null || value === "") return 0n; // Unset, as OTLP says.
  // A malformed number in JSON refuses the request (400), rather than a time of 1970 or an
  // attribute of 0 stored without a word.
  const bad = () => new InvalidValue(`${JSON.stringify(value)} is not an int64`);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw bad();
    return BigInt(Math.trunc(value));
  }
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) throw bad();
  return BigInt(value);
}

/** Trace and span ids: bytes in protobuf, hex in OTLP/JSON. */
export function hexId(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  return str(value).toLowerCase();
}

/**
 * Arrays and key-value lists nested deeper than this are refused: no real attribute comes close,
 * and a request built to be deep (100,000 levels) must get a 400, not a stack overflow.
 */
export const MAX_VALUE_DEPTH = 64;

/** A value that cannot be stored as sent: the request is answered 400 / INVALID_ARGUMENT. */
export class InvalidValue extends Error {
  override readonly name = "InvalidValue";
}

/**
 * An OTLP `AnyValue` as a JSON-safe value (the store keeps attributes as JSON text): int64
 * beyond 2^53 becomes a decimal string, bytes become base64.
 */
export function anyValue(value: unknown, depth = 0): unknown {
  if (depth > MAX_VALUE_DEPTH)
    throw new InvalidValue(`an attribute value is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  const v = obj(value);
  if (has(v, "stringValue")) return str(v.stringValue);
  if (has(v, "boolValue")) return v.boolValue === true;
  if (has(v, "intValue")) {
    const big = int64(v.intValue);
    const safe = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
    return safe ? Number(big) : big.toString();
  }
  if (has(v, "doubleValue")) return num(v.doubleValue);
  if (has(v, "arrayValue"))
    return list(obj(v.arrayValue).values).map((item) => anyValue(item, depth + 1));
  if (has(v, "kvlistValue")) return attributes(obj(v.kvlistValue).values, depth + 1);
  if (has(v, "bytesValue")) {
    const bytes = v.bytesValue;
    return bytes instanceof Uint8Array ? Buffer.from(bytes).toString("base64") : str(bytes);
  }
  return null;
}

export function attributes(keyValues: unknown, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const keyValue of list(keyValues)) {
    const kv = obj(keyValue);
    out[str(kv.key)] = anyValue(kv.value, depth);
  }
  return out;
}
