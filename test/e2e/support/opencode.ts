/**
 * Runs the real opencode binary (the pinned opencode-ai, see `scripts/provision.mjs`) with this package
 * loaded as a plugin through `file://<package folder>`, as a user with a local checkout would;
 * `serve.ts` drives `opencode serve` on top of this.
 *
 * Isolation: one HOME/XDG set per test process, shared by every scenario, because opencode
 * installs `@opencode-ai/plugin` from the npm registry into each config folder that lists plugins
 * (about 10 s): the plugin is listed once, in that HOME's global config, so the install happens
 * once per suite run (or never, with a kept `$OPENCODE_E2E_HOME`). Each scenario gets its own
 * project folder (no `opencode.json` above it: opencode merges parent folders' configs).
 * Telemetry settings come from each process's environment, so scenarios can differ without
 * touching the shared config.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { findOpencode } from "../../../src/cli/demo/package-root.js";
import type { MockModel } from "./mock-model.js";

/** The package folder: opencode loads its `exports["./server"]`, the built `dist/index.js`. */
export const PACKAGE_DIR = resolve(import.meta.dir, "../../..");
/** The pinned opencode that `scripts/provision.mjs` installs (`npm test` runs it first). */
export const OPENCODE_BIN = requireOpencode();

function requireOpencode(): string {
  const found = findOpencode(PACKAGE_DIR, "");
  if (!found) throw new Error("opencode is not installed: run `node scripts/provision.mjs` first");
  return found;
}

/** Model prices (USD per million tokens) so every step has a non-zero cost. */
export const PRICES = { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 } as const;

let root: string | undefined;
/** Every opencode process still running, so none can outlive the suite. */
const running = new Set<ChildProcess>();

const ROOT_PREFIX = "opencode-otel-e2e-";

/** The suite's temporary folder (HOME, XDG folders, projects), named after this process. */
function suiteRoot(): string {
  if (root) return root;
  removeStaleRoots();
  root = mkdtempSync(join(tmpdir(), `${ROOT_PREFIX}${process.pid}-`));
  return root;
}

/**
 * `bun test` runs no `exit` handlers and has no hook after the last file, so a run cannot remove
 * its own folder: each run removes those of earlier runs whose process is gone instead.
 */
function removeStaleRoots(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(
      name.startsWith(ROOT_PREFIX) ? name.slice(ROOT_PREFIX.length).split("-")[0] : 0,
    );
    if (pid > 0 && pid !== process.pid && !isRunning(pid)) {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** SIGKILLs every opencode process a test left running (a failed or timed-out test). */
export function killAllOpencode(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

/** Spawns the opencode binary in `project`; the process is tracked until it exits. */
export function spawnOpencode(args: string[], project: string, env?: Record<string, string>) {
  const child = spawn(OPENCODE_BIN, args, {
    cwd: project,
    env: opencodeEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/**
 * The shared HOME: `$OPENCODE_E2E_HOME` when set (kept between runs, so opencode's plugin install
 * is reused: a warm start), else a fresh folder in the suite's temporary folder (a cold start).
 */
function homeDir(): string {
  return process.env.OPENCODE_E2E_HOME || join(suiteRoot(), "home");
}

/**
 * Writes the shared global config: the mock provider, prices, permissions that never ask, and
 * this package as a plugin (enabled; endpoint and protocol come from the environment).
 * Call once per suite run, before the first opencode process (the mock's URL goes in it).
 */
export function configureHome(model: MockModel): void {
  const home = homeDir();
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
  const home = homeDir();
  return {
    ...registryAccess(),
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

/** How this machine reaches the npm registry (for the plugin install), if set in the environment. */
const REGISTRY_VARIABLES = [
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "http_proxy",
  "https_proxy",
  "NPM_CONFIG_REGISTRY",
  "npm_config_registry",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
];

function registryAccess(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of REGISTRY_VARIABLES) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  // The mock model and the receiver are on loopback: never through a proxy.
  const noProxy = [process.env.NO_PROXY ?? process.env.no_proxy, "127.0.0.1", "localhost"];
  const list = noProxy.filter(Boolean).join(",");
  return { ...env, NO_PROXY: list, no_proxy: list };
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
  const child = spawnOpencode(args, options.project, options.env);
  const output = collect(child);
  // A cold opencode start on a loaded shared machine can take most of a minute.
  const code = await exitOf(child, options.timeoutMs ?? 120_000);
  const events = output.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const sessionId = events
    .map((event) => event.sessionID)
    .find((id): id is string => typeof id === "string");
  return { code, ...output, ms: Date.now() - started, events, sessionId };
}

/** A message as `opencode export` and the server API give it, as far as tests read it. */
export interface OwnMessage {
  readonly info: {
    readonly id: string;
    readonly role: string;
    readonly cost?: number;
    readonly summary?: unknown;
    readonly tokens?: {
      input: number;
      output: number;
      reasoning: number;
      cache: { read: number; write: number };
    };
  };
  readonly parts: readonly { readonly type: string }[];
}

/** opencode's own record of a session: `opencode export <id>` (without plugins). */
export async function exportSession(project: string, sessionId: string): Promise<OwnMessage[]> {
  const child = spawnOpencode(["export", "--pure", sessionId], project);
  const output = collect(child);
  const code = await exitOf(child, 60_000);
  if (code !== 0) throw new Error(`opencode export ${sessionId} exited ${code}: ${output.stderr}`);
  const exported = JSON.parse(output.stdout.slice(output.stdout.indexOf("{"))) as {
    messages: OwnMessage[];
  };
  return exported.messages;
}

/** opencode's own totals over a session's messages: every token, cost, and lines changed. */
export function ownFigures(messages: readonly OwnMessage[]) {
  let tokens = 0;
  let cost = 0;
  let added = 0;
  let removed = 0;
  for (const { info } of messages) {
    const used = info.tokens;
    if (info.role === "assistant" && used)
      tokens += used.input + used.output + used.reasoning + used.cache.read + used.cache.write;
    if (info.role === "assistant") cost += info.cost ?? 0;
    const summary = info.summary;
    if (info.role !== "user" || typeof summary !== "object" || summary === null) continue;
    const diffs = "diffs" in summary && Array.isArray(summary.diffs) ? summary.diffs : [];
    for (const diff of diffs as { additions?: number; deletions?: number }[]) {
      added += diff.additions ?? 0;
      removed += diff.deletions ?? 0;
    }
  }
  return { tokens, cost, added, removed };
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
export function collect(child: ChildProcess): { stdout: string; stderr: string } {
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 50 ms; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
