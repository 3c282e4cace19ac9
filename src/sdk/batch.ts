import type { ExportResult } from "@opentelemetry/core";

/** What a span or log destination implements: the SDK's `SpanExporter` / `LogRecordExporter`. */
export interface BatchExporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface BatchOptions {
  /** Longest an item waits when no turn end sends it first (the SDK processors' schedule). */
  readonly delayMs: number;
  /** Items kept at most; beyond it new items are dropped and counted. */
  readonly maxQueue: number;
  /** Items per export call. */
  readonly maxBatch: number;
  /** Told how many items were dropped for a full queue (the caller reports it). */
  readonly onDrop: (count: number) => void;
}

/**
 * The queue of one signal in front of its destinations, standing in for the SDK's batch
 * processor: items wait until `send` (a turn end, dispose), until `delayMs` after the first of
 * them, or until a batch is full. Exports still running are tracked, so `settle` and `close`
 * can wait for every one of them.
 */
export class Batch<T> {
  private queue: T[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly exporters: readonly BatchExporter<T>[],
    private readonly options: BatchOptions,
  ) {}

  add(item: T): void {
    if (this.closed) return;
    if (this.queue.length >= this.options.maxQueue) {
      this.options.onDrop(1);
      return;
    }
    this.queue.push(item);
    if (this.queue.length >= this.options.maxBatch) this.send();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.send(), this.options.delayMs);
      // A batch timer never keeps the host alive (dispose and exit signals send the rest).
      this.timer.unref?.();
    }
  }

  /** Hands everything queued to every destination now. */
  send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      for (const exporter of this.exporters) this.track(exportTo(exporter, batch));
    }
  }

  /** Sends what is queued and waits until every export handed over so far has completed. */
  private async settle(): Promise<void> {
    this.send();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Sends the rest, waits for it, then shuts every destination down. Never rejects. */
  async close(): Promise<void> {
    await this.settle();
    this.closed = true;
    await Promise.allSettled(this.exporters.map((exporter) => exporter.shutdown()));
  }

  private track(exported: Promise<void>): void {
    this.running.add(exported);
    exported.finally(() => this.running.delete(exported));
  }
}

/** One export call as a promise that settles when the destination calls back (never rejects). */
function exportTo<T>(exporter: BatchExporter<T>, items: T[]): Promise<void> {
  return new Promise((resolve) => {
    try {
      exporter.export(items, () => resolve());
    } catch {
      // A destination that throws is its own problem; the others still get the batch.
      resolve();
    }
  });
}
