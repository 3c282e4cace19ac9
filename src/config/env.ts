/**
 * String helpers for environment-variable syntax. Pure and value-free in their error messages:
 * a problem names the position of a bad entry, never its text, because the text may be a secret.
 */
import { fail, ok, type Parsed } from "./parsed.js";

const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);
const FALSE_WORDS = new Set(["0", "false", "no", "off"]);

/** `1/true/yes/on` → true, `0/false/no/off` → false (any case, surrounding blanks ignored), else undefined. */
export function parseBoolean(raw: string): boolean | undefined {
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/**
 * A whole number written only with digits (`"60000"`), else undefined. Stricter than `Number()`,
 * which would accept `""`, `"1e3"`, `"0x10"` and `" 5 "` and so hide typos.
 */
export function parseWholeNumber(raw: string): number | undefined {
  const text = raw.trim();
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The first entry of a comma-separated list (`OTEL_TRACES_EXPORTER=otlp,console` → `otlp`). */
export function firstListEntry(raw: string): string {
  const comma = raw.indexOf(",");
  return (comma === -1 ? raw : raw.slice(0, comma)).trim();
}

/**
 * Parses `k=v,k2=v2` as the OTel spec defines it for `OTEL_RESOURCE_ATTRIBUTES` and
 * `OTEL_EXPORTER_OTLP_HEADERS`: entries split on `,`, each on its first `=`, blanks around keys
 * and values trimmed, keys and values percent-decoded (as the OTel JS SDK does). Empty entries
 * (a trailing comma) are skipped. Any malformed entry fails the whole list: the spec says to
 * discard the whole variable, and a half-read list (was `a=b,c` meant as `a="b,c"`?) is a guess.
 */
export function parseKeyValueList(raw: string): Parsed<ReadonlyArray<readonly [string, string]>> {
  const entries: Array<readonly [string, string]> = [];
  const parts = raw.split(",");
  for (const [index, part] of parts.entries()) {
    const entry = part.trim();
    if (entry === "") continue;
    const position = `entry ${index + 1}`;
    const eq = entry.indexOf("=");
    if (eq === -1) return fail(`${position} has no "="`);
    const key = decodePercent(entry.slice(0, eq).trim());
    const value = decodePercent(entry.slice(eq + 1).trim());
    if (key === undefined || value === undefined)
      return fail(`${position} has invalid percent-encoding`);
    if (key === "") return fail(`${position} has an empty key`);
    entries.push([key, value]);
  }
  return ok(entries);
}

function decodePercent(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
