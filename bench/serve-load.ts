/**
 * `opencode-otel serve` under load: the built CLI as its own process, fed realistic 50-span
 * OTLP/HTTP protobuf batches (the real plugin's spans, `serve-batches.ts`) over keep-alive
 * connections, first alone, then while 4 plugin processes write to the same store through the
 * plugin's local exporter (`store-writer.ts`: each replays a captured session, 11 spans with
 * their log records and metrics, once a second, far more than a person's session produces)
 * and a `report` runs in a loop. Prints spans per second, spans per second of the serve
 * process's own CPU time (its rate with a core to itself: the machine is shared), request
 * latency percentiles and the load average, and exits 1 below the floors (20,000 and 5,000
 * spans/s) unless `--no-check`.
 *
 *   npm run bench:serve                 # both scenarios, about a minute
 *   npm run bench:serve -- --spans 50000 --connections 8 --json out.json
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pluginSpans, traceBatches } from "./serve-batches.js";

const ROOT = resolve(import.meta.dir, "..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const CLI = join(ROOT, "dist/cli.js");

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(argv[i + 1]);
};
const BATCH = flag("batch", 50);
const SPANS = flag("spans", 60_000);
const CONNECTIONS = flag("connections", 8);
const WRITERS = flag("writers", 4);
const WRITER_PAUSE = flag("writer-pause-ms", 1000);
const check = !argv.includes("--no-check");
const runtimeIndex = argv.indexOf("--runtime");
/** What runs `serve`: this repository's Bun by default, or a Node binary (`--runtime PATH`). */
const RUNTIME = runtimeIndex < 0 ? BUN : (argv[runtimeIndex + 1] ?? BUN);
const jsonIndex = argv.indexOf("--json");
const jsonPath = jsonIndex < 0 ? undefined : argv[jsonIndex + 1];

