/**
 * `--profile`: where the remaining bill goes, printed after the table:
 *
 * - by thread: the whole bill over no-op split by the threads that spent it (main, JIT
 *   compiler, GC helpers, the allocator's scavenger, Bun's worker pool, the HTTP client);
 * - by pipeline stage: the paced stream replayed with the signals switched on one after the
 *   other (plugin options), so each difference is what that stage costs, loading included;
 * - the main thread's hottest functions in a paced run (Bun's `--cpu-prof-md`);
 * - heap growth per open session and per turn by JSC cell class;
 * - OTLP bytes per turn by what they carry.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ChildSpec } from "./child.js";
import { SMALL } from "./generate.js";
import type { RunSample, Summary } from "./report.js";
import type { Plan, Runner } from "./run.js";
import { median, round } from "./stats.js";

const STAGES: readonly { name: string; options: Record<string, unknown> }[] = [
  {
    name: "loading, adapter and session model (every signal off)",
    options: { disableTraces: true, disableLogs: true, disableMetrics: true },
  },
  { name: "+ traces", options: { disableLogs: true, disableMetrics: true } },
  { name: "+ log events", options: { disableMetrics: true } },
  { name: "+ metrics (everything)", options: {} },
];

export async function profile(
  runner: Runner,
  plan: Plan,
  summary: Summary,
  work: string,
): Promise<{ text: string; data: unknown }> {
  const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
  const lines = ["", "## Where the bill goes", ""];
  const data: Record<string, unknown> = {};

  // By thread.
  for (const stream of ["paced", "sparse"] as const) {
    const f = summary.streams[stream];
    const names = [
      ...new Set([...Object.keys(f.threadsOver.otel), ...Object.keys(f.threadsOver.floor)]),
    ].sort((a, b) => (f.threadsOver.floor[b] ?? 0) - (f.threadsOver.floor[a] ?? 0));
    lines.push(
      `Whole bill over no-op by thread, ${stream} stream (ms of CPU per run, medians):`,
      "",
      "| thread | opencode-otel | floor |",
      "|---|--:|--:|",
    );
    for (const name of names)
      lines.push(
        `| ${name} | ${f.threadsOver.otel[name] ?? 0} | ${f.threadsOver.floor[name] ?? 0} |`,
      );
    lines.push("");
  }

  // By stage.
  const paced = plan.streams.find((s) => s.name === "paced");
  if (paced) {
    const spec: Omit<ChildSpec, "modulePath" | "options" | "statsUrl"> = {
      scenario: "replay",
      params: paced.params,
      paceMs: paced.gapMs,
      startDelayMs: paced.startDelayMs,
      drainEvery: 0,
      samples: [],
    };
    const rounds = 5;
    const all: number[][] = STAGES.map(() => []);
    const main: number[][] = STAGES.map(() => []);
    const per1k = (ms: number, sample: RunSample) => (ms / sample.result.events) * 1000;
    for (let i = 1; i <= rounds; i++) {
      log(`profile: pipeline stages, round ${i} of ${rounds}`);
      const noop = await runner.run("noop", spec);
      for (const [index, stage] of STAGES.entries()) {
        const sample = await runner.run("otel", spec, { options: stage.options });
        all[index]?.push(per1k(sample.result.billCpuMs - noop.result.billCpuMs, sample));
        main[index]?.push(per1k(sample.result.billMainCpuMs - noop.result.billMainCpuMs, sample));
      }
    }
    const allMedians = all.map((values) => median(values));
    const mainMedians = main.map((values) => median(values));
    lines.push(
      `Whole bill over no-op by pipeline stage, paced stream (ms of CPU per 1,000 hook calls, medians of ${rounds}; each stage adds a signal to the one above, so its own cost is the difference):`,
      "",
      "| stage | all threads | this stage | main thread | this stage |",
      "|---|--:|--:|--:|--:|",
    );
    STAGES.forEach((stage, index) => {
      const total = allMedians[index] ?? Number.NaN;
      const totalMain = mainMedians[index] ?? Number.NaN;
      const before = index === 0 ? 0 : (allMedians[index - 1] ?? Number.NaN);
      const beforeMain = index === 0 ? 0 : (mainMedians[index - 1] ?? Number.NaN);
      lines.push(
        `| ${stage.name} | ${round(total, 1)} | ${round(total - before, 1)} | ${round(totalMain, 1)} | ${round(totalMain - beforeMain, 1)} |`,
      );
    });
    lines.push("");
    data.stages = STAGES.map((stage, index) => ({
      stage: stage.name,
      allThreads: allMedians[index],
      mainThread: mainMedians[index],
    }));
  }

  // Main thread hot functions.
  const dir = join(work, "profile");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (paced) {
    log(`profile: CPU profile of a paced run (${dir})`);
    await runner.run(
      "otel",
      {
        scenario: "replay",
        params: paced.params,
        paceMs: paced.gapMs,
        startDelayMs: paced.startDelayMs,
        drainEvery: 0,
        samples: [],
      },
      { bunFlags: ["--cpu-prof-md", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=250"] },
    );
    const file = readdirSync(dir).find((name) => name.endsWith(".md"));
    if (file) {
      const rows = readFileSync(join(dir, file), "utf8")
        .split("\n")
        .filter(
          (line) => /^\| [\d.]+% \|/.test(line) && /plugin[^|]*\.js|index[^|]*\.js/.test(line),
        )
        .slice(0, 15);
      lines.push(
        "The plugin's hottest functions on the main thread, paced run (Bun --cpu-prof-md, self time; the harness and idle time left out):",
        "",
        "| self % | self | total % | total | function | location |",
        "|--:|--:|--:|--:|---|---|",
        ...rows,
        "",
        `Full CPU profile: ${join(dir, file)}`,
        "",
      );
    }
  }

  // Heap by cell class.
  const heapRun = (scenario: "open-sessions" | "long-session", units: number) =>
    runner.run("otel", {
      scenario,
      params: scenario === "open-sessions" ? SMALL : (paced?.params ?? SMALL),
      paceMs: 0,
      drainEvery: 50,
      samples: [Math.round(units / 5), units],
      classes: true,
    });
  log("profile: heap by cell class");
  const sessions = await heapRun("open-sessions", plan.openSessions);
  const turns = await heapRun("long-session", plan.longTurns);
  for (const [what, run, units] of [
    ["open session", sessions, plan.openSessions - Math.round(plan.openSessions / 5)],
    ["turn", turns, plan.longTurns - Math.round(plan.longTurns / 5)],
  ] as const) {
    const [first, last] = run.result.classes ?? [];
    if (!first || !last) continue;
    lines.push(`Heap growth per ${what} by JSC cell class (heap snapshots, after full GC):`, "");
    lines.push("| class | bytes | cells |", "|---|--:|--:|");
    const growth = Object.keys({ ...first, ...last })
      .map((name) => {
        const [b0, c0] = first[name] ?? [0, 0];
        const [b1, c1] = last[name] ?? [0, 0];
        return { name, bytes: (b1 - b0) / units, cells: (c1 - c0) / units };
      })
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 10);
    for (const g of growth)
      lines.push(`| ${g.name} | ${g.bytes.toFixed(1)} | ${g.cells.toFixed(2)} |`);
    lines.push("");
  }

  // Bytes by what they carry.
  const sparse = plan.streams.find((s) => s.name === "sparse");
  if (sparse) {
    const sample: RunSample = await runner.run("otel", {
      scenario: "replay",
      params: sparse.params,
      paceMs: sparse.gapMs,
      startDelayMs: 200,
      drainEvery: 0,
      samples: [],
    });
    const turns = Math.max(1, sample.result.turns);
    const categories = Object.entries(sample.stats.breakdown)
      .map(([what, bytes]) => ({ what, perTurn: round(bytes / turns, 1) }))
      .sort((a, b) => b.perTurn - a.perTurn)
      .slice(0, 25);
    lines.push("Decoded OTLP bytes per turn by what they carry, sparse stream (largest 25):", "");
    lines.push("| what | bytes per turn |", "|---|--:|");
    for (const { what, perTurn } of categories) lines.push(`| ${what} | ${perTurn} |`);
    data.bytesByCategory = categories;
  }
  return { text: lines.join("\n"), data };
}
