import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Checks an `Authorization` header (HTTP) or metadata value (gRPC) against the serve token.
 * The scheme is case-insensitive (RFC 9110 §11.1: `bearer` is `Bearer`), and so is the space
 * around it. The credentials are compared as SHA-256 digests in constant time, so neither the
 * token's bytes nor its length can be learned from response times.
 */
export function authorized(token: string | undefined, header: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^[ \t]*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)[ \t]+([^ \t].*?)[ \t]*$/.exec(
    header ?? "",
  );
  if (match?.[1]?.toLowerCase() !== "bearer") return false;
  return timingSafeEqual(digest(match[2] ?? ""), digest(token));
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
