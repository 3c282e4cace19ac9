/** Where a command writes: the process's streams in `main.ts`, buffers in tests. */
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
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    // Read when asked, so a live view follows the terminal when it is resized.
    get columns() {
      return process.stdout.isTTY ? process.stdout.columns : undefined;
    },
    get rows() {
      return process.stdout.isTTY ? process.stdout.rows : undefined;
    },
    errIsTty: process.stderr.isTTY === true,
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
