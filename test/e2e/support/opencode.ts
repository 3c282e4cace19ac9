/**
 * Drives the real opencode binary (the pinned `opencode-ai` devDependency) with this package
 * loaded as a plugin through `file://<package folder>`, as a user with a local checkout would.
 *
 * Isolation: one temporary HOME/XDG set per test process, shared by every scenario, because
 * opencode installs `@opencode-ai/plugin` from the npm registry into each config folder that lists
 * plugins (13-21 s): the plugin is listed once, in that HOME's global config, so the install
 * happens once per suite run. Each scenario gets its own project folder next to it (no
 * `opencode.json` above it: opencode merges parent folders' configs). Telemetry settings come
 * from each process's environment, so scenarios can differ without touching the shared config.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { MockModel } from "./mock-model.js";

/** The package folder: opencode loads its `exports["./server"]`, the built `dist/index.js`. */
export const PACKAGE_DIR = resolve(import.meta.dir, "../../..");
export const OPENCODE_BIN = join(PACKAGE_DIR, "node_modules/opencode-linux-x64/bin/opencode");

/** Model prices (USD per million tokens) so every step has a non-zero cost. */
export const PRICES = { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 } as const;

let root: string | undefined;

/** The suite's temporary folder (HOME, XDG folders, projects); removed when the process exits. */
function suiteRoot(): string {
  if (root) return root;
  const dir = mkdtempSync(join(tmpdir(), "opencode-otel-e2e-"));
  root = dir;
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Writes the shared global config: the mock provider, prices, permissions that never ask, and
 * this package as a plugin (enabled; endpoint and protocol come from the environment).
 * Call once per suite run, before the first opencode process (the mock's URL goes in it).
 */
export function configureHome(model: MockModel): void {
  const home = join(suiteRoot(), "home");
  const configDir = join(home, ".config/opencode");
  mkdirSync(configDir, { recursive: true });
  const config = {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    model: "mock/mock-model",
    small_model: "mock/mock-model",
    provider: {
      mock: {
        npm: "@ai-sdk/openai-compatible",
        name: "Mock LLM",
        options: { baseURL: model.url, apiKey: "mock-key" },
        models: {
          "mock-model": {
            name: "Mock Model",
            tool_call: true,
            cost: PRICES,
            limit: { context: 128000, output: 4096 },
          },
        },
      },
    },
    permission: { edit: "allow", bash: "allow", webfetch: "allow" },
    plugin: [[`file://${PACKAGE_DIR}`, { enabled: true }]],
  };
  writeFileSync(join(configDir, "opencode.json"), JSON.stringify(config, null, 2));
}

/** Creates an empty project folder (plus `files`) for one scenario. */
export function createProject(name: string, files: Record<string, string> = {}): string {
  const dir = join(suiteRoot(), "projects", name);
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  return dir;
}

/** The environment of every opencode process: isolated folders, nothing fetched, plus `extra`. */
export function opencodeEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = join(suiteRoot(), "home");
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_STATE_HOME: join(home, ".local/state"),
    XDG_CACHE_HOME: join(home, ".cache"),
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_SHARE: "1",
    ...extra,
  };
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** `--format json` output, one object per line. */
  readonly events: readonly Record<string, unknown>[];
  /** The session the run used, from its JSON events. */
  readonly sessionId: string | undefined;
}

/** `opencode run --format json <args> <message>` in `project`; killed after `timeoutMs`. */
export async function runOpencode(options: {
  project: string;
  message: string;
  args?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<RunResult> {
  const started = Date.now();
  const args = ["run", "--format", "json", ...(options.args ?? []), options.message];
  const child = spawn(OPENCODE_BIN, args, {
    cwd: options.project,
    env: opencodeEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = collect(child);
  const code = await exitOf(child, options.timeoutMs ?? 60_000);
  const events = output.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const sessionId = events
    .map((event) => event.sessionID)
    .find((id): id is string => typeof id === "string");
  return { code, ...output, ms: Date.now() - started, events, sessionId };
}

/** Resolves with the exit code; SIGKILLs the process (and rejects) after `timeoutMs`. */
function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`opencode ${child.spawnargs.slice(1, 2)} did not exit in ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Live stdout/stderr of a child; the strings grow as it writes. */
function collect(child: ChildProcess): { stdout: string; stderr: string } {
  const output = { stdout: "", stderr: "" };
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    output.stderr += chunk;
  });
  return output;
}

/** A free TCP port on 127.0.0.1 (`serve --port 0` still listens on 4096, so pick one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A message as the server API returns it (`GET /session/:id/message`). */
export interface ApiMessage {
  info: { id: string; role: string; error?: { name?: string }; finish?: string };
  parts: { type: string; tool?: string; state?: { status?: string } }[];
}

/** A running `opencode serve` and its HTTP API (routes from `@opencode-ai/sdk` v2). */
export interface Serve {
  readonly url: string;
  readonly output: { stdout: string; stderr: string };
  createSession(): Promise<string>;
  /** `POST /session/:id/message`: resolves when the turn is over, with the last message. */
  prompt(sessionId: string, text: string): Promise<ApiMessage>;
  /** `POST /session/:id/prompt_async`: returns as soon as the prompt is accepted. */
  promptAsync(sessionId: string, text: string): Promise<void>;
  abort(sessionId: string): Promise<void>;
  deleteSession(sessionId: string): Promise<void>;
  messages(sessionId: string): Promise<ApiMessage[]>;
  /** Polls `GET /session/status` until the session is idle. */
  waitIdle(sessionId: string, timeoutMs?: number): Promise<void>;
  /** `POST /instance/dispose`: opencode disposes plugins; the next request re-creates them. */
  disposeInstance(): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** Starts `opencode serve` in `project` on a free port and waits until it answers. */
export async function startServe(options: {
  project: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<Serve> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(OPENCODE_BIN, ["serve", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: options.project,
    env: opencodeEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = collect(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        "content-type": "application/json",
        // Every request names the project, as opencode's own clients do.
        "x-opencode-directory": encodeURIComponent(options.project),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  const serve: Serve = {
    url,
    output,
    async createSession() {
      const session = await api<{ id: string }>("POST", "/session", {});
      return session.id;
    },
    prompt: (id, text) =>
      api<ApiMessage>("POST", `/session/${id}/message`, { parts: [{ type: "text", text }] }),
    async promptAsync(id, text) {
      await api("POST", `/session/${id}/prompt_async`, { parts: [{ type: "text", text }] });
    },
    async abort(id) {
      await api("POST", `/session/${id}/abort`);
    },
    async deleteSession(id) {
      await api("DELETE", `/session/${id}`);
    },
    messages: (id) => api<ApiMessage[]>("GET", `/session/${id}/message`),
    async waitIdle(id, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const statuses = await api<Record<string, { type: string }>>("GET", "/session/status");
        // Idle sessions are left out of the map.
        if ((statuses[id]?.type ?? "idle") === "idle") return;
        await sleep(100);
      }
      throw new Error(`session ${id} still busy after ${timeoutMs} ms`);
    },
    async disposeInstance() {
      await api("POST", "/instance/dispose");
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`opencode serve exited with ${child.exitCode}: ${output.stderr}`);
    }
    try {
      await api("GET", "/session");
      return serve;
    } catch {
      if (Date.now() > deadline) {
        await serve.stop();
        throw new Error(`opencode serve did not answer on ${url}: ${output.stderr}`);
      }
      await sleep(200);
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
