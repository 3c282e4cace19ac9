import { mkdir, open, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";

/**
 * The alerts already shown, shared by every opencode process: one small file per alert in the
 * state folder, created with an exclusive create (`wx`), so of several processes that reach the
 * same threshold at once exactly one shows it, and none shows it again after a restart.
 */
export class AlertLedger {
  private ready: Promise<unknown> | undefined;

  /** `dir` undefined: there is no state folder (no absolute home); alerts are remembered in memory. */
  constructor(private readonly dir: string | undefined) {}

  /**
   * True when this call is the first, in any process, to claim `key`. Throws when the folder
   * cannot be written or there is none (the caller then keeps to its own memory).
   */
  async claim(key: string, record: Readonly<Record<string, unknown>>): Promise<boolean> {
    const dir = this.dir;
    if (!dir)
      throw new Error(
        "no folder for shared alert records: neither XDG_STATE_HOME nor HOME is absolute",
      );
    this.ready ??= mkdir(dir, { recursive: true });
    await this.ready;
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(join(dir, fileName(key)), "wx");
    } catch (error) {
      if (typeof error === "object" && error !== null && "code" in error && error.code === "EEXIST")
        return false;
      throw error;
    }
    try {
      await file.writeFile(`${JSON.stringify({ key, ...record })}\n`);
    } finally {
      await file.close();
    }
    return true;
  }

  /** Removes records older than `maxAgeMs` (a month's alerts are not needed after it ends). */
  async prune(maxAgeMs: number, now: number): Promise<void> {
    const dir = this.dir;
    if (!dir) return;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.endsWith(".alert")) continue;
      const path = join(dir, name);
      try {
        if (now - (await stat(path)).mtimeMs > maxAgeMs) await rm(path, { force: true });
      } catch {
        // Another process pruned it first.
      }
    }
  }
}

/** A readable, file-safe name with a hash of the whole key (project paths make keys long). */
function fileName(key: string): string {
  const readable = key
    .slice(key.lastIndexOf(": ") + 1)
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .slice(0, 80);
  return `${readable}.${fnv1a(key)}.alert`;
}

/** 64-bit FNV-1a, hex: no crypto module needed for a file name. */
function fnv1a(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}
