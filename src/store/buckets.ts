/**
 * Day, week and month buckets for time-grouped reports, computed here rather than in SQL: SQLite's
 * `localtime` modifier costs a time-zone conversion per row (seconds on a year of spans), and
 * calendar arithmetic on `Date` gets daylight-saving days (23 or 25 hours) right.
 */

export type TimeGroup = "day" | "week" | "month";

export interface Bucket {
  /** `YYYY-MM-DD` (a day, or the Monday starting a week) or `YYYY-MM`. */
  readonly key: string;
  /** Epoch ms, inclusive / exclusive, clipped to the requested range. */
  readonly from: number;
  readonly to: number;
}

interface Calendar {
  parts(ms: number): { year: number; month: number; day: number; weekday: number };
  at(year: number, month: number, day: number): number;
}

const LOCAL: Calendar = {
  parts(ms) {
    const d = new Date(ms);
    return { year: d.getFullYear(), month: d.getMonth(), day: d.getDate(), weekday: d.getDay() };
  },
  at: (year, month, day) => new Date(year, month, day).getTime(),
};

const UTC: Calendar = {
  parts(ms) {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth(),
      day: d.getUTCDate(),
      weekday: d.getUTCDay(),
    };
  },
  at: (year, month, day) => Date.UTC(year, month, day),
};

/** The buckets covering `[from, to)` in order. */
export function timeBuckets(
  group: TimeGroup,
  from: number,
  to: number,
  timeZone: "local" | "utc",
): Bucket[] {
  const calendar = timeZone === "utc" ? UTC : LOCAL;
  const buckets: Bucket[] = [];
  let start = bucketStart(group, from, calendar);
  while (start < to) {
    const next = nextStart(group, start, calendar);
    buckets.push({
      key: keyOf(group, start, calendar),
      from: Math.max(start, from),
      to: Math.min(next, to),
    });
    start = next;
  }
  return buckets;
}

/** The whole bucket (not clipped) that holds `ms`: today, this week, this month. */
export function bucketAt(group: TimeGroup, ms: number, timeZone: "local" | "utc"): Bucket {
  const calendar = timeZone === "utc" ? UTC : LOCAL;
  const from = bucketStart(group, ms, calendar);
  return { key: keyOf(group, from, calendar), from, to: nextStart(group, from, calendar) };
}

function bucketStart(group: TimeGroup, ms: number, calendar: Calendar): number {
  const { year, month, day, weekday } = calendar.parts(ms);
  if (group === "month") return calendar.at(year, month, 1);
  // Weeks start on Monday (ISO 8601).
  return calendar.at(year, month, group === "week" ? day - ((weekday + 6) % 7) : day);
}

function nextStart(group: TimeGroup, start: number, calendar: Calendar): number {
  const { year, month, day } = calendar.parts(start);
  if (group === "month") return calendar.at(year, month + 1, 1);
  return calendar.at(year, month, day + (group === "week" ? 7 : 1));
}

function keyOf(group: TimeGroup, start: number, calendar: Calendar): string {
  const { year, month, day } = calendar.parts(start);
  const mm = String(month + 1).padStart(2, "0");
  if (group === "month") return `${year}-${mm}`;
  return `${year}-${mm}-${String(day).padStart(2, "0")}`;
}
