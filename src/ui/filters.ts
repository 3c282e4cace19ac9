/**
 * The filters the sessions and usage pages share, kept in the address bar (so a filtered view
 * is a link) and turned into the API's `since`/`until` epoch milliseconds here.
 */
export const RANGES = [
  { value: "all", label: "All time", ms: 0 },
  { value: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { value: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { value: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
  { value: "90d", label: "Last 90 days", ms: 90 * 86_400_000 },
] as const;

/** Local midnight of a `YYYY-MM-DD`, or undefined. */
function dayStart(text: string | null): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? "");
  if (!match) return undefined;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])).getTime();
}

/** The API parameters of the page's filters; `keep` names the extra ones to pass through. */
export function apiParams(
  params: URLSearchParams,
  keep: readonly string[],
  now = Date.now(),
): URLSearchParams {
  const out = new URLSearchParams();
  const from = dayStart(params.get("from"));
  const to = dayStart(params.get("to"));
  if (from !== undefined || to !== undefined) {
    if (from !== undefined) out.set("since", String(from));
    // `to` is the last day shown, inclusive.
    if (to !== undefined) out.set("until", String(to + 86_400_000));
  } else {
    const range = RANGES.find((r) => r.value === params.get("range"));
    if (range && range.ms > 0) out.set("since", String(now - range.ms));
  }
  for (const name of ["project", "agent", ...keep]) {
    const value = params.get(name);
    if (value) out.set(name, value);
  }
  return out;
}

/** `params` with `name` set (or removed when empty); paging starts again on a filter change. */
export function withParam(params: URLSearchParams, name: string, value: string): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value) next.set(name, value);
  else next.delete(name);
  if (name !== "page") next.delete("page");
  if (name === "range") {
    next.delete("from");
    next.delete("to");
  }
  return next;
}
