/**
 * What one `serve` process lets its clients use, whatever they send: requests at once, bytes
 * held across all of them, and time to send a body. Beyond a limit a request is refused with a
 * status that tells the sender what to do (413: split it; 429 / RESOURCE_EXHAUSTED with
 * `retry-after`: later; 408: the body was too slow), never by running out of memory.
 */
export interface ServeLimits {
  /** Requests decoded or written at once, HTTP and gRPC together; more get 429. */
  readonly concurrency: number;
  /** Largest body as received (compressed or not). */
  readonly maxBodyBytes: number;
  /** Largest body after decompression; also gRPC's largest message. */
  readonly maxDecodedBytes: number;
  /** Decompressed bytes per received byte beyond which a body is taken for a bomb. */
  readonly maxRatio: number;
  /** Bytes all requests in flight may hold together: received, decompressed and decoded. */
  readonly budgetBytes: number;
  /** Time from the request's headers to its last body byte. */
  readonly bodyTimeoutMs: number;
  /** What `retry-after` says when busy, in seconds. */
  readonly retryAfterSeconds: number;
}

/**
 * The defaults. 16 MiB per request is four times what this plugin and the SDK exporters send at
 * most (they split at 4 MiB) and close to a Collector's 20 MiB HTTP limit. Decoded requests take
 * about seven times their protobuf size in objects and rows (`DECODE_FACTOR`), so a 512 MiB
 * budget holds four of the largest requests, or hundreds of ordinary 30 KB batches, at once.
 */
export const DEFAULT_LIMITS: ServeLimits = {
  concurrency: 64,
  maxBodyBytes: 16 * 1024 * 1024,
  maxDecodedBytes: 16 * 1024 * 1024,
  maxRatio: 100,
  budgetBytes: 512 * 1024 * 1024,
  bodyTimeoutMs: 30_000,
  retryAfterSeconds: 1,
};

/**
 * Memory a decoded request holds per byte of its protobuf or JSON body: protobufjs's message
 * objects and the store's rows with their JSON text. Measured on the plugin's own spans
 * (`bench/serve-batches.ts`, 20,000 spans): about 6 after a full GC, more while the decoder's
 * garbage is still live; 8 leaves room for that.
 */
export const DECODE_FACTOR = 8;

/** A shared count of bytes held, which refuses to go past its limit. */
export class MemoryBudget {
  private held = 0;

  constructor(readonly limit: number) {}

  /** Takes `bytes` from the budget, or returns false (taking nothing) when they do not fit. */
  tryTake(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }

  get inUse(): number {
    return this.held;
  }
}

/** A request's share of the budget, returned at once when the request ends, however it ends. */
export class Reservation {
  private bytes = 0;

  constructor(private readonly budget: MemoryBudget) {}

  tryTake(bytes: number): boolean {
    if (!this.budget.tryTake(bytes)) return false;
    this.bytes += bytes;
    return true;
  }

  /** Gives back part of what was taken (a body buffer once it is decoded). */
  give(bytes: number): void {
    const back = Math.min(bytes, this.bytes);
    this.bytes -= back;
    this.budget.give(back);
  }

  release(): void {
    this.budget.give(this.bytes);
    this.bytes = 0;
  }
}

/** Counts requests in flight against `limits.concurrency`. */
export class Gate {
  private active = 0;

  constructor(private readonly limit: number) {}

  tryEnter(): boolean {
    if (this.active >= this.limit) return false;
    this.active += 1;
    return true;
  }

  leave(): void {
    this.active = Math.max(0, this.active - 1);
  }

  get inFlight(): number {
    return this.active;
  }
}
