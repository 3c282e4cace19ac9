import type { Tokens } from "../facts.js";

/** Tokens plus cost (USD): what an LLM call, a turn or a session consumed. Mutable accumulator. */
export interface Usage {
  input: number;
  output: number;
  reasoning: number;
  cacheRead: number;
  cacheWrite: number;
  cost: number;
}

export function emptyUsage(): Usage {
  return { input: 0, output: 0, reasoning: 0, cacheRead: 0, cacheWrite: 0, cost: 0 };
}

export function usageOf(tokens: Tokens, cost: number): Usage {
  return {
    input: tokens.input,
    output: tokens.output,
    reasoning: tokens.reasoning,
    cacheRead: tokens.cacheRead,
    cacheWrite: tokens.cacheWrite,
    cost,
  };
}

export function addUsage(target: Usage, add: Usage): void {
  target.input += add.input;
  target.output += add.output;
  target.reasoning += add.reasoning;
  target.cacheRead += add.cacheRead;
  target.cacheWrite += add.cacheWrite;
  target.cost += add.cost;
}

/** a - b, never below zero per field. */
export function subtractUsage(a: Usage, b: Usage): Usage {
  return {
    input: Math.max(0, a.input - b.input),
    output: Math.max(0, a.output - b.output),
    reasoning: Math.max(0, a.reasoning - b.reasoning),
    cacheRead: Math.max(0, a.cacheRead - b.cacheRead),
    cacheWrite: Math.max(0, a.cacheWrite - b.cacheWrite),
    cost: Math.max(0, a.cost - b.cost),
  };
}

export function maxUsage(a: Usage, b: Usage): Usage {
  return {
    input: Math.max(a.input, b.input),
    output: Math.max(a.output, b.output),
    reasoning: Math.max(a.reasoning, b.reasoning),
    cacheRead: Math.max(a.cacheRead, b.cacheRead),
    cacheWrite: Math.max(a.cacheWrite, b.cacheWrite),
    cost: Math.max(a.cost, b.cost),
  };
}

/** All tokens of every kind, the way opencode's own `tokens.total` counts them. */
export function totalTokens(usage: Usage): number {
  return usage.input + usage.output + usage.reasoning + usage.cacheRead + usage.cacheWrite;
}
