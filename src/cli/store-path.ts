/**
 * Which store file a command uses: `--db`, else `$OPENCODE_OTEL_STORE` (what the plugin's local
 * exporter writes to), else the user data folder. Its own module, so that the statusline can
 * find the file without loading the whole store.
 */
import { resolve } from "node:path";
import { defaultStorePath } from "../store/paths.js";

export function storePathOf(
  db: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
) {
  const chosen = db ?? (env.OPENCODE_OTEL_STORE || undefined);
  return chosen ? resolve(chosen) : defaultStorePath({ env });
}
