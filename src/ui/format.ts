/** Numbers as the terminal report shows them, plus times and dates for the browser. */
export {
  formatCount,
  formatDuration,
  formatMoney,
  formatShare,
  formatTokens,
} from "../cli/report/format.js";

const pad = (n: number) => String(n).padStart(2, "0");

/** `2025-06-01 14:03` in local time. */
export function formatDateTime(ms: number): string {
  if (!ms) return "–";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `14:03:07.250` in local time. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

/** `YYYY-MM-DD` of a local date (for date inputs). */
export function formatDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function shortId(id: string): string {
  return id.length > 14 ? `${id.slice(0, 4)}…${id.slice(-8)}` : id;
}
