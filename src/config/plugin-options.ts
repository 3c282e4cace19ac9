/** Reading the plugin options object from opencode.json (`["opencode-otel", { ... }]`). */
import { describeValue } from "./describe.js";
import { OPTION_LIST } from "./options.js";

/** A JSON object: not null, not an array. */
export type OptionsObject = Readonly<Record<string, unknown>>;

/** True for a plain JSON-style object. */
export function isOptionsObject(value: unknown): value is OptionsObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const KNOWN = new Set(
  OPTION_LIST.flatMap((spec) => (spec.option === undefined ? [] : [spec.option])),
);
// Keys that hold an object of further options: `capture` in `capture.prompts`.
const GROUPS = new Set([...KNOWN].flatMap(parentPaths));

function parentPaths(path: string): string[] {
  const parts = path.split(".");
  return parts.slice(1).map((_, index) => parts.slice(0, index + 1).join("."));
}

/**
 * Returns the options as an object, or an empty one (with a warning) when the host passed
 * anything else; warns once per unknown key, naming it, so a typo does not fail silently.
 */
export function readPluginOptions(raw: unknown, warn: (message: string) => void): OptionsObject {
  if (raw === undefined || raw === null) return {};
  if (!isOptionsObject(raw)) {
    warn(`Plugin options must be an object, got ${describeValue(raw)}; ignoring them.`);
    return {};
  }
  checkKeys(raw, "", warn);
  return raw;
}

function checkKeys(object: OptionsObject, prefix: string, warn: (message: string) => void): void {
  for (const [key, value] of Object.entries(object)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (KNOWN.has(path)) continue;
    if (!GROUPS.has(path)) {
      warn(`Unknown plugin option "${path}" is ignored.`);
    } else if (isOptionsObject(value)) {
      checkKeys(value, path, warn);
    } else if (value !== undefined && value !== null) {
      warn(`Plugin option "${path}" must be an object, got ${describeValue(value)}; ignoring it.`);
    }
  }
}

/** The value at a dotted path (`capture.prompts`), or undefined when any step is missing. */
export function readOptionPath(options: OptionsObject, path: string): unknown {
  let current: unknown = options;
  for (const key of path.split(".")) {
    // Own properties only: `constructor` or `__proto__` must not resolve to inherited values.
    if (!isOptionsObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}
