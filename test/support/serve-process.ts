/**
 * `opencode-otel serve` as a real process (the built CLI under this repository's Bun): started
 * on free loopback ports, its addresses read from its own start-up lines, stopped by SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
export const BUN = join(ROOT, "node_modules/.bin/bun");
export const CLI = join(ROOT, "dist/cli.js");

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly httpUrl: string;
  readonly grpcUrl: string | undefined;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export interface ServeOptions {
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

/** Starts serve and resolves once it prints its addresses; rejects with its stderr if it exits. */
export function startServe(options: ServeOptions): Promise<ServeProcess> {
  const child = spawn(BUN, [CLI, "serve", "--port", "0", ...options.args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir(), ...options.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`serve did not start: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      stderr += chunk;
      if (!stderr.includes("Press Ctrl-C")) return;
      clearTimeout(timer);
      const http = /OTLP\/HTTP {2}(\S+)/.exec(stderr)?.[1];
      const grpc = /OTLP\/gRPC {2}(\S+)/.exec(stderr)?.[1];
      if (!http) return reject(new Error(`no HTTP address in: ${stderr}`));
      resolveStart({
        child,
        httpUrl: http,
        grpcUrl: grpc,
        stderr: () => stderr,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          return exited;
        },
      });
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${stderr}`));
    });
  });
}

/** Runs the CLI to completion: exit code, stdout and stderr. */
export async function runCliProcess(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(BUN, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk) => {
    out += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    err += String(chunk);
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((done) => child.once("exit", done));
  clearTimeout(timer);
  return { code, out, err };
}
