/**
 * Outcome of parsing one raw config value. A failure carries a `problem` that describes what was
 * expected and never quotes the value itself, so the caller alone decides whether the value may be
 * shown (header values and helper commands never are).
 */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

/** A successful parse. */
export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

/** A failed parse; `problem` must not contain the rejected value. */
export function fail(problem: string): Parsed<never> {
  return { ok: false, problem };
}
