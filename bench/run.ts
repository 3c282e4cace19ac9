/**
 * `npm run bench`: builds the plugin, then measures what it costs the user against a no-op
 * plugin and against the same telemetry on the stock OpenTelemetry SDK (the floor), each run
 * in its own child process (`child.ts`), exporting http/protobuf to a byte-counting OTLP
 * receiver on loopback (`otlp-sink.ts`). Prints a table, writes `bench/results.json`, and exits
 * 1 when a budget is missed (`report.ts`), 2 when the benchmark itself failed.
 *
 * Flags: --quick (CI-sized), --no-build, --profile (after the table: where the bill goes, by
 * thread and by pipeline stage, heap by cell class, bytes by what they carry), --plugin <dist>
 * (measure another build as opencode-otel, e.g. an earlier commit's `dist/`; implies
 * --no-build), --json <path> (default bench/results.json).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import type { ChildResult, ChildSpec } from "./child.js";
import { DEFAULT_PARAMS, SMALL, type StreamParams } from "./generate.js";
import { type RunStats, type Sink, startSink } from "./otlp-sink.js";
import { type Kind, preparePlugins } from "./plugins.js";
import { profile } from "./profile.js";
import { type Raw, type RunSample, renderReport, summarize } from "./report.js";

const ROOT = resolve(import.meta.dir, "..");
const WORK = join(ROOT, ".tmp", "bench");
const BUN = process.execPath;

interface Args {
  readonly quick: boolean;
  readonly build: boolean;
  readonly profile: boolean;
  readonly plugin: string | undefined;
  readonly json: string;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const plugin = value("--plugin");
  return {
    quick: argv.includes("--quick"),
    build: !argv.includes("--no-build") && !plugin,
    profile: argv.includes("--profile"),
    plugin: plugin ? resolve(plugin) : undefined,
    json: resolve(value("--json") ?? join(import.meta.dir, "results.json")),
  };
}

/** A replayed stream: what is generated, how turns are spaced, when the replay starts. */
export interface Stream {
  readonly name: "paced" | "sparse";
  readonly params: StreamParams;
  /** Pause after each turn. */
  readonly gapMs: number;
  /** Wait after the factory before the first call (the plugins load in the background). */
  readonly startDelayMs: number;
}

/** How much of everything. */
export interface Plan {
  readonly mode: "full" | "quick";
  /** Rounds of the whole-bill runs; each round runs every kind once on each stream. */
  readonly rounds: number;
  readonly streams: readonly Stream[];
  readonly shortRuns: number;
  readonly short: StreamParams;
  readonly heapRuns: number;
  readonly openSessions: number;
  readonly longTurns: number;
  readonly metricSessions: readonly number[];
  readonly importRuns: number;
}

/**
 * The paced stream: 20 sessions of 10 turns (107 hook calls a turn, 40 of them streamed text),
 * 5 ms after each turn so turn-end exports run between turns, started 1.5 s after the factory.
 */
const PACED: Stream = { name: "paced", params: DEFAULT_PARAMS, gapMs: 5, startDelayMs: 1500 };

/**
 * A person's turns: the same turns, 300 ms apart, three times the plugin's turn flush delay
 * (100 ms) and longer than anything else it waits for before sending a finished turn, so every
 * turn is sent on its own (requests per turn show it) and nothing is batched across turns.
 */
const SPARSE: Stream = {
  name: "sparse",
  params: { ...DEFAULT_PARAMS, sessions: 6, turnsPerSession: 5 },
  gapMs: 300,
  startDelayMs: 1500,
};

const FULL: Plan = {
  mode: "full",
  // Seven: a sparse run is short, and a shared machine moves single runs by ±20%.
  rounds: 7,
  streams: [PACED, SPARSE],
  shortRuns: 16,
  // Two sessions of three turns, ended by dispose and exit right after the last turn.
  short: { ...DEFAULT_PARAMS, sessions: 2, turnsPerSession: 3 },
  heapRuns: 3,
  openSessions: 1000,
  longTurns: 2000,
  metricSessions: [10, 100, 1000],
  importRuns: 3,
};

const QUICK: Plan = {
  ...FULL,
  mode: "quick",
  rounds: 3,
  shortRuns: 6,
  heapRuns: 1,
  openSessions: 400,
  longTurns: 1000,
  metricSessions: [10, 1000],
  importRuns: 0,
};

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

function build(): void {
  log("building (npm run build)");
  // Build output goes to stderr: stdout carries only the table.
  const result = spawnSync("node", ["scripts/build.mjs"], { cwd: ROOT, stdio: ["ignore", 2, 2] });
  if (result.status !== 0) throw new Error("build failed");
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
    kind: Kind,
    spec: Omit<ChildSpec, "modulePath" | "options" | "statsUrl">,
    extra?: {
      protocol?: string;
      options?: Record<string, unknown>;
      bunFlags?: readonly string[];
    },
  ): Promise<RunSample>;
}

function createRunner(sink: Sink, plugins: Record<Kind, string>): Runner {
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
        modulePath: plugins[kind],
        options:
          kind === "noop" ? {} : { enabled: true, protocol, endpoint, ...(extra.options ?? {}) },
        statsUrl: `${sink.endpoint(run)}/stats`,
      };
      const child = Bun.spawn(
        [BUN, ...(extra.bunFlags ?? []), join(import.meta.dir, "child.ts"), JSON.stringify(full)],
        { cwd: home, env: childEnv(home), stdout: "pipe", stderr: "pipe" },
      );
      const timer = setTimeout(() => child.kill(), 180_000);
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
      // Requests still arriving after the child exited (none should) are counted too.
      await Bun.sleep(20);
      const stats: RunStats = sink.stats(run);
      return { result, stats };
    },
  };
}

