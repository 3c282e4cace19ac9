import { createHash, randomBytes } from "node:crypto";
import type { IdGenerator } from "@opentelemetry/sdk-trace-base";

/**
 * Trace id of a session: the first 16 bytes of SHA-256 of its id. Every process that sees the
 * session (opencode run, run --session, serve) derives the same id, so a session's segments
 * from several processes land in one trace.
 */
export function traceIdForSession(sessionId: string): string {
  return createHash("sha256").update(sessionId).digest("hex").slice(0, 32);
}

/**
 * The SDK's tracer asks its IdGenerator for a trace id when a span has no parent. Root session
 * spans need a chosen one: the emitter sets `next` right before `startSpan` (synchronous, so
 * nothing can interleave) and the generator hands it out once.
 */
export class SessionIdGenerator implements IdGenerator {
  next: string | undefined;

  generateTraceId(): string {
    const chosen = this.next;
    this.next = undefined;
    return chosen ?? randomBytes(16).toString("hex");
  }

  generateSpanId(): string {
    return randomBytes(8).toString("hex");
  }
}
