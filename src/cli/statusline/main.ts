/**
 * The statusline's own way in from `main.ts`: a shell prompt runs it every time, so it loads this
 * command alone (not the dispatcher and every other command's definition) and prints through
 * `Bun.write` under Bun, which costs far less than loading `node:fs` or setting up
 * `process.stdout`. `--help` and errors print as every other command's do.
 */
import type { Io } from "../io.js";
import { runCommand } from "../run-command.js";
import { unsupportedRuntime } from "../runtime.js";
import { runStatusline } from "./run.js";
import { statuslineSpec } from "./spec.js";

export async function statuslineMain(argv: readonly string[]): Promise<number> {
  const unsupported = unsupportedRuntime();
  if (unsupported) {
    process.stderr.write(`${unsupported}\n`);
    return 2;
  }
  // The command prints once, at the end: collected here, written in one go.
  let out = "";
  const io: Io = {
    out: (text) => {
      out += text;
    },
    err: (text) => process.stderr.write(text),
    columns: undefined,
    errIsTty: false,
    interrupted: new Promise<void>(() => {}),
    env: process.env,
  };
  // Its work is imported here, not on demand as the dispatcher does: one module less to load.
  const code = await runCommand({ ...statuslineSpec, run: runStatusline }, argv, io);
  if (out === "") return code;
  // Node's own stdout is cheap under Node, and writes to a file or pipe synchronously.
  if (typeof Bun !== "undefined") await Bun.write(Bun.stdout, out);
  else process.stdout.write(out);
  return code;
}
