import type * as Crypto from "node:crypto";
import type { IdGenerator } from "@opentelemetry/sdk-trace-base";

/**
 * Trace id of a session: the first 16 bytes of SHA-256 of its id. Every process that sees the
 * session (opencode run, run --session, serve) derives the same id, so a session's segments
 * from several processes land in one trace.
 */
export function traceIdForSession(sessionId: string): string {
  return sha256Hex(sessionId).slice(0, 32);
}

let nodeCrypto: typeof Crypto | undefined;

/**
 * Bun's native hasher inside opencode; `node:crypto` elsewhere, loaded on first use. Importing
 * `node:crypto` up front costs Bun more CPU than every hash a long session needs.
 */
export function sha256Hex(text: string): string {
  if (typeof Bun !== "undefined") return new Bun.CryptoHasher("sha256").update(text).digest("hex");
  nodeCrypto ??= process.getBuiltinModule("node:crypto");
  return nodeCrypto.createHash("sha256").update(text).digest("hex");
}

/** Random bytes from Web Crypto (a global in Bun and Node), drawn in blocks. */
const pool = Buffer.alloc(256);
let used = pool.length;

function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  used += bytes;
  return pool.toString("hex", used - bytes, used);
}

/**
 * The tracer asks its IdGenerator for a trace id when a span has no parent. Root session spans
 * need a chosen one: the emitter sets `next` right before `startSpan` (synchronous, so nothing
 * can interleave) and the generator hands it out once.
 */
export class SessionIdGenerator implements IdGenerator {
  next: string | undefined;

  generateTraceId(): string {
    const chosen = this.next;
    this.next = undefined;
    return chosen ?? randomHex(16);
  }

  generateSpanId(): string {
    return randomHex(8);
  }
}
