import type { DiagnosticLog } from "../log.js";
import type { HeaderSource } from "../sdk/headers-helper.js";
import type { Codec, Encoding, Signal } from "./encode.js";
import type { Spool } from "./spool.js";
import type { SendResult, Transport } from "./transport.js";

export interface OutboxOptions<T> {
  readonly signal: Signal;
  readonly encoding: Encoding;
  readonly codec: Codec<T>;
  readonly transport: Transport;
  readonly headers: Readonly<Record<string, string>>;
  readonly helper: HeaderSource | undefined;
  /** Undefined: spool off, failed exports wait in memory only. */
  readonly spool: Spool | undefined;
  readonly log: DiagnosticLog;
  /** Requests larger than this are split before they are sent. */
  readonly maxRequestBytes?: number;
  /** Without a spool: bytes kept in memory at most; the oldest go first. */
  readonly maxMemoryBytes?: number;
}

/** One OTLP request: in memory (`body`, plus `items` to split it) or in the spool (`file`). */
interface Entry<T> {
  body: Uint8Array | undefined;
  items: T | undefined;
  file: string | undefined;
  authRetried: boolean;
}

const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

/**
 * The delivery queue of one signal, like the Collector's exporter queue: the batch processor
 * hands over a batch and is done; the outbox sends requests one at a time, in order, and when
 * the collector is away (down, 5xx, 429, network error) it keeps them (in the spool when on),
 * backs off, and resumes in order when the collector is back, from this process or the next.
 */
export class Outbox<T> {
  private readonly queue: Entry<T>[] = [];
  private memoryBytes = 0;
  private inflight: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private outage: { since: number; reason: string } | undefined;
  /** Failed attempts so far (flush uses it to notice a new failure). */
  private failures = 0;
  private closed = false;
  /** Requests delivered and dropped so far (dropped: rejected, too large alone, over limits). */
  readonly stats = { sent: 0, dropped: 0, spooled: 0 };

  constructor(private readonly options: OutboxOptions<T>) {
    // Exports an earlier process could not deliver go first.
    for (const file of options.spool?.take(options.signal) ?? []) {
      if (file.encoding !== options.encoding) {
        // Spooled as JSON but sending protobuf now (or the reverse): cannot be converted.
        options.spool?.remove(file.path);
        this.drop(`it was spooled as ${file.encoding} and the protocol changed`);
        continue;
      }
      this.queue.push({ body: undefined, items: undefined, file: file.path, authRetried: false });
    }
    if (this.queue.length > 0) this.pump();
  }

  /** Queues a batch (never throws, never waits). */
  add(items: T): void {
    if (this.closed) return;
    for (const entry of this.entriesFor(items)) {
      this.queue.push(entry);
      this.memoryBytes += entry.body?.length ?? 0;
      // While the collector is away, new requests go straight to disk: a crash loses nothing.
      if (this.outage) this.persist(entry);
    }
    this.limitMemory();
    this.pump();
  }

  /**
   * Sends what is queued, for at most `timeoutMs`. While the collector is away it returns at
   * once, unless `retryNow`: then it skips the backoff wait and tries until one attempt fails.
   */
  async flush(timeoutMs: number, retryNow = false): Promise<void> {
    const until = Date.now() + timeoutMs;
    if (retryNow && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const failures = this.failures;
    while (this.queue.length > 0 && Date.now() < until) {
      if (this.outage && (!retryNow || this.failures !== failures)) break;
      this.pump();
      const inflight = this.inflight;
      if (!inflight) break;
      const wait = sleep(until - Date.now());
      await Promise.race([inflight, wait.done]);
      wait.cancel();
    }
  }

  /** Last chance: send for at most `timeoutMs`, then keep whatever is left for the next process. */
  async close(timeoutMs: number): Promise<void> {
    // The collector may be back since the last attempt: try once more before giving up.
    await this.flush(timeoutMs, true);
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const entry of this.queue) {
      this.persist(entry);
      if (entry.file) this.options.spool?.release(entry.file);
    }
    if (this.queue.length > 0 && this.options.spool)
      this.options.log.warn(
        `opencode-otel: ${this.queue.length} ${this.options.signal} export(s) not delivered yet are kept in ${this.options.spool.dir}; the next opencode process sends them.`,
      );
    else if (this.queue.length > 0) {
      this.drop("opencode exited before the collector took it", this.queue.length);
    }
    this.queue.length = 0;
    this.options.transport.close();
  }

  private entriesFor(items: T): Entry<T>[] {
    const body = this.options.codec.encode(items);
    const max = this.options.maxRequestBytes ?? 4 * 1024 * 1024;
    if (body.length > max) {
      const parts = this.options.codec.split(items);
      if (parts) return [...this.entriesFor(parts[0]), ...this.entriesFor(parts[1])];
    }
    return [{ body, items, file: undefined, authRetried: false }];
  }

