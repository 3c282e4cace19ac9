import { timingSafeEqual } from "node:crypto";

/**
 * Checks an `Authorization` header (HTTP) or metadata value (gRPC) against the `--token`.
 * Constant-time, so the token cannot be guessed byte by byte from response times.
 */
export function authorized(token: string | undefined, header: string | undefined): boolean {
  if (token === undefined) return true;
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
