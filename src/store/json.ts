/**
 * JSON for stored attributes. OTLP int64 values may arrive as `bigint` (the receiver) and bytes
 * as `Uint8Array`; plain `JSON.stringify` throws on the first and mangles the second.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, replacer) ?? "null";
}

/**
 * `toJson` for attribute maps, without the replacer (which costs a call per key) unless needed:
 * OpenTelemetry attribute values hold no bytes, and the receiver turns OTLP bytes into base64,
 * so only a `bigint` can get in the way, and `JSON.stringify` throws on that rather than
 * writing something wrong.
 */
export function attributesJson(value: Readonly<Record<string, unknown>>): string {
  try {
    return JSON.stringify(value);
  } catch {
    return toJson(value);
  }
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint")
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  return value;
}

/** JSON with object keys sorted at every level, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  return toJson(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return value;
  const sorted: Record<string, unknown> = {};
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, item] of entries) sorted[key] = sortKeys(item);
  return sorted;
}

/** 128 bits of SHA-256 in hex: a natural key for rows that carry no id of their own. */
export function contentKey(parts: readonly unknown[]): string {
  return hashing()("sha256").update(canonicalJson(parts)).digest("hex").slice(0, 32);
}

/** Parses stored JSON text into an attribute map; anything else becomes an empty map. */
export function parseObject(text: unknown): Record<string, unknown> {
  if (typeof text !== "string") return {};
  const value: unknown = JSON.parse(text);
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : {};
}

/**
 * `node:crypto`'s `createHash`, loaded when first needed: only writes hash, and loading the
 * module costs a report 30-50 ms under Bun.
 */
let createHash: typeof import("node:crypto").createHash | undefined;
function hashing(): typeof import("node:crypto").createHash {
  createHash ??= process.getBuiltinModule("node:crypto").createHash;
  return createHash;
}
