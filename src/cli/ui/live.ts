import type { ServerResponse } from "node:http";
import type { Changes, SessionIndex } from "../../store/index.js";

/** Enough for every tab a person opens; more would only hold sockets open. */
const MAX_CLIENTS = 64;
const HEARTBEAT_MS = 15_000;
const MAX_IDS = 500;

/**
 * Server-sent events for open pages. Other processes write the store, so the viewer polls it:
 * the newest row ids cost microseconds to read, and only when they moved does the session index
 * re-read the sessions that the new rows touched. Polling runs only while a page listens.
 */
export class Live {
  private readonly clients = new Set<ServerResponse>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly index: SessionIndex,
    private readonly pollMs: number,
    private readonly onProblem: (message: string) => void,
  ) {}

  /** Opens an event stream on `res`; false when too many are open. */
  subscribe(res: ServerResponse): boolean {
    if (this.clients.size >= MAX_CLIENTS) return false;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify(this.index.rowIds)}\n\n`);
    this.clients.add(res);
    res.on("close", () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    this.start();
    return true;
  }

  /** Applies new rows now (a request that must not wait for the next tick). */
  poll(): Changes | undefined {
    let changes: Changes | undefined;
    try {
      changes = this.index.update();
    } catch (error) {
      // A store locked past its busy timeout: try again on the next tick.
      this.onProblem(`could not read the store: ${String(error)}`);
      return undefined;
    }
    if (changes) {
      // A page only needs to know whether what it shows changed; past a few hundred ids
      // "everything may have" says the same in fewer bytes.
      const many = changes.sessions.length + changes.traces.length > MAX_IDS;
      this.broadcast("change", many ? { ids: changes.ids, all: true } : changes);
    }
    return changes;
  }

  /** Tells every open page that anything may have changed (a read of every session ended). */
  announceAll(): void {
    this.broadcast("change", { ids: this.index.rowIds, all: true });
  }

  get listeners(): number {
    return this.clients.size;
  }

  close(): void {
    this.stop();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private broadcast(event: string, data: unknown): void {
    const message = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) client.write(message);
  }

  private start(): void {
    this.timer ??= setInterval(() => this.poll(), this.pollMs);
    this.heartbeat ??= setInterval(() => {
      for (const client of this.clients) client.write(": ping\n\n");
    }, HEARTBEAT_MS);
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
  }
}
