import { isSpanContextValid, type SpanContext } from "@opentelemetry/api";

const valid = new WeakSet<SpanContext>();

/**
 * The API's `isSpanContextValid` (non-zero hex trace and span ids), remembered per context
 * object: every span and log record checks its parent's context, and a turn's spans all share
 * the same few parents, so each is checked once rather than by two regular expressions a record.
 */
export function isValidContext(context: SpanContext): boolean {
  if (valid.has(context)) return true;
  if (!isSpanContextValid(context)) return false;
  valid.add(context);
  return true;
}
