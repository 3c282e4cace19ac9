/**
 * Which store file a command uses: `--db`, else `$OPENCODE_OTEL_STORE` (what the plugin's local
 * exporter writes to), else the user data folder. Its own module, so that the statusline can
 * find the file without loading the whole store.
 */
import { resolve } from "node:path";
import { defaultStorePath } from "../store/paths.js";
import { CliError } from "./errors.js";

export function storePathOf(
  db: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
) {
  const chosen = db ?? (env.OPENCODE_OTEL_STORE || undefined);
  if (chosen) return resolve(chosen);
  // `os.homedir()` is `$HOME` as set, even relative: a store under it would follow the shell's
  // working directory, and would not be the one the plugin writes.
  const path = defaultStorePath({ env });
  if (path === undefined)
    throw new CliError(
      `no default store: the home folder is not an absolute path (HOME="${env.HOME ?? ""}"); pass --db FILE or set OPENCODE_OTEL_STORE`,
    );
  return path;
}
