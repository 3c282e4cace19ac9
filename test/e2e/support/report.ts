/**
 * `opencode-otel report --json` on the local store that the plugin wrote inside opencode: the
 * built CLI (`dist/cli.js`), run as a user runs it.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Report } from "../../../src/store/index.js";
import { PACKAGE_DIR } from "./opencode.js";

export function storeReport(db: string, by: string): Report {
  const run = spawnSync(
    process.execPath,
    [join(PACKAGE_DIR, "dist/cli.js"), "report", "--by", by, "--json", "--db", db],
    { encoding: "utf8" },
  );
  if (run.status !== 0) throw new Error(`report exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Report;
}

/** Plugin settings that also write every record to the local store at `db`. */
export function localStore(db: string): Record<string, string> {
  return { OPENCODE_OTEL_LOCAL: "1", OPENCODE_OTEL_STORE: db };
}
