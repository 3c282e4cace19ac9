/**
 * The receiver's one writer. Requests hand their rows here; everything that arrived while the
 * previous transaction ran is written in the next one (a group commit), so many small requests
 * cost one commit. When another process (a plugin's local exporter, a migration) holds the
 * store's write lock, the queue waits with short timers instead of SQLite's busy timeout, which
 * would block the event loop and with it every other request, for up to 5 s.
 */
import type { RowBatch, RowCounts, StoreError } from "../../store/index.js";

/** The store's write side (what `Store` offers). */
export interface RowSink {
  insertBatch(batch: RowBatch, options?: { readonly waitMs?: number }): RowCounts;
}

/** Why a write failed, for the front ends' answers. */
export type WriteFailure =
  /** The lock stayed taken past `lockWaitMs`: worth retrying (503 / UNAVAILABLE). */
  | { readonly kind: "busy"; readonly message: string }
  /** The store cannot take writes (damaged, read-only, disk full): retrying cannot help. */
  | { readonly kind: "broken"; readonly message: string; readonly corrupt: boolean }
  /** The rows themselves could not be written (not a store failure): a bad request. */
  | { readonly kind: "invalid"; readonly message: string };

export class WriteError extends Error {
  constructor(readonly failure: WriteFailure) {
    super(failure.message);
    this.name = "WriteError";
  }
}

export interface WriteQueueOptions {
  /** How long a batch may wait for the write lock before its requests get 503. */
  readonly lockWaitMs?: number;
  /** Rows per transaction at most, so one commit never holds the lock for long. */
  readonly maxRows?: number;
  /** Told once when the store turns out to be damaged (the server then stops). */
  readonly onBroken?: (failure: WriteFailure) => void;
}

interface Pending {
  readonly batch: RowBatch;
  readonly rows: number;
  readonly resolve: (count: number) => void;
  readonly reject: (error: WriteError) => void;
}

const isStoreError = (error: unknown): error is StoreError =>
  error instanceof Error && error.name === "StoreError" && "code" in error;

export class WriteQueue {
  private readonly queue: Pending[] = [];
  private running = false;
  private broken: WriteFailure | undefined;
  private readonly lockWaitMs: number;
  private readonly maxRows: number;

  constructor(
    private readonly sink: RowSink,
    private readonly options: WriteQueueOptions = {},
  ) {
    this.lockWaitMs = options.lockWaitMs ?? 10_000;
    this.maxRows = options.maxRows ?? 20_000;
  }

  /** Resolves with the number of rows once they are committed; rejects with a `WriteError`. */
  write(batch: RowBatch): Promise<number> {
    const rows =
      (batch.spans?.length ?? 0) + (batch.logs?.length ?? 0) + (batch.metricPoints?.length ?? 0);
    if (rows === 0) return Promise.resolve(0);
    if (this.broken) return Promise.reject(new WriteError(this.broken));
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, rows, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        // Let the requests whose bodies arrived meanwhile decode and join this transaction.
        await new Promise((resolve) => setImmediate(resolve));
        const taken = this.take();
        await this.commit(taken);
      }
    } finally {
      this.running = false;
    }
  }

  private take(): Pending[] {
    const taken: Pending[] = [];
    let rows = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (!next || (taken.length > 0 && rows + next.rows > this.maxRows)) break;
      this.queue.shift();
      taken.push(next);
      rows += next.rows;
    }
    return taken;
  }

  private async commit(taken: readonly Pending[]): Promise<void> {
    const batch: RowBatch = {
      spans: taken.flatMap((p) => p.batch.spans ?? []),
      logs: taken.flatMap((p) => p.batch.logs ?? []),
      metricPoints: taken.flatMap((p) => p.batch.metricPoints ?? []),
    };
    const deadline = Date.now() + this.lockWaitMs;
    for (let attempt = 0; ; attempt++) {
      const failure = this.attempt(batch);
      if (failure === undefined) {
        for (const p of taken) p.resolve(p.rows);
        return;
      }
      if (failure.kind === "busy" && Date.now() < deadline) {
        // 1, 2, 4, 8 ms, then 10 ms, with jitter so that two waiting servers do not collide.
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(10, 2 ** attempt) * (0.5 + Math.random())),
        );
        continue;
      }
      if (failure.kind === "invalid" && taken.length > 1) {
        // One request's rows must not fail the others that share its transaction.
        for (const p of taken) await this.commit([p]);
        return;
      }
      if (failure.kind === "broken" && failure.corrupt && !this.broken) {
        // A damaged file stays damaged: every later request is refused at once.
        this.broken = failure;
        this.options.onBroken?.(failure);
      }
      for (const p of taken) p.reject(new WriteError(failure));
      return;
    }
  }

  /** One try at the write lock; undefined when the batch is committed. */
  private attempt(batch: RowBatch): WriteFailure | undefined {
    try {
      this.sink.insertBatch(batch, { waitMs: 0 });
      return undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!isStoreError(error)) return { kind: "invalid", message };
      if (error.code === "locked")
        return { kind: "busy", message: "the store stayed locked by another process" };
      return { kind: "broken", message, corrupt: error.code === "corrupt" };
    }
  }
}
