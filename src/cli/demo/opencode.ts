/**
 * Runs the real opencode binary isolated in a throwaway folder: its own HOME and XDG folders
 * (so nothing of the user's opencode setup is read or written), the scripted model as the only
 * provider, and this package as the plugin. Mirrors `test/e2e/support/opencode.ts`.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "../errors.js";
import { isObj } from "../otlp/values.js";

/** Prices (USD per million tokens) so every step has a cost to report. */
export const PRICES = { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 } as const;

export interface Sandbox {
  readonly home: string;
  readonly project: string;
}

/** Writes the global config: scripted provider, prices, permissions that never ask, the plugin. */
export function writeConfig(sandbox: Sandbox, modelUrl: string, packageDir: string): void {
  const dir = join(sandbox.home, ".config", "opencode");
  mkdirSync(dir, { recursive: true });
  const config = {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    model: "demo/demo-model",
    small_model: "demo/demo-model",
    provider: {
      demo: {
        npm: "@ai-sdk/openai-compatible",
        name: "Scripted demo model",
        options: { baseURL: modelUrl, apiKey: "demo-key" },
        models: {
          "demo-model": {
            name: "Demo model",
            tool_call: true,
            cost: PRICES,
            limit: { context: 128000, output: 4096 },
          },
        },
      },
    },
    permission: { edit: "allow", bash: "allow", webfetch: "allow" },
    plugin: [[`file://${packageDir}`, { enabled: true }]],
  };
  writeFileSync(join(dir, "opencode.json"), JSON.stringify(config, null, 2));
  markDependenciesInstalled(dir);
}

/**
 * opencode 1.18 installs `@opencode-ai/plugin` with npm into every config folder before it loads
 * plugins, and skips that when the folder has a `node_modules` and a lock file listing every
 * dependency of its `package.json`. The plugin needs none of it at run time, so the demo marks
 * the folder as installed: no registry access, and no wait on opencode's install lock (a run
 * right after another sometimes waited 60 s for it).
 */
function markDependenciesInstalled(dir: string): void {
  const dependencies = { "@opencode-ai/plugin": "*" };
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ dependencies }, null, 2));
  const lock = { lockfileVersion: 3, requires: true, packages: { "": { dependencies } } };
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify(lock, null, 2));
}

/**
 * A fresh environment, not the caller's: no API keys or proxies leak in. npm is told to stay
 * offline in case opencode still tries an install (see `markDependenciesInstalled`): offline, it
 * fails at once instead of retrying the registry for about 70 s on a machine with no network.
 */
export function opencodeEnv(
  sandbox: Sandbox,
  telemetry: Record<string, string>,
): Record<string, string> {
  const home = sandbox.home;
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_STATE_HOME: join(home, ".local", "state"),
    XDG_CACHE_HOME: join(home, ".cache"),
    npm_config_offline: "true",
    npm_config_cache: join(home, ".npm"),
    NO_PROXY: "127.0.0.1,localhost",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_SHARE: "1",
    ...telemetry,
  };
}

/** One event of `opencode run --format json` (one JSON object per line). */
export type RunEvent = Readonly<Record<string, unknown>>;

export interface RunOptions {
  readonly binary: string;
  readonly sandbox: Sandbox;
  readonly env: Record<string, string>;
  readonly message: string;
  readonly sessionId?: string;
  readonly timeoutMs: number;
  readonly onEvent: (event: RunEvent) => void;
  /** Resolves to kill opencode (Ctrl-C). */
  readonly abort: Promise<void>;
}

/** `opencode run --format json [--session ID] MESSAGE`; resolves with the session id. */
export function runOpencode(options: RunOptions): Promise<string> {
  const args = ["run", "--format", "json"];
  if (options.sessionId) args.push("--session", options.sessionId);
  args.push(options.message);
  const child = spawn(options.binary, args, {
    cwd: options.sandbox.project,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let sessionId = options.sessionId;
  let buffered = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith("{")) continue;
      try {
        const event: unknown = JSON.parse(line);
        if (!isObj(event)) continue;
        if (typeof event.sessionID === "string") sessionId ??= event.sessionID;
        options.onEvent(event);
      } catch {
        // A partial or non-JSON line: opencode prints nothing else on stdout in json mode.
      }
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    options.abort.then(() => child.kill("SIGTERM"));
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new CliError(`cannot start opencode (${options.binary}): ${error.message}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && sessionId) return resolve(sessionId);
      const why = signal ? `was stopped (${signal})` : `exited with ${code}`;
      const tail = stderr.trim().split("\n").slice(-5).join("\n  ");
      reject(new CliError(`opencode ${why}${tail ? `:\n  ${tail}` : ""}`));
    });
  });
}
