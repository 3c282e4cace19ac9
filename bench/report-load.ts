/**
 * `opencode-otel report` on a year of heavy use (1,000,000 spans and their lines, commits and pull
 * request events, `test/support/year-of-spans.ts`):
 * wall time of the whole command, as a user runs it (the built CLI as its own process, under
 * Bun, and under Node when provisioned), median of 5 runs after one warm-up. The store is built
 * once into `.tmp/bench/use-<spans>.db` and reused.
 *
 *   npm run bench:report                    # 1,000,000 spans
 *   npm run bench:report -- --spans 200000
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { Store } from "../src/store/store.js";
import { writeYearOfUse } from "../test/support/year-of-spans.js";
import { median } from "./stats.js";

const ROOT = resolve(import.meta.dir, "..");
const argv = process.argv.slice(2);
const spansIndex = argv.indexOf("--spans");
const SPANS = spansIndex < 0 ? 1_000_000 : Number(argv[spansIndex + 1]);
const RUNS = 5;
const dir = join(ROOT, ".tmp/bench");
const db = join(dir, `use-${SPANS}.db`);

if (!existsSync(db)) {
  mkdirSync(dir, { recursive: true });
  const building = `${db}.building`;
  rmSync(building, { force: true });
  const store = await Store.open(building);
  const started = performance.now();
  writeYearOfUse(store, SPANS);
  store.close();
  // A log left beside an older store of that name would be replayed into this one.
  for (const stale of [`${db}-wal`, `${db}-shm`]) rmSync(stale, { force: true });
  renameSync(building, db);
  process.stderr.write(`built ${db} in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
} else {
  // A store built by an older version is migrated here, not in the first timed run.
  (await Store.open(db)).close();
}

const runtimes: { name: string; command: string[] }[] = [
  { name: "Bun", command: [join(ROOT, "node_modules/.bin/bun")] },
];
const nodeDir = join(ROOT, "node_modules/.tools/node-24/node_modules");
if (existsSync(nodeDir)) {
  const platform = readdirSync(nodeDir).find((name) => name.startsWith("node-"));
  if (platform) runtimes.push({ name: "Node 24", command: [join(nodeDir, platform, "bin/node")] });
}

const COMMANDS: readonly (readonly string[])[] = [
  ["report"],
  ["report", "--by", "session"],
  // The same rows without the table: the difference is what printing 3.4 MB of text costs.
  ["report", "--by", "session", "--json"],
  ["report", "--by", "model"],
  ["report", "--by", "month"],
  ["report", "--by", "day", "--since", "2025-06-01", "--until", "2025-07-01"],
];

/** Wall time and CPU time (user + system, from GNU time) of one run of the command. */
function time(command: readonly string[]): { wall: number; cpu: number } {
  const started = performance.now();
  const result = spawnSync("/usr/bin/time", ["-f", "cpu %U %S", ...command], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const wall = performance.now() - started;
  const stderr = String(result.stderr);
  if (result.status !== 0) throw new Error(`${command.join(" ")}: ${stderr}`);
  const [, user = "NaN", system = "NaN"] = /cpu ([\d.]+) ([\d.]+)/.exec(stderr) ?? [];
  return { wall, cpu: (Number(user) + Number(system)) * 1000 };
}

const size = (statSync(db).size / 1e6).toFixed(0);
process.stdout.write(
  `report on ${SPANS.toLocaleString("en-US")} spans (${size} MB): median of ${RUNS} runs of the ` +
    `whole command, wall time (CPU time); load average ${loadavg()[0]?.toFixed(1)}\n\n`,
);
process.stdout.write(
  `| command | ${runtimes.map((r) => r.name).join(" | ")} |\n|---|${runtimes.map(() => "---|").join("")}\n`,
);
for (const args of COMMANDS) {
  const cells = runtimes.map(({ command }) => {
    const full = [...command, join(ROOT, "dist/cli.js"), ...args, "--db", db];
    time(full);
    const runs = Array.from({ length: RUNS }, () => time(full));
    const wall = median(runs.map((r) => r.wall)) / 1000;
    const cpu = median(runs.map((r) => r.cpu)) / 1000;
    return `${wall.toFixed(2)} s (${cpu.toFixed(2)} s)`;
  });
  process.stdout.write(`| \`${args.join(" ")}\` | ${cells.join(" | ")} |\n`);
}
