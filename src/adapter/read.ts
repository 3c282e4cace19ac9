/**
 * Defensive readers for host payloads. Host events are untrusted input (a plugin API can change
 * shape between releases, and issue #5 feeds malformed events on purpose), so the adapter reads
 * every field it uses through these instead of trusting the declared types.
 */

export type Obj = { readonly [key: string]: unknown };

export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function obj(value: unknown): Obj | undefined {
  return isObj(value) ? value : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A non-empty string, or undefined. Ids and names are useless when empty. */
export function id(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A finite, non-negative count (token counts, lines); anything else reads as 0. */
export function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}
