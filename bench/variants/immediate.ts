/**
 * opencode-otel with a turn flush delay of 0: a finished turn's spans and log records are handed
 * to delivery on the next macrotask instead of after `TURN_FLUSH_DELAY_MS`. The benchmark runs it
 * beside the published build to measure what the delay costs and saves. Same shape as the
 * published entry (`src/index.ts`).
 */
import { createLazyHooks } from "../../src/lazy.js";

const server = async (input: { client?: unknown; directory?: string }, options: unknown) =>
  createLazyHooks({
    env: process.env,
    options,
    client: input.client,
    directory: input.directory,
    turnFlushDelayMs: 0,
  });

export default { id: "opencode-otel-immediate", server };
