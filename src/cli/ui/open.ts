import { spawn } from "node:child_process";

/**
 * Opens `url` in the user's browser with the platform's opener. Best effort: a machine without
 * one (a server, a container) still has the printed URL, so failure is only reported.
 */
export function openInBrowser(url: string, onFailure: (message: string) => void): void {
  const [command, ...args] =
    process.platform === "darwin"
      ? ["open", url]
      : process.platform === "win32"
        ? ["cmd", "/c", "start", '""', url]
        : ["xdg-open", url];
  try {
    const child = spawn(command ?? "xdg-open", args, { stdio: "ignore", detached: true });
    child.on("error", (error) => onFailure(`could not open a browser (${error.message})`));
    child.unref();
  } catch (error) {
    onFailure(`could not open a browser (${String(error)})`);
  }
}
