import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  childArgs,
  closedPort,
  type LogLine,
  matching,
  namesIn,
  parseLogs,
  pluginEnv,
  referenceSpans,
  run,
  runChild,
} from "./support/delivery.js";
import { type Receiver, startOtlpReceiver } from "./support/otlp-receiver.js";

const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const CAPTURE = "b1_multiturn_run";
// Seven turns: paced, each turn's spans are a request of their own.
const PACED = "c2_errors_serve";
// A segment index past the capture's last: the process loads the plugin and does nothing else,
// so what it sends is what an earlier process kept.
const IDLE = 99;
const FILLER = 12 * 1024;

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});

const scratch = () => mkdtempSync(join(tmpdir(), "otel-spool-full-"));

/** Whether this machine lets an unprivileged mount namespace mount a tmpfs (a real full disk). */
function canMountTmpfs(): boolean {
  const probe = scratch();
  const result = spawnSync("unshare", [
    "-rm",
    "sh",
    "-c",
    `mount -t tmpfs -o size=8k tmpfs ${probe}`,
  ]);
  return result.status === 0;
}

/** `lost N <signal> export(s) (M <unit>)` at exit, per signal; kept counts likewise. */
function exitReport(logs: readonly LogLine[]) {
  const lost = new Map<string, { exports: number; items: number }>();
  const kept = new Map<string, number>();
  for (const { message } of logs) {
    const gone = /lost (\d+) (traces|logs|metrics) export\(s\) \((\d+)\+? /.exec(message);
    if (gone) lost.set(gone[2] ?? "", { exports: Number(gone[1]), items: Number(gone[3]) });
    const stays = /: (\d+) (traces|logs|metrics) export\(s\) not delivered yet are kept in/.exec(
      message,
    );
    if (stays) kept.set(stays[2] ?? "", Number(stays[1]));
  }
  return { lost, kept };
}

describe("a spool on a full disk", () => {
  test.skipIf(!canMountTmpfs())(
    "a 24 KiB tmpfs: the log says what was written and what was lost, exactly, and leaves no temporary file",
    async () => {
      const work = scratch();
      const disk = join(work, "disk");
      mkdirSync(disk);
      const spool = join(disk, "spool");
      const down = pluginEnv(`http://127.0.0.1:${await closedPort()}`, spool, {
        OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "1000",
      });
      const up = pluginEnv(receiver.httpUrl, spool);
      const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
      const child = (args: string[], env: Record<string, string>, out: string) =>
        `env -i ${Object.entries({ ...env, PATH: process.env.PATH ?? "" })
          .map(([k, v]) => quote(`${k}=${v}`))
          .join(
            " ",
          )} ${quote(process.execPath)} ${args.map(quote).join(" ")} > ${quote(join(work, out))}`;
      // The tmpfs lives only as long as the namespace: both processes and the listings run in it.
      const script = [
        "set -e",
        `mount -t tmpfs -o size=24k,mode=0755 tmpfs ${quote(disk)}`,
        // Most of the disk is taken already (outside the spool folder): a few requests fit.
        `head -c ${FILLER} /dev/zero > ${quote(join(disk, "filler"))}`,
        child(childArgs(PACED, 0, ["--pace-ms", "150"]), down, "first.out"),
        `ls -1 ${quote(spool)} > ${quote(join(work, "after-first"))}`,
        child(childArgs(PACED, IDLE), up, "second.out"),
        `ls -1 ${quote(spool)} > ${quote(join(work, "after-second"))}`,
      ].join("\n");
      receiver.reset();
      const result = await run("unshare", ["-rm", "sh", "-c", script], {}, { timeoutMs: 60_000 });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const first = parseLogs(readFileSync(join(work, "first.out"), "utf8"));
      const files = readFileSync(join(work, "after-first"), "utf8").split("\n").filter(Boolean);

      // Said truthfully, when it happened and at exit.
      expect(
        matching(first, /cannot write \w+ exports to the spool .*ENOSPC/).length,
      ).toBeGreaterThan(0);
      const { lost, kept } = exitReport(first);
      expect(lost.get("traces")?.items ?? 0).toBeGreaterThan(0);
      // What the exit log calls kept is on disk, file for file, and nothing half-written is.
      expect(files.filter((name) => name.endsWith(".tmp"))).toEqual([]);
      for (const signal of ["traces", "logs", "metrics"])
        expect(files.filter((name) => name.includes(`-${signal}-`)).length).toBe(
          kept.get(signal) ?? 0,
        );

      // The next process delivers what was kept: with what was reported lost, that is all of it.
      const expected = await referenceSpans(PACED, 0);
      const delivered = receiver.spans.length;
      expect(delivered).toBeGreaterThan(0);
      expect(delivered + (lost.get("traces")?.items ?? 0)).toBe(expected.length);
      expect(readFileSync(join(work, "after-second"), "utf8").trim()).toBe("");
    },
    90_000,
  );
});

describe("a spool that cannot be written", () => {
  test("ENOTDIR (a file where the folder should be): memory only, said at start and at exit", async () => {
    const work = scratch();
    writeFileSync(join(work, "state"), "a file, not a folder");
    const spool = join(work, "state", "spool");
    const env = pluginEnv(`http://127.0.0.1:${await closedPort()}`, spool, {
      OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "1000",
    });
    const result = await runChild(CAPTURE, 0, env);
    expect(result.code).toBe(0);
    expect(matching(result.logs, /not using the spool folder .*ENOTDIR/)).toHaveLength(1);
    const { lost, kept } = exitReport(result.logs);
    expect(kept.size).toBe(0);
    // Every span of the run is in the loss report: none was kept anywhere.
    expect(lost.get("traces")?.items).toBe((await referenceSpans(CAPTURE, 0)).length);
  }, 30_000);

  test.skipIf(!ROOT)(
    "EACCES (a folder of ours we may not write): memory only, and nothing claimed kept",
    async () => {
      const work = scratch();
      chmodSync(work, 0o755);
      const spool = join(work, "spool");
      mkdirSync(spool, { mode: 0o500 });
      chownSync(spool, NOBODY, NOBODY);
      const env = pluginEnv(`http://127.0.0.1:${await closedPort()}`, spool, {
        OPENCODE_OTEL_SHUTDOWN_TIMEOUT: "1000",
      });
      const result = await runChild(CAPTURE, 0, env, { uid: NOBODY });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(
        matching(result.logs, /cannot write traces exports to the spool .*EACCES/),
      ).toHaveLength(1);
      const { lost, kept } = exitReport(result.logs);
      expect(kept.size).toBe(0);
      expect(lost.get("traces")?.items).toBe((await referenceSpans(CAPTURE, 0)).length);
      expect(namesIn(spool)).toEqual([]);
    },
    30_000,
  );

  test("kept in memory meanwhile: a collector that comes back within the run gets everything", async () => {
    const work = scratch();
    writeFileSync(join(work, "state"), "a file, not a folder");
    receiver.reset();
    // The first turn's spans are refused; the turns after it take longer than the backoff.
    receiver.failNext({ status: 503, count: 1, signal: "traces" });
    const env = pluginEnv(receiver.httpUrl, join(work, "state", "spool"));
    const result = await runChild(PACED, 0, env, { extra: ["--pace-ms", "300"] });
    expect(result.code).toBe(0);
    expect(receiver.requestLog.some((request) => request.failedWith === 503)).toBe(true);
    expect(receiver.spans.map((span) => span.name).sort()).toEqual(await referenceSpans(PACED, 0));
    expect(exitReport(result.logs).lost.size).toBe(0);
  }, 30_000);
});
