/**
 * Cut `text` to at most `max` UTF-16 code units and append `…[truncated N chars]`, where N is the
 * number of code units dropped. The result is longer than `max` by the marker's length: the marker
 * tells a reader the value is partial, which is worth more than an exact size bound (attribute
 * limits downstream still apply). A surrogate pair is never split, so the cut may land one unit
 * early. Text within the limit is returned unchanged; a negative or NaN `max` counts as 0.
 */
export function truncate(text: string, max: number): string {
  const limit = Number.isNaN(max) ? 0 : Math.max(0, Math.floor(max));
  if (text.length <= limit) return text;
  let cut = limit;
  // A lone high surrogate would be an invalid string once exported (OTLP encodes UTF-8).
  if (cut > 0 && isHighSurrogate(text.charCodeAt(cut - 1))) cut -= 1;
  return `${text.slice(0, cut)}…[truncated ${text.length - cut} chars]`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
