/**
 * A remembered block start per store, so that the statusline walks the 5-hour block chain from
 * the current block instead of from the store's first call (a year of continuous use is a few
 * thousand blocks; the remembered start leaves zero to two). It is only a shortcut: it is used
 * when the store's first call is still the one it was computed from and it is not after the
 * moment asked for, and a lost or unreadable file just means the walk starts from the beginning.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

interface Anchor {
  /** The store's first block start when this was computed. */
  readonly first: number;
  /** A block start found from it. */
  readonly start: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `$XDG_CACHE_HOME/opencode-otel/blocks.json` (`~/.cache/...`). */
export function anchorPath(env: Env): string {
  if (process.platform === "win32" && env.LOCALAPPDATA)
    return join(env.LOCALAPPDATA, "opencode-otel", "cache", "blocks.json");
  const cache = env.XDG_CACHE_HOME?.startsWith("/")
    ? env.XDG_CACHE_HOME
    : join(env.HOME || env.USERPROFILE || ".", ".cache");
  return join(cache, "opencode-otel", "blocks.json");
}

export class BlockAnchors {
  private anchors: Record<string, Anchor> | undefined;

  constructor(private readonly path: string) {}

  /** The remembered block start when it still holds for `at`; undefined otherwise. */
  from(store: string, first: number, at: number): number | undefined {
    const anchor = this.read()[store];
    return anchor && anchor.first === first && anchor.start <= at && anchor.start >= first
      ? anchor.start
      : undefined;
  }

  /** Remembers `start` (a block start found walking from `first`) when it is a later one. */
  remember(store: string, first: number, start: number): void {
    const anchors = this.read();
    const known = anchors[store];
    if (known && known.first === first && known.start >= start) return;
    anchors[store] = { first, start };
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      // Written aside and renamed: a reader never sees half a file.
      const temporary = `${this.path}.${process.pid}`;
      writeFileSync(temporary, JSON.stringify(anchors));
      renameSync(temporary, this.path);
    } catch {
      // A read-only cache folder only costs the longer walk next time.
    }
  }

  private read(): Record<string, Anchor> {
    if (this.anchors) return this.anchors;
    const anchors: Record<string, Anchor> = {};
    try {
      const raw: unknown = JSON.parse(readFileSync(this.path, "utf8"));
      if (typeof raw === "object" && raw !== null)
        for (const [store, value] of Object.entries(raw))
          if (
            typeof value === "object" &&
            value !== null &&
            typeof value.first === "number" &&
            typeof value.start === "number"
          )
            anchors[store] = { first: value.first, start: value.start };
    } catch {
      // No file yet, or not ours: start from nothing.
    }
    this.anchors = anchors;
    return anchors;
  }
}
