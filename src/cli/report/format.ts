/** Number formatting for terminal tables: short, right-alignable, never scientific notation. */

/** Made on first use: creating one costs about 10 ms of CPU, and the statusline runs on every prompt. */
let intl: Intl.NumberFormat | undefined;
const intlFormat = (value: number): string => {
  intl ??= new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  return intl.format(value);
};

/**
 * `Intl.NumberFormat("en-US")` with no decimals, by hand for the common case: a report by
 * session formats a few hundred thousand cells, and Intl costs a microsecond or more each.
 * Rounds half away from zero, as Intl does; anything unusual goes to Intl itself.
 */
const grouped = {
  format(value: number): string {
    const abs = Math.abs(value);
    if (!Number.isFinite(value) || abs >= 1e15 || Object.is(value, -0)) return intlFormat(value);
    const digits = String(Math.round(abs));
    const sign = value < 0 ? "-" : "";
    if (digits.length <= 3) return `${sign}${digits}`;
    let out = digits.slice(0, digits.length % 3 || 3);
    for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
    return `${sign}${out}`;
  },
};

/** USD: cents above a dollar, four decimals below it (one LLM call often costs a fraction of a cent). */
export function formatMoney(usd: number): string {
  if (usd === 0) return "$0";
  const abs = Math.abs(usd);
  const sign = usd < 0 ? "-" : "";
  if (abs >= 1000) return `${sign}$${grouped.format(abs)}`;
  if (abs >= 1) return `${sign}$${abs.toFixed(2)}`;
  if (abs >= 0.0001) return `${sign}$${abs.toFixed(4)}`;
  return `${sign}<$0.0001`;
}

/** Token counts: exact below 10,000, then k / M / B with up to three significant digits. */
export function formatTokens(tokens: number): string {
  const abs = Math.abs(tokens);
  if (abs < 10_000) return grouped.format(tokens);
  const [divisor, suffix] = abs >= 1e9 ? [1e9, "B"] : abs >= 1e6 ? [1e6, "M"] : [1e3, "k"];
  const scaled = tokens / divisor;
  const digits = Math.abs(scaled) >= 100 ? 0 : Math.abs(scaled) >= 10 ? 1 : 2;
  return `${scaled.toFixed(digits)}${suffix}`;
}

export function formatCount(count: number): string {
  return grouped.format(count);
}

/** A 0..1 share as a percentage; "–" when there is nothing to divide (no calls at all). */
export function formatShare(share: number, defined = true): string {
  if (!defined) return "–";
  const percent = share * 100;
  if (percent > 0 && percent < 10) return `${percent.toFixed(1)}%`;
  return `${Math.round(percent)}%`;
}

/** Durations from milliseconds: `850ms`, `1.2s`, `2m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) {
    return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, "0")}s`;
  }
  const minutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}
