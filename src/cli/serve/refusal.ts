/**
 * Why a request is refused, and the answer that tells an OTLP sender what to do next: the HTTP
 * status (and `retry-after` when trying later can work), and the matching gRPC code.
 */
import type { ServeLimits } from "./limits.js";
import { WriteError } from "./write-queue.js";

/** A request refused with an HTTP status (and, for gRPC's sake, a reason in words). */
export class Refusal extends Error {
  constructor(
    readonly status: 400 | 408 | 413 | 415 | 429 | 500 | 503,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "Refusal";
  }
}

export function busy(limits: ServeLimits): Refusal {
  return new Refusal(
    429,
    "the receiver is at its memory or concurrency limit; retry later",
    limits.retryAfterSeconds,
  );
}

/** Maps a failure to the answer that tells the sender what to do next. */
export function refusalOf(error: unknown): Refusal {
  if (error instanceof Refusal) return error;
  if (error instanceof WriteError) {
    const { failure } = error;
    switch (failure.kind) {
      case "busy":
        // Retryable: the sender keeps the batch and tries again.
        return new Refusal(503, failure.message, 1);
      case "invalid":
        return new Refusal(400, `the rows could not be stored: ${failure.message}`);
      case "broken":
        // Not retryable (OTLP retries 429, 502, 503 and 504 only): a damaged or read-only
        // store will not take the batch later either.
        return new Refusal(500, `the store cannot take writes: ${failure.message}`);
    }
  }
  return new Refusal(500, `unexpected error: ${String(error)}`);
}

/** The gRPC code that matches each HTTP status (also used by the gRPC front end). */
export const GRPC_CODE: Readonly<Record<Refusal["status"], number>> = {
  400: 3, // INVALID_ARGUMENT
  408: 4, // DEADLINE_EXCEEDED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3,
  429: 8,
  500: 13, // INTERNAL
  503: 14, // UNAVAILABLE
};
