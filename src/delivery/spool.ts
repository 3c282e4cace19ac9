import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { Encoding, Signal } from "./encode.js";

/**
 * The on-disk part of the outbox: one file per OTLP request body the collector did not take.
 * Several opencode processes share one folder, so every file is claimed by the process that
 * holds it (a `.<pid>.claim` suffix, taken by an atomic rename); a claim whose process is gone
 * is free again. Names sort by creation time, which is the order they are resent in.
 */
export class Spool {
  private seq = 0;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly pid = process.pid,
  ) {}

  /** Stores a body as claimed by this process; returns its path and how many old files went. */
  write(signal: Signal, encoding: Encoding, body: Uint8Array): { path: string; dropped: number } {
    mkdirSync(this.dir, { recursive: true });
    this.seq += 1;
    const stem = `${String(Date.now()).padStart(14, "0")}-${this.pid}-${String(this.seq).padStart(8, "0")}-${signal}-${encoding}`;
    const temporary = join(this.dir, `${stem}.tmp`);
    const path = join(this.dir, `${stem}.otlp.${this.pid}.claim`);
    writeFileSync(temporary, body);
    renameSync(temporary, path);
    return { path, dropped: this.enforceLimit(path) };
  }

  /** Claims every file of this signal that no live process holds, oldest first. */
  take(signal: Signal): { path: string; encoding: Encoding }[] {
    const taken: { path: string; encoding: Encoding }[] = [];
    if (!this.exists()) return taken;
    for (const name of this.list()) {
      const parsed = parseName(name);
      if (!parsed || parsed.signal !== signal) continue;
      if (parsed.owner !== undefined && (parsed.owner === this.pid || isAlive(parsed.owner)))
        continue;
      const path = join(this.dir, `${parsed.stem}.otlp.${this.pid}.claim`);
      try {
        renameSync(join(this.dir, name), path);
        taken.push({ path, encoding: parsed.encoding });
      } catch {
        // Another process claimed it first.
      }
    }
    return taken;
  }

  read(path: string): Uint8Array | undefined {
    try {
      return readFileSync(path);
    } catch {
      return undefined;
    }
  }

  remove(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // Already gone (dropped by the size limit): nothing to do.
    }
  }

  /** Gives a claimed file back, for the next process to send. */
  release(path: string): void {
    const unclaimed = path.replace(/\.otlp\.\d+\.claim$/, ".otlp");
    try {
      renameSync(path, unclaimed);
    } catch {
      // Gone already.
    }
  }

  private exists(): boolean {
    try {
      return statSync(this.dir).isDirectory();
    } catch {
      return false;
    }
  }

  private list(): string[] {
    try {
      return readdirSync(this.dir).sort();
    } catch {
      return [];
    }
  }

  /** Oldest first, drops files until the folder fits the limit again (never the newest one). */
  private enforceLimit(newest: string): number {
    const files = this.list()
      .filter((name) => parseName(name))
      .map((name) => {
        const path = join(this.dir, name);
        try {
          return { path, size: statSync(path).size };
        } catch {
          return { path, size: 0 };
        }
      });
    let total = files.reduce((sum, file) => sum + file.size, 0);
    let dropped = 0;
    for (const file of files) {
      if (total <= this.maxBytes) break;
      if (file.path === newest) continue;
      this.remove(file.path);
      total -= file.size;
      dropped += 1;
    }
    return dropped;
  }
}

const NAME = /^(\d{14}-\d+-\d{8}-(traces|metrics|logs)-(pb|json))\.otlp(?:\.(\d+)\.claim)?$/;

const SIGNALS: readonly Signal[] = ["traces", "metrics", "logs"];

function parseName(name: string) {
  const match = NAME.exec(name);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  const signal = SIGNALS.find((known) => known === match[2]);
  const encoding: Encoding = match[3] === "json" ? "json" : "pb";
  if (!signal) return undefined;
  return {
    stem: match[1],
    signal,
    encoding,
    owner: match[4] === undefined ? undefined : Number(match[4]),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by someone else.
    return typeof error === "object" && error !== null && "code" in error && error.code === "EPERM";
  }
}
