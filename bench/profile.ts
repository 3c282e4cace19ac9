/** `--profile`: where the time, the heap and the bytes go, printed after the table. */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { StreamParams } from "./generate.js";
import type { Summary } from "./report.js";
import type { Plan, Runner } from "./run.js";

/** Where the time, the heap and the bytes go: printed after the table with `--profile`. */
export async function profile(
  runner: Runner,
  plan: Plan,
  summary: Summary,
  setting: { readonly work: string; readonly small: StreamParams },
): Promise<string> {
  const dir = join(setting.work, "profile");
  const SMALL = setting.small;
  const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`profiling the plugin (CPU profile in ${dir})`);
  const replay = { params: plan.replay, paceMs: plan.paceMs, drainEvery: 0, samples: [] };
  const timed = await runner.run("otel", { ...replay, scenario: "replay", breakdown: true });
  await runner.run(
    "otel",
    { ...replay, scenario: "replay" },
    { bunFlags: ["--cpu-prof-md", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=250"] },
  );
  const heapRun = (scenario: "open-sessions" | "long-session", units: number) =>
    runner.run("otel", {
      scenario,
      params: scenario === "open-sessions" ? SMALL : plan.replay,
      paceMs: 0,
      drainEvery: 50,
      samples: [Math.round(units / 5), units],
      classes: true,
    });
  const sessions = await heapRun("open-sessions", plan.openSessions);
  const turns = await heapRun("long-session", plan.longTurns);

  const lines = ["", "## Profile", ""];
  lines.push(
    "Wall time per event type, one paced replay (hook call plus the microtasks it queued):",
    "",
  );
  lines.push("| event | calls | ms | µs per call |", "|---|--:|--:|--:|");
  const byType = Object.entries(timed.result.byType ?? {}).sort((a, b) => b[1].ms - a[1].ms);
  for (const [type, { calls, ms }] of byType)
    lines.push(`| ${type} | ${calls} | ${ms.toFixed(1)} | ${((ms / calls) * 1000).toFixed(1)} |`);
  for (const [what, run, units] of [
    ["open session", sessions, plan.openSessions - Math.round(plan.openSessions / 5)],
    ["turn", turns, plan.longTurns - Math.round(plan.longTurns / 5)],
  ] as const) {
    const [first, last] = run.result.classes ?? [];
    if (!first || !last) continue;
    lines.push(
      "",
      `Heap growth per ${what} by JSC cell class (heap snapshots, after full GC):`,
      "",
    );
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
  }
  lines.push("", "OTLP bytes per turn by what they carry (largest 25):", "");
  lines.push("| what | bytes per turn |", "|---|--:|");
  for (const { what, perTurn } of summary.bytesByCategory.slice(0, 25))
    lines.push(`| ${what} | ${perTurn} |`);
  lines.push("", `CPU profile (Bun --cpu-prof-md): ${dir}`);
  return lines.join("\n");
}
