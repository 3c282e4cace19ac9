/**
 * `--since`/`--until` values. Accepted: `YYYY-MM-DD` (local midnight, as a person means it),
 * `YYYY-MM`, a full ISO 8601 timestamp, `today`, `yesterday`, and a relative `Nd`/`Nh`/`Nw`
 * (that long before now). Anything else is a usage error naming the accepted forms.
 */
import { UsageError } from "./errors.js";

const FORMS = "YYYY-MM-DD, YYYY-MM, an ISO timestamp, today, yesterday, or 7d/12h/2w";

const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Epoch milliseconds for `text`, relative forms measured from `now`. */
export function parseDate(text: string, option: string, now: Date = new Date()): number {
  const value = text.trim().toLowerCase();
  // Local time only when a form needs it: its first use starts the time zone (ICU), about 20 ms
  // of CPU, and the statusline's `--at` is a timestamp.
  if (value === "today")
    return new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  if (value === "yesterday") {
    return new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1).getTime();
  }
  const relative = /^(\d+)([hdw])$/.exec(value);
  if (relative) return now.getTime() - Number(relative[1]) * (UNIT_MS[relative[2] ?? "d"] ?? 0);
  const day = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(value);
  if (day) {
    const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3] ?? "1")];
    const local = new Date(year, month - 1, date);
    // `new Date(2025, 1, 31)` silently becomes March 3rd: reject dates that roll over.
    if (
      local.getFullYear() === year &&
      local.getMonth() === month - 1 &&
      local.getDate() === date
    ) {
      return local.getTime();
    }
    throw new UsageError(`--${option}: "${text}" is not a calendar date`);
  }
  if (/^\d{4}-\d{2}-\d{2}t/.test(value)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  throw new UsageError(`--${option}: cannot read "${text}" as a date (use ${FORMS})`);
}
