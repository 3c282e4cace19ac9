/**
 * Drawing frames in place. At a terminal: the alternate screen (as `top` and `watch` use, so
 * the shell's scrollback is left as it was), no cursor, and each frame written over the last
 * from the top-left corner, every line cleared to its end and the rest of the screen below the
 * frame cleared, which repaints without a blank flash. Anything else (a pipe, a file) gets each
 * frame as plain text, one after the other, with no control sequences at all.
 */
import type { Io } from "../../io.js";

const ESC = "\x1b[";
export const ENTER = `${ESC}?1049h${ESC}?25l`;
export const LEAVE = `${ESC}?25h${ESC}?1049l`;
const HOME = `${ESC}H`;
const CLEAR_LINE_END = `${ESC}K`;
const CLEAR_BELOW = `${ESC}J`;

export interface Screen {
  draw(lines: readonly string[]): void;
  /** Gives the terminal back as it was (cursor shown, normal screen). */
  close(): void;
}

export function screenOf(io: Io): Screen {
  // `columns` is set only when stdout is a terminal.
  const tty = io.columns !== undefined;
  if (!tty)
    return {
      draw: (lines) => io.out(`${lines.join("\n")}\n\n`),
      close: () => undefined,
    };
  let open = false;
  return {
    draw(lines) {
      if (!open) {
        io.out(ENTER);
        open = true;
      }
      // Never more lines than the screen has, and no newline after the last: either would
      // scroll the screen, and the next frame would not land where this one did.
      const shown = io.rows ? lines.slice(0, Math.max(1, io.rows)) : lines;
      io.out(`${HOME}${shown.join(`${CLEAR_LINE_END}\n`)}${CLEAR_BELOW}`);
    },
    close() {
      if (open) io.out(LEAVE);
      open = false;
    },
  };
}
