import type { DiagnosticLog } from "../log.js";
import type { HeaderSource } from "../sdk/headers-helper.js";
import type { Codec, Encoding, Signal } from "./encode.js";
import type { PartialSuccess } from "./response.js";
import { type Spool, SpoolWriteError } from "./spool.js";
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
  /** Spans, log records or data points in it; unknown for a file an earlier process spooled. */
  count: number | undefined;
}

const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

/** Partial-success reports are logged at most this often per signal (the rest are summed). */
const PARTIAL_LOG_MS = 60_000;

const UNITS: Record<Signal, string> = {
  traces: "span(s)",
  logs: "log record(s)",
  metrics: "data point(s)",
};

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
  /** Set when retrying cannot help (TLS, not an OTLP endpoint): nothing more is sent. */
  private halted: string | undefined;
  /** The last spool write failure, until a write works again. */
  private writeError: string | undefined;
  private partial = { requests: 0, rejected: 0, message: "", loggedAt: 0 };
  /**
   * Requests delivered, dropped (rejected, too large alone, over limits, lost at exit) and
   * spooled so far; `rejected`: items the collector refused inside accepted requests.
   */
  readonly stats = { sent: 0, dropped: 0, spooled: 0, rejected: 0 };

  constructor(private readonly options: OutboxOptions<T>) {
    // Exports an earlier process could not deliver go first.
    for (const file of options.spool?.take(options.signal) ?? []) {
      if (file.encoding !== options.encoding) {
        // Spooled as JSON but sending protobuf now (or the reverse): cannot be converted.
        options.spool?.remove(file.path);
        this.drop(`it was spooled as ${file.encoding} and the protocol changed`);
        continue;
      }
      this.queue.push({
        body: undefined,
        items: undefined,
        file: file.path,
        authRetried: false,
        count: undefined,
      });
    }
    if (this.queue.length > 0) this.pump();
  }

  /** Queues a batch (never throws, never waits). */
  add(items: T): void {
    if (this.closed) return;
    for (const entry of this.entriesFor(items)) {
      this.queue.push(entry);
      this.memoryBytes += entry.body?.length ?? 0;
    }
    // While the collector is away, new requests go straight to disk: a crash loses nothing.
    if (this.outage) this.persistAll();
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

  /**
   * Last chance: send for at most `timeoutMs`, then keep whatever is left for the next process.
   * A request still in flight is kept too (at-least-once): if its answer is a success after all
   * and arrives before the process ends, its file is removed again; otherwise the next process
   * sends it, and a collector that had taken it gets it twice.
   */
  async close(timeoutMs: number): Promise<void> {
    // The collector may be back since the last attempt: try once more before giving up.
    if (!this.halted) await this.flush(timeoutMs, true);
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const spool = this.options.spool;
    let kept = 0;
    let lost = 0;
    let lostItems = 0;
    let unknownItems = false;
    for (const entry of this.queue) {
      this.persist(entry);
      if (entry.file && spool) {
        entry.file = spool.release(entry.file);
        kept += 1;
      } else {
        lost += 1;
        if (entry.count === undefined) unknownItems = true;
        lostItems += entry.count ?? 0;
      }
    }
    const signal = this.options.signal;
    if (kept > 0 && spool)
      this.options.log.warn(
        `opencode-otel: ${kept} ${signal} export(s) not delivered yet are kept in ${spool.dir}; the next opencode process sends them${this.inflight ? " (one was still awaiting the collector's answer: if it was taken, it arrives twice)" : ""}.`,
      );
    if (lost > 0) {
      this.stats.dropped += lost;
      this.options.log.warn(
        `opencode-otel: lost ${lost} ${signal} export(s) (${lostItems}${unknownItems ? "+" : ""} ${UNITS[signal]}) at exit: ${this.whyNotKept()}. ${this.stats.dropped} ${signal} export(s) dropped in all.`,
      );
    }
    this.logPartial(true);
    this.queue.length = 0;
    // A request still in flight keeps its connection until it settles (or the process ends).
    const inflight = this.inflight;
    if (inflight) void inflight.finally(() => this.options.transport.close());
    else this.options.transport.close();
  }

  private whyNotKept(): string {
    const spool = this.options.spool;
    if (!spool) return "the collector had not taken them and the spool is off";
    const refused = spool.refusal();
    if (refused) return `the spool folder ${spool.dir} is not used (${refused})`;
    return `the spool in ${spool.dir} could not be written (${this.writeError ?? "error"})`;
  }

  private entriesFor(items: T): Entry<T>[] {
    const body = this.options.codec.encode(items);
    const max = this.options.maxRequestBytes ?? 4 * 1024 * 1024;
    if (body.length > max) {
      const parts = this.options.codec.split(items);
      if (parts) return [...this.entriesFor(parts[0]), ...this.entriesFor(parts[1])];
    }
    return [
      { body, items, file: undefined, authRetried: false, count: this.options.codec.count(items) },
    ];
  }

  private pump(): void {
    if (this.inflight || this.timer || this.halted) return;
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
    if (this.closed && result.kind !== "ok") {
      // Answered after close: the request is in the spool already (or counted as lost).
      return;
    }
    switch (result.kind) {
      case "ok":
        // After close too: the copy kept at close is removed, no duplicate where it arrived.
        this.shift(entry);
        this.stats.sent += 1;
        if (result.partial) this.partialSuccess(result.partial);
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
      case "misconfigured":
        this.halt(result.reason);
        return;
    }
  }

  /**
   * Every request would fail the same way: stop sending this signal in this process and keep
   * what there is (spool, within its limit) for a process started after the fix.
   */
  private halt(reason: string): void {
    this.failures += 1;
    this.halted = reason;
    this.outage ??= { since: Date.now(), reason };
    this.options.log.error(
      `opencode-otel: cannot deliver ${this.options.signal}: ${reason}. Retrying cannot fix this, so this process sends no more ${this.options.signal}; exports are kept ${this.where()} until the endpoint or its TLS settings are fixed and opencode restarts.`,
    );
    this.persistAll();
  }

  /** Items the collector refused inside accepted requests: counted, logged at most once a minute. */
  private partialSuccess(partial: PartialSuccess): void {
    this.stats.rejected += partial.rejected;
    this.partial.requests += 1;
    this.partial.rejected += partial.rejected;
    if (partial.message) this.partial.message = partial.message.slice(0, 200);
    this.logPartial(false);
  }

  private logPartial(final: boolean): void {
    const pending = this.partial;
    if (pending.requests === 0) return;
    if (!final && Date.now() - pending.loggedAt < PARTIAL_LOG_MS) return;
    const signal = this.options.signal;
    this.options.log.warn(
      `opencode-otel: the ${signal} collector accepted ${pending.requests} request(s) only in part: it rejected ${pending.rejected} ${UNITS[signal]}${pending.message ? ` ("${pending.message}")` : ""}. ${this.stats.rejected} rejected in all.`,
    );
    this.partial = { requests: 0, rejected: 0, message: "", loggedAt: Date.now() };
  }

  /** Where kept exports are, truthfully. */
  private where(): string {
    const spool = this.options.spool;
    if (spool?.usable() && !this.writeError) return `in ${spool.dir}`;
    return "in memory only (lost at exit)";
  }

  private failed(result: Extract<SendResult, { kind: "retry" }>): void {
    this.failures += 1;
    if (!this.outage) {
      this.outage = { since: Date.now(), reason: result.reason };
      this.options.log.warn(
        `opencode-otel: cannot deliver ${this.options.signal} (${result.reason}); keeping exports ${this.where()} and retrying.`,
      );
    }
    this.persistAll();
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

  /** Writes every in-memory request to the spool, stopping at the first failure. */
  private persistAll(): void {
    for (const entry of this.queue) if (!this.persist(entry)) return;
  }

  /** False when the spool could not take it (the request stays in memory). */
  private persist(entry: Entry<T>): boolean {
    const spool = this.options.spool;
    if (!spool || entry.file || !entry.body) return true;
    if (!spool.usable()) return false;
    try {
      const { path, dropped } = spool.write(this.options.signal, this.options.encoding, entry.body);
      entry.file = path;
      this.memoryBytes -= entry.body.length;
      entry.body = undefined;
      entry.items = undefined;
      this.stats.spooled += 1;
      if (this.writeError) {
        this.writeError = undefined;
        this.options.log.info(
          `opencode-otel: the spool in ${spool.dir} can be written again; keeping ${this.options.signal} exports there.`,
        );
      }
      if (dropped > 0) this.drop("the spool reached its size limit (oldest first)", dropped);
      return true;
    } catch (error) {
      const reason = error instanceof SpoolWriteError ? error.message : String(error).slice(0, 120);
      if (this.writeError !== reason)
        this.options.log.warn(
          `opencode-otel: cannot write ${this.options.signal} exports to the spool in ${spool.dir} (${reason}); keeping them in memory (at most ${Math.round(this.maxMemory() / 1024 / 1024)} MiB, oldest dropped first). What is still only in memory when opencode exits is lost, and the exit log says how much.`,
        );
      this.writeError = reason;
      return false;
    }
  }

  private shift(entry: Entry<T>): void {
    const index = this.queue.indexOf(entry);
    // Not queued any more (answered after close): only its kept copy is left to remove.
    if (index >= 0) {
      this.queue.splice(index, 1);
      this.memoryBytes -= entry.body?.length ?? 0;
    }
    if (entry.file) this.options.spool?.remove(entry.file);
  }

  private maxMemory(): number {
    return this.options.maxMemoryBytes ?? 16 * 1024 * 1024;
  }

  private limitMemory(): void {
    const max = this.maxMemory();
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
