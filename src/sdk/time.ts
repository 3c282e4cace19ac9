import type { HrTime } from "@opentelemetry/api";

/**
 * Epoch milliseconds as an OpenTelemetry `HrTime` ([seconds, nanoseconds]), the same split the
 * SDK makes (`millisToHrTime`), so timestamps export to the same nanosecond.
 */
export function hrTimeOf(epochMillis: number): HrTime {
  const seconds = Math.trunc(epochMillis / 1000);
  return [seconds, Math.round((epochMillis % 1000) * 1_000_000)];
}

/** `end - start` as an HrTime, as the SDK computes a span's duration. */
export function hrDuration(start: HrTime, end: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1_000_000_000;
  }
  return [seconds, nanos];
}
