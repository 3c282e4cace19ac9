import { posix, win32 } from "node:path";

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
 * Pure: reads only its argument, so the config parse can use it too.
 */
export function storePathFor(context: StorePathContext): string {
  const { env, platform, home } = context;
  if (platform === "win32") {
    const data = env.LOCALAPPDATA || win32.join(home, "AppData", "Local");
    return win32.join(data, "opencode-otel", "telemetry.db");
  }
  // The XDG spec says a relative value is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  const data =
    platform === "darwin"
      ? posix.join(home, "Library", "Application Support")
      : xdg?.startsWith("/")
        ? xdg
        : posix.join(home, ".local", "share");
  return posix.join(data, "opencode-otel", "telemetry.db");
}
