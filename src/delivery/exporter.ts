import type { ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { Outbox } from "./outbox.js";

// `ExportResultCode` values; the enum lives in `@opentelemetry/core`, which need not load for this.
const SUCCESS: ExportResultCode.SUCCESS = 0;
const FAILED: ExportResultCode.FAILED = 1;

/**
 * The SDK-facing side of an outbox: `export` hands the batch over and reports success at once
 * (the outbox owns delivery from then on, so the batch processor's memory is freed right away).
 */
export class OutboxExporter<T> {
  constructor(
    private readonly outbox: Outbox<T>,
    private readonly timeouts: { readonly flushMs: number; readonly shutdownMs: number },
  ) {}

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    try {
      this.outbox.add(items);
      resultCallback({ code: SUCCESS });
    } catch (error) {
      resultCallback({
        code: FAILED,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }

  forceFlush(): Promise<void> {
    return this.outbox.flush(this.timeouts.flushMs);
  }

  shutdown(): Promise<void> {
    return this.outbox.close(this.timeouts.shutdownMs);
  }
}
