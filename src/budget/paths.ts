/**
 * Where budgets live on disk: the limits file the user writes, and the plugin's record of the
 * alerts it has shown. Pure: both are computed from the environment; undefined when the
 * environment gives no absolute folder for them.
 */
import { xdgFolder } from "../config/folders.js";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `$XDG_CONFIG_HOME/opencode-otel/budgets.json` (`~/.config/...`); `%APPDATA%\\opencode-otel\\...`
 * on Windows. Shared by the plugin and `opencode-otel budget`, so both see the same limits.
 */
export function defaultBudgetsPath(
  env: Env,
  platform: string = process.platform,
): string | undefined {
  if (platform === "win32" && env.APPDATA) return `${env.APPDATA}\\opencode-otel\\budgets.json`;
  const config = xdgFolder(env, "CONFIG");
  return config && `${config}/opencode-otel/budgets.json`;
}

/** `$XDG_STATE_HOME/opencode-otel/budget-alerts` (`~/.local/state/...`): one file per alert shown. */
export function defaultAlertsDir(env: Env): string | undefined {
  const state = xdgFolder(env, "STATE");
  return state && `${state}/opencode-otel/budget-alerts`;
}