const BILL_KINDS: readonly Kind[] = ["noop", "otel", "floor", "immediate"];

async function measure(runner: Runner, plan: Plan): Promise<Raw> {
  const raw: Raw = {
    bill: { paced: [], sparse: [] },
    short: { reference: undefined, runs: [] },
    openSessions: { otel: [], noop: [] },
    longSession: { otel: [], noop: [] },
    metricSizes: [],
    importGrpc: [],
  };
  for (let round = 1; round <= plan.rounds; round++) {
    for (const stream of plan.streams) {
      log(`whole bill, ${stream.name} stream: round ${round} of ${plan.rounds}`);
      // Kinds in a different order each round, so a drift in machine load hits each the same.
      const kinds = BILL_KINDS.map((_, i) => BILL_KINDS[(i + round) % BILL_KINDS.length] ?? "noop");
      const samples: Partial<Record<Kind, RunSample>> = {};
      for (const kind of kinds)
        samples[kind] = await runner.run(kind, {
          scenario: "replay",
          params: stream.params,
          paceMs: stream.gapMs,
          startDelayMs: stream.startDelayMs,
          drainEvery: 0,
          samples: [],
        });
      raw.bill[stream.name].push(samples);
    }
  }

  log(`short runs: ${plan.shortRuns} × (2 sessions × 3 turns, dispose and exit at once)`);
  const short = { scenario: "replay", params: plan.short, drainEvery: 0, samples: [] } as const;
  // The reference: the same stream with time for every turn to be sent before dispose.
  raw.short.reference = await runner.run("otel", {
    ...short,
    paceMs: 300,
    startDelayMs: 1500,
    endDelayMs: 500,
  });
  for (let i = 0; i < plan.shortRuns; i++)
    // As `opencode run`: the first turn starts while the pipeline loads (half the runs) or
    // just after; each turn ends 5 ms before the next; dispose right after the last turn.
    raw.short.runs.push(
      await runner.run("otel", { ...short, paceMs: 5, startDelayMs: i % 2 === 0 ? 0 : 150 }),
    );

  // Every tenth: the report reads the live heap from the second tenth on (the first warms up
  // connections and lazily built state) and compares two ways of reading JSC's heapSize.
  const sessionSamples = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) =>
    Math.round((plan.openSessions * k) / 10),
  );
  const turnSamples = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => Math.round((plan.longTurns * k) / 8));
  for (let i = 1; i <= plan.heapRuns; i++) {
    log(
      `heap: run ${i} of ${plan.heapRuns} (${plan.openSessions} open sessions, ${plan.longTurns}-turn session)`,
    );
    for (const kind of ["otel", "noop"] as const) {
      const common = { params: SMALL, paceMs: 0, drainEvery: 50 };
      raw.openSessions[kind].push(
        (await runner.run(kind, { ...common, scenario: "open-sessions", samples: sessionSamples }))
          .result,
      );
      raw.longSession[kind].push(
        (
          await runner.run(kind, {
            ...common,
            params: DEFAULT_PARAMS,
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
      scenario: "replay",
      params: { ...SMALL, sessions },
      paceMs: 0,
      drainEvery: 50,
      samples: [],
    });
    const sizes = stats.signals.metrics.sizes;
    raw.metricSizes.push({ sessions, bytes: sizes.at(-1) ?? 0, requests: sizes.length });
  }

  for (let i = 1; i <= plan.importRuns; i++) {
    log(`import + factory with grpc: run ${i} of ${plan.importRuns}`);
    const { result } = await runner.run(
      "otel",
      { scenario: "import", params: SMALL, paceMs: 0, drainEvery: 0, samples: [] },
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
    dirty: git(["status", "--porcelain", "--", "src", "bench"])
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
  const plugins = preparePlugins(WORK, args.plugin);
  const sink = await startSink();
  try {
    const runner = createRunner(sink, plugins);
    const raw = await measure(runner, plan);
    const environment = {
      ...(args.plugin ? { plugin: args.plugin } : {}),
      bun: Bun.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      ...gitState(),
      seconds: Math.round((performance.now() - started) / 1000),
    };
    const summary = summarize(raw);
    const { table, checks, failed } = renderReport(summary, plan, environment);
    process.stdout.write(`${table}\n`);
    const profiled = args.profile ? await profile(runner, plan, summary, WORK) : undefined;
    if (profiled) process.stdout.write(`${profiled.text}\n`);
    const json = {
      environment,
      plan,
      summary,
      checks,
      profile: profiled?.data,
      raw: compact(raw),
    };
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

/** Raw runs without per-request size lists and delay lists (they are summarized). */
function compact(raw: Raw) {
  const strip = (sample: RunSample | undefined) =>
    sample && {
      ...sample.result,
      sink: Object.fromEntries(
        Object.entries(sample.stats.signals).map(([signal, s]) => [
          signal,
          { requests: s.requests, bytes: s.bytes, decodedBytes: s.decodedBytes, items: s.items },
        ]),
      ),
    };
  const rounds = (list: readonly Partial<Record<Kind, RunSample>>[]) =>
    list.map((round) =>
      Object.fromEntries(Object.entries(round).map(([kind, sample]) => [kind, strip(sample)])),
    );
  return {
    bill: { paced: rounds(raw.bill.paced), sparse: rounds(raw.bill.sparse) },
    short: { reference: strip(raw.short.reference), runs: raw.short.runs.map(strip) },
    metricSizes: raw.metricSizes,
    importGrpc: raw.importGrpc,
  };
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  return 2;
});
