/**
 * The one choke point for content: every value that may carry user or tool content reaches an
 * exporter only through `Privacy.content`, and every other free-form string that may carry a
 * secret (provider error messages, for example) through `Privacy.scrub`.
 */
import type { CaptureConfig } from "../config/types.js";
import { createRedactor } from "./redact.js";
import { truncate } from "./truncate.js";

/** The kinds of content that can be switched on separately. */
export type ContentKind = "prompt" | "response" | "tool.input" | "tool.output";

/** Gate, redactor and truncator for exported content. */
export interface Privacy {
  /** True when content of this kind may be exported. */
  allows(kind: ContentKind): boolean;
  /**
   * The value to export for a content field, or undefined when capture of that kind is off.
   * `value` is only called when allowed (lazy, so nothing is serialized when off). Redaction
   * happens before truncation. Objects are JSON-serialized safely (cycles, BigInt, depth limit,
   * never throws). A thunk that throws or yields `undefined` gives `undefined`.
   */
  content(kind: ContentKind, value: () => unknown): string | undefined;
  /**
   * Redact + truncate a free-form string that may carry secrets even when it is not "content"
   * (for example error messages from providers). Always applied, regardless of capture flags.
   * `max` defaults to the capture maximum length.
   */
  scrub(text: string, max?: number): string;
}

type CaptureFlag = "prompts" | "toolDetails" | "content";

/** Which capture switch governs each kind (see the options table for the env variables). */
const FLAG_FOR: Readonly<Record<ContentKind, CaptureFlag>> = {
  prompt: "prompts",
  "tool.input": "toolDetails",
  response: "content",
  "tool.output": "content",
};

/** Build the privacy gate from the resolved capture config and the process environment. */
export function createPrivacy(
  capture: CaptureConfig,
  env: Record<string, string | undefined>,
): Privacy {
  const redact = createRedactor(env);
  const allows = (kind: ContentKind): boolean => capture[FLAG_FOR[kind]];
  return {
    allows,
    content(kind, value) {
      if (!allows(kind)) return undefined;
      let text: string | undefined;
      try {
        text = serialize(value());
      } catch {
        // A failing thunk is the caller's bug; it must not break the host's hook.
        return undefined;
      }
      return text === undefined ? undefined : truncate(redact(text), capture.maxLength);
    },
    scrub(text, max = capture.maxLength) {
      return truncate(redact(String(text)), max);
    },
  };
}

/** Objects nested deeper than this are summarized, so one huge tree cannot dominate a span. */
const MAX_DEPTH = 8;

/**
 * Strings pass through as they are; everything else becomes JSON. Never throws: cycles become
 * `"[Circular]"`, BigInt a decimal string, Map/Set arrays, Errors `{ name, message }`, and a
 * value that still cannot be serialized (a throwing getter or `toJSON`) `"[Unserializable]"`.
 */
export function serialize(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  try {
    const json: string | undefined = JSON.stringify(value, safeReplacer());
    return json;
  } catch {
    return "[Unserializable]";
  }
}

interface Frame {
  /** The object JSON.stringify walks (a replacement, for Map, Set and Error). */
  readonly holder: object;
  /** The object the caller passed, which is what a cycle points back to. */
  readonly original: object;
}

/**
 * A `JSON.stringify` replacer tracking the path from the root: `this` is the holder of the
 * current key, so popping until the top of the stack is the holder leaves exactly the
 * ancestors. A repeated (non-cyclic) reference is still serialized twice, as JSON would.
 */
function safeReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  const path: Frame[] = [];
  return function (this: unknown, _key: string, value: unknown): unknown {
    if (typeof value === "bigint") return value.toString();
    if (typeof value !== "object" || value === null) return value;
    while (path.length > 0 && path.at(-1)?.holder !== this) path.pop();
    if (path.some((frame) => frame.original === value)) return "[Circular]";
    if (path.length >= MAX_DEPTH) return Array.isArray(value) ? "[Array]" : "[Object]";
    const holder = replacement(value);
    path.push({ holder, original: value });
    return holder;
  };
}

function replacement(value: object): object {
  if (value instanceof Map) return [...value.entries()];
  if (value instanceof Set) return [...value.values()];
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
