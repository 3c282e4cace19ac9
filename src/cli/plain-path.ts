/**
 * `path.resolve` for the statusline, which runs on every prompt: a path that is already absolute
 * and normal (the working directory, a full `--db` or `--dir`) is used as it is, and `node:path`
 * (several ms of CPU to load under Bun) loads only for any other.
 */
export async function resolvePath(path: string): Promise<string> {
  if (isPlain(path)) return path;
  const { resolve } = await import("node:path");
  return resolve(path);
}

/** Absolute POSIX, without empty, `.` or `..` segments and without a trailing slash. */
export function isPlain(path: string): boolean {
  if (process.platform === "win32") return false;
  return path === "/" || (path.startsWith("/") && !/\/\.{0,2}(?:\/|$)/.test(path));
}
