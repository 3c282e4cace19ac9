/**
 * Stacked series for uPlot, which draws series over each other rather than on top: each series
 * becomes the running total up to it, and the tallest is drawn first so the lower ones cover it
 * where they end. Pure, so it is tested without a browser.
 */
export function stack(series: readonly (readonly number[])[]): number[][] {
  const out: number[][] = [];
  let running: number[] = [];
  for (const values of series) {
    running = values.map((value, i) => (running[i] ?? 0) + value);
    out.push(running);
  }
  return out;
}

/** Bucket keys (`YYYY-MM-DD` or `YYYY-MM`) to epoch seconds of their local start. */
export function bucketSeconds(key: string): number {
  const [year, month, day] = key.split("-").map(Number);
  return new Date(year ?? 1970, (month ?? 1) - 1, day ?? 1).getTime() / 1000;
}

/** The `limit` largest names by total, the rest summed as "other". */
export function topNames(
  totals: ReadonlyMap<string, number>,
  limit: number,
): { names: string[]; other: boolean } {
  const sorted = [...totals].sort((a, b) => b[1] - a[1]).map(([name]) => name);
  return { names: sorted.slice(0, limit), other: sorted.length > limit };
}