  private pump(): void {
    if (this.inflight || this.timer) return;
    const head = this.queue[0];
    if (!head) return;
    this.inflight = this.sendHead(head)
      .catch((error: unknown) => {
        // A bug here must not stop delivery for good: treat it as a failed attempt.
        this.failed({ kind: "retry", reason: String(error).slice(0, 120), afterMs: undefined });
      })
      .finally(() => {
        this.inflight = undefined;
        if (!this.closed || this.queue.length > 0) this.pump();
      });
  }

  private async sendHead(entry: Entry<T>): Promise<void> {
    const body = entry.body ?? (entry.file ? this.options.spool?.read(entry.file) : undefined);
    if (!body) {
      // Its file went (the spool's size limit): already counted there.
      this.shift(entry);
      return;
    }
    const helper = this.options.helper;
    const extra = helper ? await helper.current().catch(() => ({})) : {};
    const result = await this.options.transport.send(body, { ...this.options.headers, ...extra });
    switch (result.kind) {
      case "ok":
        this.shift(entry);
        this.stats.sent += 1;
        this.attempt = 0;
        if (this.outage) {
          this.options.log.info(
            `opencode-otel: the ${this.options.signal} collector is back after ${Math.round((Date.now() - this.outage.since) / 1000)} s; delivering what was kept.`,
          );
          this.outage = undefined;
        }
        return;
      case "auth":
        if (helper && !entry.authRetried) {
          // Credentials expired: run the helper again and retry this request once.
          entry.authRetried = true;
          await helper.refresh().catch(() => undefined);
          return;
        }
        this.shift(entry);
        this.drop(`the collector refused the credentials (${result.reason})`);
        return;
      case "too-large": {
        this.shift(entry);
        const parts = entry.items ? this.options.codec.split(entry.items) : undefined;
        if (!parts) {
          this.drop(`it is too large for the collector even alone (${result.reason})`);
          return;
        }
        this.queue.unshift(...this.entriesFor(parts[0]), ...this.entriesFor(parts[1]));
        return;
      }
      case "rejected":
        this.shift(entry);
        this.drop(`the collector rejected it (${result.reason})`);
        return;
      case "retry":
        this.failed(result);
        return;
    }
  }

  private failed(result: Extract<SendResult, { kind: "retry" }>): void {
    this.failures += 1;
    if (!this.outage) {
      this.outage = { since: Date.now(), reason: result.reason };
      this.options.log.warn(
        `opencode-otel: cannot deliver ${this.options.signal} (${result.reason}); ${this.options.spool ? `keeping exports in ${this.options.spool.dir}` : "keeping exports in memory"} and retrying.`,
      );
    }
    for (const entry of this.queue) this.persist(entry);
    const step = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] ?? 30_000;
    this.attempt += 1;
    const delay = result.afterMs ?? step * (0.75 + Math.random() * 0.5);
    if (this.closed) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.min(delay, 60_000),
    );
    // Retrying must never keep opencode alive.
    this.timer.unref?.();
  }

  private persist(entry: Entry<T>): void {
    const spool = this.options.spool;
    if (!spool || entry.file || !entry.body) return;
    try {
      const { path, dropped } = spool.write(this.options.signal, this.options.encoding, entry.body);
      entry.file = path;
      this.memoryBytes -= entry.body.length;
      entry.body = undefined;
      entry.items = undefined;
      this.stats.spooled += 1;
      if (dropped > 0) this.drop("the spool reached its size limit (oldest first)", dropped);
    } catch (error) {
      const code = typeof error === "object" && error && "code" in error ? String(error.code) : "";
      this.options.log.warn(
        `opencode-otel: cannot write the spool in ${spool.dir} (${code || "error"}); keeping exports in memory.`,
      );
    }
  }

  private shift(entry: Entry<T>): void {
    if (this.queue[0] === entry) this.queue.shift();
    else this.queue.splice(this.queue.indexOf(entry), 1);
    this.memoryBytes -= entry.body?.length ?? 0;
    if (entry.file) this.options.spool?.remove(entry.file);
  }

  private limitMemory(): void {
    const max = this.options.maxMemoryBytes ?? 16 * 1024 * 1024;
    let dropped = 0;
    // Never the head: it may be in flight.
    while (this.memoryBytes > max && this.queue.length > 1) {
      const oldest = this.queue.find((entry, index) => index > 0 && entry.body);
      if (!oldest) break;
      this.shift(oldest);
      dropped += 1;
    }
    if (dropped > 0) this.drop("the in-memory queue is full (oldest first)", dropped);
  }

  private drop(reason: string, count = 1): void {
    this.stats.dropped += count;
    this.options.log.warn(
      `opencode-otel: dropped ${count} ${this.options.signal} export(s): ${reason}. ${this.stats.dropped} dropped so far.`,
    );
  }
}

/** A cancellable wait (a finished flush must not leave its timer and promise behind). */
function sleep(ms: number): { done: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
    timer.unref?.();
  });
  return { done, cancel: () => clearTimeout(timer) };
}
