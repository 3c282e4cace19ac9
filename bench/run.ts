/**
 * `npm run bench`: builds the plugin, then measures the BUILT plugin (dist/index.js) against a
 * no-op plugin, each run in its own child process (`child.ts`), exporting http/protobuf to a
 * byte-counting OTLP receiver on loopback (`otlp-sink.ts`). Prints a table, writes
 * `bench/results.json`, and exits 1 when a budget from issue 4 is broken.
 *
 * Flags: --quick (CI-sized), --no-build, --profile (after the table: time per event type, heap
 * growth by cell class, bytes by what they carry; a CPU profile in .tmp/bench/profile),
 * --capture <file.jsonl> [--copies N] (replay a capture, N renamed copies, in the CPU runs
 * instead of the generated stream), --json <path> (default bench/results.json).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import type { ChildResult, ChildSpec } from "./child.js";
import { DEFAULT_PARAMS, type StreamParams } from "./generate.js";
import { type RunStats, type Sink, startSink } from "./otlp-sink.js";
import { profile } from "./profile.js";
import { type Raw, type RunSample, renderReport, summarize } from "./report.js";

const ROOT = resolve(import.meta.dir, "..");
const WORK = join(ROOT, ".tmp", "bench");
const BUN = process.execPath;

interface Args {
  readonly quick: boolean;
  readonly build: boolean;
  readonly profile: boolean;
  readonly capture: string | undefined;
  readonly copies: number;
  readonly json: string;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const capture = value("--capture");
  return {
    quick: argv.includes("--quick"),
    build: !argv.includes("--no-build"),
    profile: argv.includes("--profile"),
    capture: capture ? resolve(capture) : undefined,
    copies: Number(value("--copies") ?? 50),
    json: resolve(value("--json") ?? join(import.meta.dir, "results.json")),
  };
}

/** How much of everything: the full run stays under ~3 minutes on a 2-core machine. */
export interface Plan {
  readonly mode: "full" | "quick";
  readonly replayRuns: number;
  readonly heapRuns: number;
  readonly importRuns: number;
  readonly replay: StreamParams;
  /** Pause after each turn, so each turn's export happens between turns, as in opencode. */
  readonly paceMs: number;
  readonly openSessions: number;
  readonly longTurns: number;
  readonly metricSessions: readonly number[];
}

const FULL: Plan = {
  mode: "full",
  replayRuns: 5,
  heapRuns: 3,
  importRuns: 5,
  replay: DEFAULT_PARAMS,
  paceMs: 5,
  openSessions: 500,
  longTurns: 2000,
  metricSessions: [10, 100, 1000],
};

const QUICK: Plan = {
  ...FULL,
  mode: "quick",
  replayRuns: 3,
  heapRuns: 1,
  importRuns: 3,
  openSessions: 200,
  longTurns: 1000,
  metricSessions: [10, 1000],
};

/** Small turns for the heap and metric-size runs: what matters there is what is left after. */
const SMALL: StreamParams = {
  ...DEFAULT_PARAMS,
  turnsPerSession: 1,
  chunksPerReply: 10,
  toolsPerTurn: 1,
};

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

function build(): void {
  log("building (npm run build)");
  // Build output goes to stderr: stdout carries only the table.
  const result = spawnSync("node", ["scripts/build.mjs"], { cwd: ROOT, stdio: ["ignore", 2, 2] });
  if (result.status !== 0) throw new Error("build failed");
}

/**
 * A private copy of dist/: other people rebuild dist/ while a benchmark runs. It sits inside the
 * repository, so the plugin's runtime dependencies resolve from node_modules as they do for dist.
 */
function snapshot(): string {
  const dir = join(WORK, "plugin");
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(ROOT, "dist"), dir, { recursive: true });
  return join(dir, "index.js");
}

/** The environment of every child: no OTEL_* or OPENCODE_* of ours, its own home and state. */
function childEnv(home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && !name.startsWith("OTEL_") && !name.startsWith("OPENCODE"))
      env[name] = value;
  return {
    ...env,
    HOME: home,
    XDG_STATE_HOME: join(home, "state"),
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_DATA_HOME: join(home, "data"),
  };
}

export interface Runner {
  run(
    kind: "otel" | "noop",
    spec: Omit<ChildSpec, "modulePath" | "options" | "statsUrl">,
    extra?: { protocol?: string; bunFlags?: readonly string[] },
  ): Promise<RunSample>;
}

function createRunner(sink: Sink, pluginPath: string, noopPath: string): Runner {
  let counter = 0;
  return {
    async run(kind, spec, extra = {}) {
      counter += 1;
      const run = `${kind}-${spec.scenario}-${counter}`;
      const home = join(WORK, "home", run);
      mkdirSync(home, { recursive: true });
      const protocol = extra.protocol ?? "http/protobuf";
      const endpoint = protocol === "grpc" ? "http://127.0.0.1:9" : sink.endpoint(run);
      const full: ChildSpec = {
        ...spec,
        modulePath: kind === "otel" ? pluginPath : noopPath,
        options: kind === "otel" ? { enabled: true, protocol, endpoint } : {},
        statsUrl: `${sink.endpoint(run)}/stats`,
      };
      const child = Bun.spawn(
        [BUN, ...(extra.bunFlags ?? []), join(import.meta.dir, "child.ts"), JSON.stringify(full)],
        { cwd: home, env: childEnv(home), stdout: "pipe", stderr: "pipe" },
      );
      const timer = setTimeout(() => child.kill(), 120_000);
      const [out, err] = await Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
      ]);
      const code = await child.exited;
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      const line = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !line.startsWith("{"))
        throw new Error(`child ${run} exited with ${code}:\n${err.slice(-2000)}`);
      const result: ChildResult = JSON.parse(line);
      const stats: RunStats = sink.stats(run);
      return { result, stats };
    },
  };
}

