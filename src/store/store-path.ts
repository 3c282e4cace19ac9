import { posix, win32 } from "node:path";
import { absolutePath } from "../config/folders.js";

/** Where a store path is computed for: the environment, the platform and the home folder. */
export interface StorePathContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: string;
  readonly home: string;
}

/**
 * The store's default file, the one rule shared by the plugin's local exporter and the CLI (so
 * `report` reads what the plugin wrote): the user's data folder as each platform defines it.
 * Linux and other Unixes: `$XDG_DATA_HOME/opencode-otel/telemetry.db` (`~/.local/share/...`);
 * macOS: `~/Library/Application Support/opencode-otel/telemetry.db`;
 * Windows: `%LOCALAPPDATA%\opencode-otel\telemetry.db`.
 * Undefined when no absolute folder gives one: a relative home (or data folder, which the XDG
 * spec says to ignore) would put the store inside whatever project opencode runs in.
 * Pure: reads only its argument, so the config parse can use it too.
 */
export function storePathFor(context: StorePathContext): string | undefined {
  const { env, platform } = context;
  const home = absolutePath(context.home);
  if (platform === "win32") {
    const data = absolutePath(env.LOCALAPPDATA) ?? (home && win32.join(home, "AppData", "Local"));
    return data && win32.join(data, "opencode-otel", "telemetry.db");
  }
  const data =
    platform === "darwin"
      ? home && posix.join(home, "Library", "Application Support")
      : (absolutePath(env.XDG_DATA_HOME) ?? (home && posix.join(home, ".local", "share")));
  return data && posix.join(data, "opencode-otel", "telemetry.db");
}
