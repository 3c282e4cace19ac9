/** Where a command writes: the process's streams in `main.ts`, buffers in tests. */
import { writeSync } from "node:fs";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Terminal width for tables; undefined when stdout is not a terminal. */
  readonly columns: number | undefined;
  /** Terminal height (a live view fits its frame to it); undefined when unknown. */
  readonly rows?: number | undefined;
  /** True when stderr is a terminal, so progress can redraw one line with `\r`. */
  readonly errIsTty: boolean;
  /** Resolves when the user asks to stop (Ctrl-C, SIGTERM); long-running commands await it. */
  readonly interrupted: Promise<void>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The real streams and signals. Signals are only listened to once a command awaits them. */
export function processIo(): Io {
  let interrupted: Promise<void> | undefined;
  return {
    out: writeOut,
    err: (text) => process.stderr.write(text),
    // Read when asked, so a live view follows the terminal when it is resized.
    get columns() {
      return process.stdout.isTTY ? process.stdout.columns : undefined;
    },
    get rows() {
      return process.stdout.isTTY ? process.stdout.rows : undefined;
    },
    get errIsTty() {
      return process.stderr.isTTY === true;
    },
    get interrupted() {
      interrupted ??= new Promise<void>((resolve) => {
        for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
          process.once(signal, () => resolve());
        }
      });
      return interrupted;
    },
    env: process.env,
  };
}

let streamed = false;

/**
 * Writes to stdout with a plain `write(2)` on descriptor 1 while it takes it (a terminal, a file,
 * a blocking pipe), so a command that prints one line (the statusline, on every prompt) does not
 * set up Node's stream machinery: under Bun that alone costs about 25 ms of CPU. When the
 * descriptor refuses (a full non-blocking pipe), the rest, and everything after it, goes through
 * `process.stdout`, in order.
 */
function writeOut(text: string): void {
  if (!streamed) {
    const bytes = Buffer.from(text);
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(1, bytes, offset);
      return;
    } catch {
      streamed = true;
      process.stdout.write(bytes.subarray(offset));
      return;
    }
  }
  process.stdout.write(text);
}
