import type { Signal } from "../otlp/protos.js";
import { Gate, MemoryBudget, type ServeLimits } from "./limits.js";
import type { WriteQueue } from "./write-queue.js";

/** What both front ends (HTTP and gRPC) share: the writer, the token and the limits. */
export interface ReceiverContext {
  readonly queue: WriteQueue;
  readonly token: string | undefined;
  readonly limits: ServeLimits;
  readonly budget: MemoryBudget;
  readonly gate: Gate;
  /** Called once per accepted request with its signal and row count. */
  readonly onRows: (signal: Signal, rows: number) => void;
  /** Called with a one-line reason for every rejected or failed request. */
  readonly onProblem: (message: string) => void;
}

export function receiverContext(fields: Omit<ReceiverContext, "budget" | "gate">): ReceiverContext {
  return {
    ...fields,
    budget: new MemoryBudget(fields.limits.budgetBytes),
    gate: new Gate(fields.limits.concurrency),
  };
}