async function measure(runner: Runner, plan: Plan, args: Args): Promise<Raw> {
  const raw: Raw = {
    replay: { otel: [], noop: [] },
    openSessions: { otel: [], noop: [] },
    longSession: { otel: [], noop: [] },
    metricSizes: [],
    importGrpc: [],
  };
  const capture = args.capture ? { path: args.capture, copies: args.copies } : undefined;
  const base = { params: plan.replay, capture, paceMs: 0, drainEvery: 0, samples: [] };

  for (let i = 1; i <= plan.replayRuns; i++) {
    log(`replay, CPU and bytes: run ${i} of ${plan.replayRuns}`);
    for (const kind of ["otel", "noop"] as const)
      raw.replay[kind].push(
        await runner.run(kind, { ...base, scenario: "replay", paceMs: plan.paceMs }),
      );
  }

  // The first fifth warms up (JIT, connections, lazily built state): sampled from there on.
  const sessionSamples = [1, 2, 3, 4, 5].map((k) => Math.round((plan.openSessions * k) / 5));
  const turnSamples = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => Math.round((plan.longTurns * k) / 8));
  for (let i = 1; i <= plan.heapRuns; i++) {
    log(
      `heap: run ${i} of ${plan.heapRuns} (${plan.openSessions} open sessions, ${plan.longTurns}-turn session)`,
    );
    for (const kind of ["otel", "noop"] as const) {
      const common = { ...base, params: SMALL, capture: undefined, drainEvery: 50 };
      raw.openSessions[kind].push(
        (await runner.run(kind, { ...common, scenario: "open-sessions", samples: sessionSamples }))
          .result,
      );
      raw.longSession[kind].push(
        (
          await runner.run(kind, {
            ...common,
            params: plan.replay,
            scenario: "long-session",
            samples: turnSamples,
          })
        ).result,
      );
    }
  }

  for (const sessions of plan.metricSessions) {
    log(`metric export size after ${sessions} sessions`);
    const { stats } = await runner.run("otel", {
      ...base,
      capture: undefined,
      scenario: "replay",
      params: { ...SMALL, sessions },
      drainEvery: 50,
    });
    const sizes = stats.signals.metrics.sizes;
    raw.metricSizes.push({ sessions, bytes: sizes.at(-1) ?? 0, requests: sizes.length });
  }

  for (let i = 1; i <= plan.importRuns; i++) {
    log(`import + factory with grpc: run ${i} of ${plan.importRuns}`);
    const { result } = await runner.run(
      "otel",
      { ...base, scenario: "import" },
      { protocol: "grpc" },
    );
    raw.importGrpc.push(result.importMs);
  }
  return raw;
}

/** Which code was measured (read-only git; "unknown" outside a checkout). */
function gitState(): { commit: string; dirty: string[] } {
  const git = (args: string[]) =>
    spawnSync("git", args, { cwd: ROOT, encoding: "utf8" }).stdout?.trim() ?? "";
  return {
    commit: git(["rev-parse", "--short", "HEAD"]) || "unknown",
    dirty: git(["status", "--porcelain", "--", "src"])
      .split("\n")
      .filter(Boolean)
      .map((line) => line.slice(3)),
  };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const plan = args.quick ? QUICK : FULL;
  const started = performance.now();
  if (args.build) build();
  if (!existsSync(join(ROOT, "dist", "index.js")))
    throw new Error("dist/index.js missing: npm run build");
  const pluginPath = snapshot();
  const sink = await startSink();
  try {
    const runner = createRunner(sink, pluginPath, join(import.meta.dir, "noop-plugin.ts"));
    const raw = await measure(runner, plan, args);
    const environment = {
      bun: Bun.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      ...gitState(),
      seconds: Math.round((performance.now() - started) / 1000),
    };
    const summary = summarize(raw, plan, args.capture);
    const { table, checks, failed } = renderReport(summary, plan, environment);
    process.stdout.write(`${table}\n`);
    const profiled = args.profile
      ? await profile(runner, plan, summary, { work: WORK, small: SMALL })
      : undefined;
    if (profiled) process.stdout.write(`${profiled}\n`);
    const json = { environment, plan, summary, checks, profile: profiled, raw: compact(raw) };
    writeFileSync(args.json, `${JSON.stringify(json, null, 2)}\n`);
    // The repository's formatter owns JSON layout; `npm run lint` stays clean after a run.
    spawnSync(join(ROOT, "node_modules", ".bin", "biome"), ["format", "--write", args.json], {
      cwd: ROOT,
      stdio: "ignore",
    });
    log(`wrote ${args.json}`);
    return failed ? 1 : 0;
  } finally {
    await sink.close();
  }
}

/** Raw runs without per-request size lists (they are summarized). */
function compact(raw: Raw) {
  const strip = (samples: readonly RunSample[]) =>
    samples.map(({ result, stats }) => ({
      ...result,
      sink: Object.fromEntries(
        Object.entries(stats.signals).map(([signal, s]) => [
          signal,
          { requests: s.requests, bytes: s.bytes, items: s.items },
        ]),
      ),
    }));
  return { ...raw, replay: { otel: strip(raw.replay.otel), noop: strip(raw.replay.noop) } };
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  return 2;
});
