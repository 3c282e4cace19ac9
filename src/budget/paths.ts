/**
 * Where budgets live on disk: the limits file the user writes, and the plugin's record of the
 * alerts it has shown. Pure: both are computed from the environment.
 */
type Env = Readonly<Record<string, string | undefined>>;

function home(env: Env): string {
  return env.HOME || env.USERPROFILE || ".";
}

/**
 * `$XDG_CONFIG_HOME/opencode-otel/budgets.json` (`~/.config/...`); `%APPDATA%\opencode-otel\...`
 * on Windows. Shared by the plugin and `opencode-otel budget`, so both see the same limits.
 */
export function defaultBudgetsPath(env: Env, platform: string = process.platform): string {
  if (platform === "win32" && env.APPDATA) return `${env.APPDATA}\\opencode-otel\\budgets.json`;
  // The XDG spec says a relative value is invalid and must be ignored.
  const config = env.XDG_CONFIG_HOME?.startsWith("/")
    ? env.XDG_CONFIG_HOME
    : `${home(env)}/.config`;
  return `${config}/opencode-otel/budgets.json`;
}

/** `$XDG_STATE_HOME/opencode-otel/budget-alerts` (`~/.local/state/...`): one file per alert shown. */
export function defaultAlertsDir(env: Env): string {
  const state = env.XDG_STATE_HOME?.startsWith("/")
    ? env.XDG_STATE_HOME
    : `${home(env)}/.local/state`;
  return `${state}/opencode-otel/budget-alerts`;
}

/** The home folder, for `~/` in project keys. */
export function homeOf(env: Env): string | undefined {
  return env.HOME || env.USERPROFILE || undefined;
}