interface Figures {
  readonly scenario: string;
  readonly spans: number;
  readonly seconds: number;
  readonly spansPerSecond: number;
  /** Spans per second of CPU time the serve process used: its rate with a core to itself. */
  readonly spansPerCpuSecond: number;
  /** The machine's 1-minute load average at the end (other work competes for the 2 cores). */
  readonly load: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly refused: Record<string, number>;
  readonly writers?: { replays: number; spans: number }[];
  readonly reports?: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function startServe(db: string): Promise<{ child: ChildProcess; url: string }> {
  const prof = process.env.SERVE_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.SERVE_CPU_PROF}`]
    : [];
  const child = spawn(RUNTIME, [...prof, CLI, "serve", "--port", "0", "--no-grpc", "--db", db], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, OPENCODE_OTEL_SERVE_TOKEN: "" },
  });
  return new Promise((done, fail) => {
    let err = "";
    child.stderr?.on("data", (chunk) => {
      err += String(chunk);
      const url = /OTLP\/HTTP {2}(\S+)/.exec(err)?.[1];
      if (url && err.includes("Press Ctrl-C")) done({ child, url });
    });
    child.once("exit", (code) => fail(new Error(`serve exited ${code}: ${err}`)));
  });
}

/** Sends every batch over `connections` concurrent senders; a refused batch is sent again. */
async function send(url: string, batches: readonly Uint8Array[]) {
  const latencies: number[] = [];
  const refused: Record<string, number> = {};
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < batches.length; i = next++) {
      const body = batches[i];
      for (;;) {
        const started = performance.now();
        const response = await fetch(`${url}/v1/traces`, {
          method: "POST",
          headers: { "content-type": "application/x-protobuf" },
          body,
        });
        await response.arrayBuffer();
        latencies.push(performance.now() - started);
        if (response.status === 200) break;
        refused[response.status] = (refused[response.status] ?? 0) + 1;
        const wait = Number(response.headers.get("retry-after") ?? "1");
        await Bun.sleep(Math.min(wait, 1) * 1000 * Math.random());
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, sender));
  const seconds = (performance.now() - started) / 1000;
  return { seconds, latencies: latencies.sort((a, b) => a - b), refused };
}

function startWriter(db: string, durationMs: number) {
  const script = join(ROOT, "bench/store-writer.ts");
  const child = spawn(BUN, [script, db, String(durationMs), String(WRITER_PAUSE)], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { PATH: process.env.PATH, HOME: tmpdir() },
  });
  let out = "";
  child.stdout?.on("data", (chunk) => {
    out += String(chunk);
  });
  const ready = new Promise<void>((done) => {
    const poll = setInterval(() => {
      if (!out.includes("ready")) return;
      clearInterval(poll);
      done();
    }, 20);
  });
  const result = new Promise<{ replays: number; spans: number }>((done, fail) =>
    child.once("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) return fail(new Error(`writer exited ${code}`));
      done(JSON.parse(line));
    }),
  );
  return { child, ready, result };
}

/** `report` in a loop against the same store, until stopped; resolves to how many ran. */
function reportLoop(db: string) {
  let stop = false;
  let runs = 0;
  const done = (async () => {
    while (!stop) {
      const child = spawn(BUN, [CLI, "report", "--db", db], { stdio: "ignore" });
      await new Promise((r) => child.once("exit", r));
      runs += 1;
    }
    return runs;
  })();
  return {
    stop: () => {
      stop = true;
      return done;
    },
  };
}

async function scenario(name: string, withWriters: boolean, batches: Uint8Array[]) {
  const dir = mkdtempSync(join(tmpdir(), "opencode-otel-serve-load-"));
  const db = join(dir, "telemetry.db");
  const serve = await startServe(db);
  try {
    // Warm-up: the first requests pay for JIT compilation in the server.
    await send(serve.url, traceBatches(template, { count: 40, size: BATCH, seed: 999 }));
    const writers = withWriters
      ? Array.from({ length: WRITERS }, () => startWriter(db, 300_000))
      : [];
    await Promise.all(writers.map((w) => w.ready));
    const reports = withWriters ? reportLoop(db) : undefined;
    const cpuBefore = cpuSeconds(serve.child.pid);
    const { seconds, latencies, refused } = await send(serve.url, batches);
    const cpu = cpuSeconds(serve.child.pid) - cpuBefore;
    const reportRuns = await reports?.stop();
    for (const w of writers) w.child.kill("SIGINT");
    const written = await Promise.all(
      writers.map((w) => w.result.catch(() => ({ replays: -1, spans: -1 }))),
    );
    const figures: Figures = {
      scenario: name,
      spans: batches.length * BATCH,
      seconds: Math.round(seconds * 100) / 100,
      spansPerSecond: Math.round((batches.length * BATCH) / seconds),
      spansPerCpuSecond: Math.round((batches.length * BATCH) / cpu),
      load: Math.round((loadavg()[0] ?? 0) * 10) / 10,
      p50Ms: Math.round(percentile(latencies, 50)),
      p99Ms: Math.round(percentile(latencies, 99)),
      maxMs: Math.round(latencies.at(-1) ?? 0),
      refused,
      ...(reportRuns !== undefined ? { reports: reportRuns } : {}),
      ...(withWriters ? { writers: written } : {}),
    };
    return { figures };
  } finally {
    serve.child.kill("SIGTERM");
    await new Promise((r) => serve.child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const template = await pluginSpans();
const batches = traceBatches(template, { count: Math.ceil(SPANS / BATCH), size: BATCH });
const bytes = batches.reduce((sum, b) => sum + b.length, 0);
process.stderr.write(
  `serve load: ${batches.length} requests of ${BATCH} spans (${Math.round(bytes / batches.length)} bytes each), ${CONNECTIONS} connections\n`,
);
const alone = await scenario("serve alone", false, batches);
const shared = await scenario(
  `serve + ${WRITERS} plugin processes + a report loop`,
  true,
  traceBatches(template, { count: batches.length, size: BATCH, seed: 2 }),
);
const results = [alone.figures, shared.figures];
const floors: Record<string, number> = {
  [alone.figures.scenario]: 20_000,
  [shared.figures.scenario]: 5_000,
};
process.stdout.write(
  "| scenario | spans/s | spans per serve CPU-second | p50 | p99 | max | refused (retried) | load average |\n|---|---|---|---|---|---|---|---|\n",
);
for (const f of results) {
  const refusedText =
    Object.entries(f.refused)
      .map(([status, n]) => `${n}×${status}`)
      .join(", ") || "none";
  process.stdout.write(
    `| ${f.scenario} | ${f.spansPerSecond.toLocaleString("en-US")} | ${f.spansPerCpuSecond.toLocaleString("en-US")} | ${f.p50Ms} ms | ${f.p99Ms} ms | ${f.maxMs} ms | ${refusedText} | ${f.load} |\n`,
  );
}
if (shared.figures.reports !== undefined)
  process.stdout.write(
    `meanwhile: ${shared.figures.reports} report runs; plugin processes wrote ${JSON.stringify(shared.figures.writers)}\n`,
  );
if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
const failed = results.filter((f) => f.spansPerSecond < (floors[f.scenario] ?? 0));
for (const f of failed)
  process.stderr.write(
    `below the floor: ${f.scenario} ${f.spansPerSecond} < ${floors[f.scenario]} spans/s\n`,
  );
process.exitCode = check && failed.length > 0 ? 1 : 0;
