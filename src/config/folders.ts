/**
 * The user's folders as the environment names them, absolute or not at all. A relative `HOME`
 * or `XDG_*_HOME` would be read against opencode's working directory, the project it runs in,
 * so telemetry, ids and records would land inside the user's repository; the XDG base
 * directory spec also says a relative value is invalid and must be ignored.
 */
import { posix, win32 } from "node:path";

type Env = Readonly<Record<string, string | undefined>>;

/** `value` when it is an absolute path as either platform writes one, else undefined. */
export function absolutePath(value: string | undefined): string | undefined {
  return value && (posix.isAbsolute(value) || win32.isAbsolute(value)) ? value : undefined;
}

/** `$HOME`, else `%USERPROFILE%`, whichever is absolute first. */
export function homeFolder(env: Env): string | undefined {
  return absolutePath(env.HOME) ?? absolutePath(env.USERPROFILE);
}

/**
 * An XDG base folder: `$XDG_<NAME>_HOME` when absolute, else `<home>/<fallback>` (for example
 * `state` → `~/.local/state`); undefined when neither is absolute.
 */
export function xdgFolder(env: Env, name: "CONFIG" | "DATA" | "STATE"): string | undefined {
  const explicit = absolutePath(env[`XDG_${name}_HOME`]);
  if (explicit) return explicit;
  const home = homeFolder(env);
  const fallback = { CONFIG: ".config", DATA: ".local/share", STATE: ".local/state" }[name];
  return home && `${home}/${fallback}`;
}
