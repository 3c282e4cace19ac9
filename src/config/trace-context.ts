/** Validation of W3C Trace Context values (https://www.w3.org/TR/trace-context/). */
import { fail, ok, type Parsed } from "./parsed.js";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * Checks a version-00 `traceparent`. Accepts upper-case hex and normalizes it to lower case (the
 * spec's wire form) since hand-typed ids often come from tools that print upper case. All-zero ids
 * are invalid per the spec: a parent that cannot be referenced.
 */
export function parseTraceparent(raw: string): Parsed<string> {
  const text = raw.trim().toLowerCase();
  const match = TRACEPARENT.exec(text);
  if (match === null) return fail("expected 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>");
  if (/^0+$/.test(match[1] ?? "")) return fail("the trace id is all zeros");
  if (/^0+$/.test(match[2] ?? "")) return fail("the span id is all zeros");
  return ok(text);
}

const TRACESTATE_KEY =
  /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const TRACESTATE_MAX_MEMBERS = 32;

/** Checks a `tracestate` list: at most 32 `key=value` members, spec syntax, no duplicate keys. */
export function parseTracestate(raw: string): Parsed<string> {
  const text = raw.trim();
  const keys = new Set<string>();
  for (const [index, part] of text.split(",").entries()) {
    const member = part.trim();
    if (member === "") continue;
    const eq = member.indexOf("=");
    const key = eq === -1 ? "" : member.slice(0, eq);
    const value = eq === -1 ? "" : member.slice(eq + 1);
    if (!TRACESTATE_KEY.test(key) || !TRACESTATE_VALUE.test(value)) {
      return fail(`member ${index + 1} is not a valid key=value pair`);
    }
    if (keys.has(key)) return fail(`key "${key}" appears twice`);
    keys.add(key);
  }
  if (keys.size > TRACESTATE_MAX_MEMBERS)
    return fail(`more than ${TRACESTATE_MAX_MEMBERS} members`);
  return ok(text);
}
