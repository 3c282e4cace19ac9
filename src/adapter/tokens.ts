import type { SessionAggregate, Tokens } from "../facts.js";
import { count, obj } from "./read.js";

export const ZERO_TOKENS: Tokens = {
  input: 0,
  output: 0,
  reasoning: 0,
  cacheRead: 0,
  cacheWrite: 0,
};

/** Reads `{ input, output, reasoning, cache: { read, write } }` (messages and session aggregates). */
export function readTokens(value: unknown): Tokens {
  const tokens = obj(value);
  if (!tokens) return ZERO_TOKENS;
  const cache = obj(tokens.cache);
  return {
    input: count(tokens.input),
    output: count(tokens.output),
    reasoning: count(tokens.reasoning),
    cacheRead: count(cache?.read),
    cacheWrite: count(cache?.write),
  };
}

/** Opencode's aggregate on session info; absent on hosts that do not report one. */
export function readAggregate(info: {
  readonly [key: string]: unknown;
}): SessionAggregate | undefined {
  if (info.tokens === undefined && info.cost === undefined) return undefined;
  return { tokens: readTokens(info.tokens), cost: count(info.cost) };
}
