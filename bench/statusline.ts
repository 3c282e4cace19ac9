/**
 * `opencode-otel statusline` on a year of one developer's heavy use (1,000,000 spans ending now,
 * `test/support/spend-history.ts`): wall time of the whole command as a shell prompt runs it (a
 * new process each time: the built CLI, under Bun and under each provisioned Node), against the
 * same runtime doing nothing (`-e 0`) and the CLI printing its version, in the same run. Median
 * of the runs after a warm-up; the store is built once into `.tmp/bench/` and reused.
 *
 *   npm run bench:statusline                    # 1,000,000 spans
 *   npm run bench:statusline -- --spans 200000 --runs 9
 *
 * The figures are taken `--at` the moment the store's history ends, so a store built days ago
 * still has a busy today, a running 5-hour block and a current session. A prompt at work runs
 * while opencode writes: in the "changed" cases the benchmark holds the store open as the plugin
 * does and writes one LLM call of the current session (a minute before `--at`) before each run,
 * so every run reads a store that changed since the last one, through the WAL; the "unchanged"
 * case runs on a store nothing wrote to in between. The calls written are deleted at the end.
 * Wall time depends on what else the machine runs; CPU time (user + system) much less, so the
 * budget is checked on it: exits 1 when the statusline on a changed store costs 50 ms or more of
 * CPU beyond the runtime's bare start under Bun.
 */

import { Database } from "bun:sqlite";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { Store } from "../src/store/store.js";
import type { SpanRow } from "../src/store/types.js";
import { llmCallRow } from "../test/support/span-maker.js";
import { PROJECT_ROOT, spendHistory } from "../test/support/spend-history.js";
import { median } from "./stats.js";

const ROOT = resolve(import.meta.dir, "..");
const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const index = argv.indexOf(name);
  return index < 0 ? fallback : Number(argv[index + 1]);
};
const SPANS = flag("--spans", 1_000_000);
const RUNS = flag("--runs", 15);
const BUDGET_MS = 50;
const dir = join(ROOT, ".tmp/bench");
const db = join(dir, `spend-${SPANS}.db`);
const meta = `${db}.json`;

if (!existsSync(join(ROOT, "dist/cli.js"))) throw new Error("run `npm run build` first");

