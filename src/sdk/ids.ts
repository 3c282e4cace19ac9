import type * as Crypto from "node:crypto";
import type { IdGenerator } from "@opentelemetry/sdk-trace-base";

/** A trace id and a span id chosen together: where a root span goes, and its own id. */
export interface DerivedIds {
  readonly traceId: string;
  readonly spanId: string;
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

/**
 * Ids derived from a name: the first 16 bytes of its SHA-256 are the trace id, the next 8 the
 * span id. The same name gives the same ids in every process, with no coordination.
 */
function derive(name: string): DerivedIds {
  const hex = sha256Hex(name);
  return { traceId: hex.slice(0, 32), spanId: hex.slice(32, 48) };
}

/**
 * Trace id of a session: the first 16 bytes of SHA-256 of its id. Every process that sees the
 * session (opencode run, run --session, serve) derives the same id, so a session's segments
 * from several processes land in one trace.
 */
export function traceIdForSession(sessionId: string): string {
  return derive(sessionId).traceId;
}

/**
 * The session's trace id and the span id of its `session.start` marker (the same digest's next
 * 8 bytes): a later process of the session can link to the marker an earlier one exported.
 */
export function sessionStartIds(sessionId: string): DerivedIds {
  return derive(sessionId);
}

/**
 * Trace id and root span id of one user turn, from the session id and the turn's prompt (the
 * user message id, unique in the session and the same in every process). The turn's lifetime
 * index is not known yet when a resumed process's first turn starts (the session's history
 * answers after the prompt), so it cannot name the trace without colliding with an earlier
 * process's turn; the prompt id can, and the next process finds it in the history to link to.
 */
export function turnIds(sessionId: string, promptId: string): DerivedIds {
  return derive(`${sessionId}\u0000turn\u0000${promptId}`);
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
 * The tracer asks its IdGenerator for a span id for every span and a trace id when a span has no
 * parent. Derived ids need a chosen one: the emitter sets `next` (trace) and `nextSpan` right
 * before `startSpan` (synchronous, so nothing can interleave) and the generator hands each out
 * once.
 */
export class SessionIdGenerator implements IdGenerator {
  next: string | undefined;
  nextSpan: string | undefined;

  generateTraceId(): string {
    const chosen = this.next;
    this.next = undefined;
    return chosen ?? randomHex(16);
  }

  generateSpanId(): string {
    const chosen = this.nextSpan;
    this.nextSpan = undefined;
    return chosen ?? randomHex(8);
  }
}
