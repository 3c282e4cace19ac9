import { int, real, text } from "./read-row.js";

/** What the store keeps of a metric point to compute the next point's increase. */
export interface SeriesState {
  readonly type: string;
  readonly temporality: string;
  readonly monotonic: boolean;
  readonly value: number;
}

/**
 * The increase a point adds to its series (`value_delta`), so that a report over any time range
 * is a plain sum, and retention can drop old points without changing what the rest add up to.
 * A cumulative point's increase is its value minus the previous point's in the same series (the
 * series key includes the start time, so a restarted process starts a new series at 0).
 */
export function pointDelta(previous: SeriesState | undefined, point: SeriesState): number {
  if (point.type === "gauge") return 0;
  if (point.temporality !== "cumulative" || !previous) return point.value;
  const delta = point.value - previous.value;
  // A monotonic series that went down was reset without a new start time: count from zero.
  return point.monotonic && delta < 0 ? point.value : delta;
}

/** A stored point's state, from a row with its `type`, `temporality`, `monotonic`, `value`. */
export function seriesStateOf(row: Readonly<Record<string, unknown>>): SeriesState {
  return {
    type: text(row.type),
    temporality: text(row.temporality),
    monotonic: int(row.monotonic) === 1,
    value: real(row.value),
  };
}