if (!existsSync(db) || !existsSync(meta)) {
  mkdirSync(dir, { recursive: true });
  const building = `${db}.building`;
  rmSync(building, { force: true });
  const end = Date.now();
  const store = await Store.open(building);
  const started = performance.now();
  let batch: SpanRow[] = [];
  for (const span of spendHistory({ spans: SPANS, end })) {
    batch.push(span);
    if (batch.length === 20_000) {
      store.insertSpans(batch);
      batch = [];
    }
  }
  store.insertSpans(batch);
  store.close();
  renameSync(building, db);
  for (const suffix of ["-wal", "-shm"]) rmSync(`${building}${suffix}`, { force: true });
  writeFileSync(meta, JSON.stringify({ end }));
  process.stderr.write(`built ${db} in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}
const { end } = JSON.parse(readFileSync(meta, "utf8")) as { end: number };
const at = new Date(end).toISOString();

const runtimes: { name: string; bin: string }[] = [
  { name: "Bun", bin: join(ROOT, "node_modules/.bin/bun") },
];
for (const version of ["22", "24"]) {
  const nodeDir = join(ROOT, `node_modules/.tools/node-${version}/node_modules`);
  if (!existsSync(nodeDir)) continue;
  const platform = readdirSync(nodeDir).find((name) => name.startsWith("node-"));
  if (platform)
    runtimes.push({ name: `Node ${version}`, bin: join(nodeDir, platform, "bin/node") });
}

// A home of its own, so the remembered block start is under the benchmark's control.
const home = join(dir, "statusline-home");
const env = { PATH: process.env.PATH ?? "", HOME: home, XDG_CACHE_HOME: join(home, ".cache") };
const cli = join(ROOT, "dist/cli.js");
const project = `${PROJECT_ROOT}/project-0`;
const statusline = ["statusline", "--db", db, "--at", at, "--dir", project];

interface Case {
  readonly name: string;
  readonly args: readonly string[] | "bare";
  /** Write one LLM call to the store before each run (opencode at work). */
  readonly changed?: boolean;
}

const CHANGED: Case = {
  name: "`statusline`, store changed before each run",
  args: statusline,
  changed: true,
};
const CASES: readonly Case[] = [
  { name: "runtime start (`-e 0`)", args: "bare" },
  { name: "`opencode-otel --version`", args: ["--version"] },
  CHANGED,
  { name: "`statusline`, store unchanged", args: statusline },
  {
    name: "`statusline --json`, store changed before each run",
    args: [...statusline, "--json"],
    changed: true,
  },
];

// The writer: the store held open as the plugin's exporter holds it, one call per changed run.
const writer = await Store.open(db);
const WRITER_TRACE = "be".repeat(16);
let written = 0;
function writeCall(): void {
  written += 1;
  const start = end - 60_000 + written * 100;
  const model = "model-0";
  writer.insertSpans([
    llmCallRow({
      traceId: WRITER_TRACE,
      index: written - 1,
      startMs: start,
      durationMs: 50,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        "llm.model_name": model,
        "session.id": "ses_bench_writer",
        "gen_ai.usage.input_tokens": 12_000,
        "gen_ai.usage.output_tokens": 400,
        "llm.token_count.prompt_details.cache_read": 10_000,
        "llm.cost.total": 0.01,
      },
      resource: { "service.name": "opencode", "opencode.project.directory": project },
    }),
  ]);
}

/**
 * Wall time, and CPU time (user + system, from the kernel's accounting of the child, to the
 * millisecond, as bash's `time` reports it) of one run, ms.
 */
function time(bin: string, c: Case): { wall: number; cpu: number } {
  if (c.changed) writeCall();
  const args = c.args === "bare" ? ["-e", "0"] : [cli, ...c.args];
  const script = 'TIMEFORMAT="cpu %3U %3S"; time "$@" >/dev/null 2>/dev/null';
  const started = performance.now();
  const result = spawnSync("bash", ["-c", script, "bench", bin, ...args], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const wall = performance.now() - started;
  const stderr = String(result.stderr);
  if (result.status !== 0)
    throw new Error(`${args.join(" ")} failed (${result.status}): ${stderr}`);
  const [, user = "NaN", system = "NaN"] = /cpu ([\d.]+) ([\d.]+)/.exec(stderr) ?? [];
  return { wall, cpu: (Number(user) + Number(system)) * 1000 };
}

const size = (statSync(db).size / 1e6).toFixed(0);
const line = spawnSync(runtimes[0]?.bin ?? "bun", [cli, ...statusline], { env, encoding: "utf8" });
process.stdout.write(
  `statusline on ${SPANS.toLocaleString("en-US")} spans (${size} MB), at ${at}; median of ${RUNS} ` +
    `runs of the whole command; load average ${loadavg()[0]?.toFixed(1)}\n` +
    `it prints: ${line.stdout.trim()}\n\n`,
);
process.stdout.write(
  `| command | ${runtimes.map((r) => r.name).join(" | ")} |\n|---|${runtimes.map(() => "---:|").join("")}\n`,
);
const medians = new Map<string, { wall: number; cpu: number }>();
for (const c of CASES) {
  const cells = runtimes.map(({ name, bin }) => {
    time(bin, c);
    const runs = Array.from({ length: RUNS }, () => time(bin, c));
    const ms = { wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) };
    medians.set(`${name}|${c.name}`, ms);
    return `${ms.wall.toFixed(0)} ms (${ms.cpu.toFixed(0)} ms)`;
  });
  process.stdout.write(`| ${c.name} | ${cells.join(" | ")} |\n`);
}
writer.close();
// The calls written are not part of the history: the next run starts from the same store.
const cleanup = new Database(db);
cleanup.run("DELETE FROM spans WHERE trace_id = ?", [WRITER_TRACE]);
cleanup.close();
const bun = (c: Case | undefined) => medians.get(`Bun|${c?.name}`) ?? { wall: NaN, cpu: NaN };
const own = bun(CHANGED).cpu - bun(CASES[0]).cpu;
process.stdout.write(
  `\nwall time (CPU time: user + system), ${written} calls written. Budget: the statusline's ` +
    `CPU time under Bun on a changed store, beyond the runtime's bare start, under ` +
    `${BUDGET_MS} ms: ${own.toFixed(0)} ms, ${own < BUDGET_MS ? "kept" : "BROKEN"}\n`,
);
if (!(own < BUDGET_MS)) process.exitCode = 1;
