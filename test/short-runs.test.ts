/**
 * Short runs ending like `opencode run`: the last turn ends, `dispose` is awaited, and the
 * process exits at once. Each run is its own process with the BUILT plugin, exporting to a real
 * OTLP receiver on loopback; every run must deliver every span, log record and metric point that
 * an unhurried replay of the same stream produces. Runs either replay at once (the calls wait
 * for the pipeline to load, and dispose waits for it too) or start once it has loaded and pause
 * briefly after each turn (so turn-end exports are still in flight when dispose comes).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURE_DIR, loadFixture, processSegments } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { type Receiver, startOtlpReceiver } from "./support/otlp-receiver.js";
import { replay } from "./support/replay.js";

const CHILD = join(import.meta.dir, "support/replay-child.ts");
const DIST = join(import.meta.dir, "../dist/index.js");
const RUNS_PER_CASE = 4;

let receiver: Receiver;
beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error("dist/index.js is missing: run `npm run build` first");
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});

function runChild(args: string[], env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: "ignore",
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/**
 * Metric points compared by name. Active time is left out: the child replays on the real clock
 * as fast as it can, so a turn may last 0 ms and record no active time, while the reference
 * replays on the captured clock.
 */
const pointNames = (names: readonly string[]) =>
  names.filter((name) => name !== "opencode.active_time.total").sort();

/** What the same stream exports with nothing hurried: span names, log event names, points. */
async function reference(name: string) {
  const collected = new Collected();
  await replay(processSegments(loadFixture(name))[0] ?? [], { exporters: collected.overrides() });
  const last = collected.metrics.at(-1);
  return {
    spans: collected.spans.map((span) => span.name).sort(),
    logs: collected.logs.map((log) => String(log.attributes["event.name"])).sort(),
    points: pointNames(
      (last?.scopeMetrics ?? [])
        .flatMap((scope) => scope.metrics)
        .flatMap((metric) => metric.dataPoints.map(() => metric.descriptor.name)),
    ),
  };
}

const CASES = [
  // Three turns of one session; two sessions (a parent and the subagent its task spawned).
  { name: "b2_multiturn_serve", flags: [] },
  { name: "b2_multiturn_serve", flags: ["--start-delay-ms", "300", "--pace-ms", "5"] },
  { name: "d_subagent_serve", flags: [] },
  { name: "d_subagent_serve", flags: ["--start-delay-ms", "300", "--pace-ms", "5"] },
] as const;

describe("short runs that end with dispose and exit", () => {
  test.each(CASES)(
    `%o: ${RUNS_PER_CASE} runs, each delivering every span, log record and metric point`,
    async ({ name, flags }) => {
      const expected = await reference(name);
      expect(expected.spans.length).toBeGreaterThan(0);
      expect(expected.logs.length).toBeGreaterThan(0);
      expect(expected.points.length).toBeGreaterThan(0);
      for (let run = 0; run < RUNS_PER_CASE; run++) {
        receiver.reset();
        const code = await runChild([join(FIXTURE_DIR, `${name}.jsonl`), "0", ...flags], {
          OPENCODE_ENABLE_TELEMETRY: "1",
          OPENCODE_OTLP_PROTOCOL: "http/protobuf",
          OPENCODE_OTLP_ENDPOINT: receiver.httpUrl,
          OPENCODE_OTEL_SPOOL_DIR: mkdtempSync(join(tmpdir(), "otel-short-")),
        });
        expect(code).toBe(0);
        // Everything arrived before the process exited: nothing is waited for here.
        expect(receiver.errors).toEqual([]);
        expect(receiver.spans.map((span) => span.name).sort()).toEqual(expected.spans);
        expect(receiver.logs.map((log) => String(log.attributes["event.name"])).sort()).toEqual(
          expected.logs,
        );
        expect(pointNames(receiver.metrics.map((point) => point.name))).toEqual(expected.points);
      }
    },
    60_000,
  );
});
