/**
 * One progress line on stderr: redrawn in place on a terminal; when stderr is a file or a pipe,
 * written as plain lines at most every few seconds, so logs stay readable.
 */
import type { Io } from "./io.js";

export interface Progress {
  update(text: string): void;
  /** Replaces the line with a final one (always written). */
  done(text: string): void;
}

export function createProgress(io: Io, options: { intervalMs?: number; now?: () => number } = {}) {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? (io.errIsTty ? 100 : 5000);
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  const progress: Progress = {
    update(text) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      drawn = io.errIsTty;
      io.err(io.errIsTty ? `\r${text}\x1b[K` : `${text}\n`);
    },
    done(text) {
      io.err(drawn ? `\r${text}\x1b[K\n` : `${text}\n`);
      drawn = false;
    },
  };
  return progress;
}
