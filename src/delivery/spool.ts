import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { DiagnosticLog } from "../log.js";
import type { Encoding, Signal } from "./encode.js";

/** Why a body could not be written to the spool (an errno code, or `refused` for the folder). */
export class SpoolWriteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SpoolWriteError";
  }
}

// O_NOFOLLOW is POSIX; where the platform has none (Windows), 0 leaves the flags as they were.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;
const READ = constants.O_RDONLY | NOFOLLOW;

/**
 * The on-disk part of the outbox: one file per OTLP request body the collector did not take.
 * Several opencode processes of one user share one folder, so every file is claimed by the
 * process that holds it (a `.<pid>.claim` suffix, taken by an atomic rename); a claim whose
 * process is gone is free again. Names sort by creation time, which is the order they are
 * resent in.
 *
 * The folder holds what the collector would have received (prompts and tool output when capture
 * is on), so it is private: created 0700, used only while it is owned by this user and writable
 * by nobody else, files created 0600 with `O_EXCL|O_NOFOLLOW` under unpredictable names, and read
 * back only when they are regular files of this user (a symlink planted at a spool name is never
 * followed, neither to write its target nor to send it).
 */
export class Spool {
  private seq = 0;
  /** Undefined until first used; then true, or why the folder is refused. */
  private state: true | string | undefined;
  private warnedForeign = false;
  private readonly uid = process.getuid?.();

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly log: DiagnosticLog | undefined = undefined,
    private readonly pid = process.pid,
  ) {}

  /** Whether the folder may be used (checked once, logged once when it may not). */
  usable(): boolean {
    if (this.state === undefined) {
      this.state = this.check();
      if (this.state !== true)
        this.log?.warn(
          `opencode-otel: not using the spool folder ${this.dir}: ${this.state}. Exports the collector does not take are kept in memory only, and what is left at exit is lost (set spoolDir to a private folder).`,
        );
    }
    return this.state === true;
  }

  /** Why the folder is refused, when it is. */
  refusal(): string | undefined {
    return typeof this.state === "string" ? this.state : undefined;
  }

  /**
   * Stores a body as claimed by this process; returns its path and how many old files went.
   * Throws `SpoolWriteError` when it cannot (nothing is left behind then).
   */
  write(signal: Signal, encoding: Encoding, body: Uint8Array): { path: string; dropped: number } {
    if (!this.usable()) throw new SpoolWriteError("refused", this.refusal() ?? "refused");
    this.seq += 1;
    const stem = `${String(Date.now()).padStart(14, "0")}-${String(this.seq).padStart(8, "0")}-${randomBytes(8).toString("hex")}-${signal}-${encoding}`;
    const temporary = join(this.dir, `${stem}.${this.pid}.tmp`);
    const path = join(this.dir, `${stem}.otlp.${this.pid}.claim`);
    let fd: number;
    try {
      fd = openSync(temporary, CREATE, 0o600);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw asWriteError(error);
      // The folder was removed while in use: make it again (checked again) and retry once.
      this.state = undefined;
      if (!this.usable()) throw new SpoolWriteError("refused", this.refusal() ?? "refused");
      try {
        fd = openSync(temporary, CREATE, 0o600);
      } catch (again) {
        throw asWriteError(again);
      }
    }
    try {
      let offset = 0;
      while (offset < body.length) offset += writeSync(fd, body, offset, body.length - offset);
      closeSync(fd);
      renameSync(temporary, path);
    } catch (error) {
      // A full disk or a size limit leaves a partial temporary file: it holds nothing usable.
      try {
        closeSync(fd);
      } catch {
        // Closed already.
      }
      this.remove(temporary);
      throw asWriteError(error);
    }
    return { path, dropped: this.enforceLimit(path) };
  }

  /** Claims every file of this signal that no live process holds, oldest first. */
  take(signal: Signal): { path: string; encoding: Encoding }[] {
    const taken: { path: string; encoding: Encoding }[] = [];
    if (!this.exists() || !this.usable()) return taken;
    for (const name of this.list()) {
      const parsed = parseName(name);
      if (!parsed || parsed.signal !== signal) continue;
      if (parsed.owner !== undefined && (parsed.owner === this.pid || isAlive(parsed.owner)))
        continue;
      const from = join(this.dir, name);
      if (!this.isOwnFile(lstatOrUndefined(from))) continue;
      const path = join(this.dir, `${parsed.stem}.otlp.${this.pid}.claim`);
      try {
        renameSync(from, path);
        taken.push({ path, encoding: parsed.encoding });
      } catch {
        // Another process claimed it first.
      }
    }
    return taken;
  }

  /** A spooled body; undefined unless it is a regular file of this user (a link is not followed). */
  read(path: string): Uint8Array | undefined {
    let fd: number | undefined;
    try {
      fd = openSync(path, READ);
      // Checked on the open file itself: nothing can be swapped in between.
      if (!this.isOwnFile(fstatSync(fd))) return undefined;
      return readFileSync(fd);
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  remove(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // Already gone (dropped by the size limit): nothing to do.
    }
  }

  /** Gives a claimed file back, for the next process to send; returns where it is now. */
  release(path: string): string {
    const unclaimed = path.replace(/\.otlp\.\d+\.claim$/, ".otlp");
    try {
      renameSync(path, unclaimed);
      return unclaimed;
    } catch {
      // Gone already.
      return path;
    }
  }

  /** Creates the folder private, or says why it must not be used. */
  private check(): true | string {
    try {
      // Missing parents are made 0700 too (the XDG base directory spec asks that of them).
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      return `it cannot be created (${describeError(error)})`;
    }
    let link: Stats;
    let folder: Stats;
    try {
      link = lstatSync(this.dir);
      folder = statSync(this.dir);
    } catch (error) {
      return `it cannot be examined (${describeError(error)})`;
    }
    if (!folder.isDirectory()) return "it is not a folder";
    if (this.uid === undefined) return true;
    if (link.isSymbolicLink() && link.uid !== this.uid)
      return `it is a symbolic link owned by uid ${link.uid}, not by this user (uid ${this.uid})`;
    if (folder.uid !== this.uid)
      return `it is owned by uid ${folder.uid}, not by this user (uid ${this.uid})`;
    if ((folder.mode & 0o022) !== 0)
      return `other users may write in it (mode ${(folder.mode & 0o777).toString(8).padStart(4, "0")})`;
    if ((folder.mode & 0o077) !== 0) {
      // Ours, but readable by others (made by an earlier version): make it private.
      try {
        chmodSync(this.dir, 0o700);
      } catch (error) {
        return `it cannot be made private (${describeError(error)})`;
      }
    }
    return true;
  }

  private isOwnFile(stats: Stats | undefined): boolean {
    if (!stats?.isFile()) return false;
    if (this.uid === undefined) return true;
    if (stats.uid !== this.uid || stats.nlink > 1) return false;
    // Written 0644 by an earlier version: nobody else can reach it in a private folder anyway.
    return true;
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

  /**
   * Oldest first, drops spool files until the folder fits the limit again (never the newest).
   * Everything in the folder counts toward the limit, files of unknown kinds included (they are
   * not ours to delete, but they take the same disk); temporary files of processes that are gone
   * are removed.
   */
  private enforceLimit(newest: string): number {
    const ours: { path: string; size: number }[] = [];
    let total = 0;
    let foreign = 0;
    let foreignBytes = 0;
    for (const name of this.list()) {
      const path = join(this.dir, name);
      const stats = lstatOrUndefined(path);
      if (!stats) continue;
      const temporary = TEMPORARY.exec(name);
      if (temporary && this.isOwnFile(stats)) {
        const owner = Number(temporary[1]);
        if (owner === this.pid || !isAlive(owner)) {
          this.remove(path);
          continue;
        }
      }
      const size = stats.isDirectory() ? 0 : stats.size;
      total += size;
      if (parseName(name) && this.isOwnFile(stats)) ours.push({ path, size });
      else if (!temporary) {
        foreign += 1;
        foreignBytes += size;
      }
    }
    if (foreign > 0 && !this.warnedForeign) {
      this.warnedForeign = true;
      this.log?.warn(
        `opencode-otel: ${foreign} file(s) in the spool folder ${this.dir} are not spool files (${Math.ceil(foreignBytes / 1024)} KiB); they count toward spoolMaxMb and are left alone.`,
      );
    }
    let dropped = 0;
    for (const file of ours) {
      if (total <= this.maxBytes) break;
      if (file.path === newest) continue;
      this.remove(file.path);
      total -= file.size;
      dropped += 1;
    }
    return dropped;
  }
}

// `<ms>-<seq>-<random>-<signal>-<encoding>.otlp[.<pid>.claim]`; earlier versions wrote
// `<ms>-<pid>-<seq>-…`, which the same pattern reads, so their files are still sent.
const NAME =
  /^(\d{14}-[0-9a-f]+-[0-9a-f]+-(traces|metrics|logs)-(pb|json))\.otlp(?:\.(\d+)\.claim)?$/;
const TEMPORARY = /^\d{14}-[0-9a-f]+-[0-9a-f]+-(?:traces|metrics|logs)-(?:pb|json)\.(\d+)\.tmp$/;

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

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function errorCode(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
}

const MEANINGS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "a part of the path is a file, not a folder",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "file size limit exceeded",
  EROFS: "read-only file system",
  EEXIST: "a file is in the way",
  ELOOP: "a symbolic link is in the way",
  ENOENT: "the folder is gone",
};

function describeError(error: unknown): string {
  const code = errorCode(error);
  if (!code) return error instanceof Error ? error.message.slice(0, 120) : "error";
  const meaning = MEANINGS[code];
  return meaning ? `${code}: ${meaning}` : code;
}

function asWriteError(error: unknown): SpoolWriteError {
  return new SpoolWriteError(errorCode(error) || "error", describeError(error));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by someone else.
    return errorCode(error) === "EPERM";
  }
}
