/**
 * Renders a config value for a warning: JSON (quotes and escapes control characters, so a value
 * cannot forge extra log lines), `none` for undefined, capped so one huge value cannot flood the
 * log. Never call it on anything that may hold credentials.
 */
export function describeValue(value: unknown, maxLength = 80): string {
  const text = stringify(value);
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

function stringify(value: unknown): string {
  if (value === undefined) return "none";
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint" || typeof value === "symbol") return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
