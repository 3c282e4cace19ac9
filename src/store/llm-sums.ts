import type { Row } from "./db.js";
import { int, real } from "./read-row.js";

/**
 * What LLM calls add up to: cost, the five token kinds, calls, errors and retries. Read from a
 * row whose columns are named as `LLM` in `report-queries.ts` selects them, written back in the
 * same shape, so report rows (`Usage`) and the viewer's session list add them up alike.
 */
export class LlmSums {
  cost = 0;
  input = 0;
  output = 0;
  reasoning = 0;
  cacheRead = 0;
  cacheWrite = 0;
  calls = 0;
  errors = 0;
  retries = 0;

  /** A row with `LLM`'s column names; nothing when there is none. */
  add(row: Row | undefined): void {
    if (!row) return;
    this.cost += real(row.cost);
    this.input += real(row.input);
    this.output += real(row.output);
    this.reasoning += real(row.reasoning);
    this.cacheRead += real(row.cache_read);
    this.cacheWrite += real(row.cache_write);
    this.calls += int(row.calls);
    this.errors += int(row.errors);
    this.retries += real(row.retries);
  }

  /** The sums under `LLM`'s column names, as `reportRow` reads them. */
  row(): Row {
    return {
      cost: this.cost,
      input: this.input,
      output: this.output,
      reasoning: this.reasoning,
      cache_read: this.cacheRead,
      cache_write: this.cacheWrite,
      calls: this.calls,
      errors: this.errors,
      retries: this.retries,
    };
  }

  /** Prompt tokens: fresh input and both cache kinds. */
  get prompt(): number {
    return this.input + this.cacheRead + this.cacheWrite;
  }
}
