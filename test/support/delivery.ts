/**
 * Helpers for the delivery tests: a child opencode process (`delivery-child.ts`) whose log lines
 * are collected, a raw loopback HTTP server that answers however a test says (redirects, HTML,
 * partial success, slowness) and records what it was sent, and the reference of what a run
 * exports when nothing goes wrong.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { FIXTURE_DIR, loadFixture, processSegments } from "./fixtures.js";
import { Collected } from "./in-memory.js";
import { decodeProtobufRequest, decompress } from "./otlp-decode.js";
import { normalizeTraces } from "./otlp-normalize.js";
import type { ReceivedSpan } from "./otlp-types.js";
import { replay } from "./replay.js";

const CHILD = join(import.meta.dir, "delivery-child.ts");

export interface LogLine {
  readonly level: string;
  readonly message: string;
}

export interface ChildRun {
  readonly code: number | null;
  readonly logs: readonly LogLine[];
  readonly stderr: string;
}

export interface ChildOptions {
  /** Run as this user and group (only when the tests run as root). */
  readonly uid?: number;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** The delivery child's command line for one capture segment. */
export function childArgs(capture: string, segment: number, extra: string[] = []): string[] {
  return [CHILD, join(FIXTURE_DIR, `${capture}.jsonl`), String(segment), ...extra];
}

/** Parses the JSON log lines a delivery child printed. */
export function parseLogs(stdout: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === "object" && parsed !== null && "message" in parsed && "level" in parsed)
        lines.push({ level: String(parsed.level), message: String(parsed.message) });
    } catch {
      // Not one of ours.
    }
  }
  return lines;
}

/** Runs `command args` with `env` (plus PATH), collecting the child's log lines. */
export function run(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  options: ChildOptions = {},
): Promise<ChildRun & { stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? "", ...env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, logs: parseLogs(stdout), stderr, stdout });
    });
  });
}

/** One opencode process replaying `capture`'s segment `segment`. */
export function runChild(
  capture: string,
  segment: number,
  env: Record<string, string>,
  options: ChildOptions & { readonly extra?: string[] } = {},
): Promise<ChildRun & { stdout: string }> {
  return run(process.execPath, childArgs(capture, segment, options.extra), env, options);
}

/** The environment of a plugin exporting OTLP/HTTP protobuf to `endpoint`, spooling to `spool`. */
export function pluginEnv(
  endpoint: string,
  spool: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    OPENCODE_ENABLE_TELEMETRY: "1",
    OPENCODE_OTLP_PROTOCOL: "http/protobuf",
    OPENCODE_OTLP_ENDPOINT: endpoint,
    OPENCODE_OTEL_SPOOL_DIR: spool,
    // Long intervals: only the flushes at turn end and dispose deliver anything.
    OPENCODE_OTLP_METRICS_INTERVAL: "600000",
    OPENCODE_OTLP_LOGS_INTERVAL: "600000",
    ...extra,
  };
}

/** The span names a segment exports when nothing goes wrong (the SDK's in-memory exporter). */
export async function referenceSpans(capture: string, segment = 0): Promise<string[]> {
  const collected = new Collected();
  const records = processSegments(loadFixture(capture))[segment] ?? [];
  await replay(records, { exporters: collected.overrides() });
  return collected.spans.map((span) => span.name).sort();
}

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The body, gzip undone. */
  readonly body: Buffer;
}

export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
  /** Wait this long before answering. */
  readonly delayMs?: number;
}

export interface Front {
  readonly url: string;
  readonly requests: Recorded[];
  /** The spans in the OTLP/protobuf trace requests it was sent. */
  spans(): ReceivedSpan[];
  /** Their names, sorted. */
  spanNames(): string[];
  close(): Promise<void>;
}

/** A loopback HTTP server that answers every request with what `answer` returns. */
export async function startFront(answer: (request: Recorded) => Answer): Promise<Front> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let body: Buffer = Buffer.concat(chunks);
      try {
        body = decompress(body, req.headers["content-encoding"]);
      } catch {
        // Kept as it came.
      }
      const recorded = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
      };
      requests.push(recorded);
      const reply = answer(recorded);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? "");
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const spans = () =>
    requests
      .filter((r) => r.method === "POST" && r.url.endsWith("/v1/traces"))
      .flatMap((r) => normalizeTraces(decodeProtobufRequest("traces", r.body), "http/protobuf"));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans,
    spanNames() {
      return spans()
        .map((span) => span.name)
        .sort();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Log lines whose message matches. */
export function matching(logs: readonly LogLine[], pattern: RegExp): LogLine[] {
  return logs.filter((line) => pattern.test(line.message));
}

/** A loopback port nobody listens on (a collector that is down). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 0;
}

/** Names in a folder, sorted (empty when it does not exist). */
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
