/**
 * Narrowing readers for column values: both bindings hand back `unknown`-typed rows, with
 * integers as `number` or `bigint` depending on the statement.
 */

export function int(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return 0;
}

export const real = int;

export function big(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  return 0n;
}

export function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}
