import { homedir } from "node:os";
import { join } from "node:path";

export interface PathContext {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
  readonly home?: string;
}

/**
 * The store's default file: the user's data folder, as each platform defines it.
 * Linux and other Unixes: `$XDG_DATA_HOME/opencode-otel/telemetry.db` (`~/.local/share/...`);
 * macOS: `~/Library/Application Support/opencode-otel/telemetry.db`;
 * Windows: `%LOCALAPPDATA%\opencode-otel\telemetry.db`.
 */
export function defaultStorePath(context: PathContext = {}): string {
  const env = context.env ?? process.env;
  const platform = context.platform ?? process.platform;
  const home = context.home ?? homedir();
  return join(dataDir(env, platform, home), "opencode-otel", "telemetry.db");
}

function dataDir(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform,
  home: string,
): string {
  if (platform === "win32") return env.LOCALAPPDATA || join(home, "AppData", "Local");
  if (platform === "darwin") return join(home, "Library", "Application Support");
  // The XDG spec says a relative value is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  return xdg?.startsWith("/") ? xdg : join(home, ".local", "share");
}
