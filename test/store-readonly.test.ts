/**
 * `report` and `export` on a store this user can read but not write (another user's store, a
 * read-only copy): real CLI processes run as an unprivileged user (as root, through setpriv;
 * otherwise with the files made read-only), on a store written by the real plugin exporter.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOtlpReceiver } from "./support/otlp-receiver.js";
import { BUN, CLI } from "./support/serve-process.js";

const NOBODY = 65534;
const root = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), "opencode-otel-readonly-"));
const db = join(dir, "telemetry.db");
const home = join(dir, "home");
const T0 = 1_750_000_000_000_000_000n;

const ROWS = Array.from({ length: 30 }, (_, i) => ({
  traceId: "ab".repeat(16),
  spanId: (i + 1).toString(16).padStart(16, "0"),
  parentSpanId: "",
  name: "opencode.llm",
  kind: 3,
  startNs: String(T0 + BigInt(i) * 1_000_000_000n),
  endNs: String(T0 + BigInt(i) * 1_000_000_000n + 500_000_000n),
  statusCode: 0,
  statusMessage: "",
  serviceName: "opencode",
  attributes: {
    "openinference.span.kind": "LLM",
    "session.id": "ses_readonly",
    "gen_ai.request.model": "m1",
    "gen_ai.usage.input_tokens": 100,
    "llm.cost.total": 0.5,
  },
  resource: { "service.name": "opencode" },
  events: [],
}));

beforeAll(() => {
  // Written by another process that has ended, as a store left by opencode is: its WAL is
  // checkpointed and removed, so a reader without write access cannot lean on a `-shm` left
  // behind by a writer still running.
  const writer = spawnSync(
    BUN,
    [
      "-e",
      `const { Store } = await import(${JSON.stringify(join(import.meta.dir, "../src/store/store.ts"))});
       const rows = ${JSON.stringify(ROWS)}.map((r) => ({ ...r, startNs: BigInt(r.startNs), endNs: BigInt(r.endNs) }));
       const store = await Store.open(${JSON.stringify(db)});
       store.insertSpans(rows);
       store.close();`,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  expect(writer.stderr).toBe("");
  expect(existsSync(`${db}-wal`) || existsSync(`${db}-shm`)).toBe(false);
  mkdirSync(home);
  if (root) {
    chmodSync(dir, 0o755);
    chmodSync(db, 0o644);
    chownSync(home, NOBODY, NOBODY);
  } else {
    chmodSync(db, 0o444);
    chmodSync(dir, 0o555);
  }
});

afterAll(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI as a user who may read the store but not write it or its folder (async: the test's
 * own receiver must keep answering meanwhile). */
async function asReader(args: string[]) {
  const command = root ? "setpriv" : BUN;
  const argv = root
    ? [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", BUN, CLI, ...args]
    : [CLI, ...args];
  const child = spawn(command, argv, {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      XDG_STATE_HOME: join(home, "state"),
    },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk) => {
    out += String(chunk);
  });
  child.stderr.on("data", (chunk) => {
    err += String(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, out, err };
}

describe("a store the user can read but not write", () => {
  test("the user really cannot write it", () => {
    const touch = spawnSync(
      root ? "setpriv" : "sh",
      root
        ? [
            `--reuid=${NOBODY}`,
            `--regid=${NOBODY}`,
            "--clear-groups",
            "sh",
            "-c",
            `echo x >> ${db}`,
          ]
        : ["-c", `echo x >> ${db}`],
    );
    expect(touch.status).not.toBe(0);
  });

  test("report reads it, with the same figures as a writer gets", async () => {
    const before = readFileSync(db);
    const result = await asReader(["report", "--by", "session", "--json", "--db", db]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const report: { rows: { key: string; llmCalls: number; costUsd: number }[] } = JSON.parse(
      result.out,
    );
    expect(report.rows.map((r) => [r.key, r.llmCalls, r.costUsd])).toEqual([
      ["ses_readonly", 30, 15],
    ]);
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  test("export sends everything once and keeps its position in the user's state folder", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const first = await asReader(["export", "--endpoint", receiver.httpUrl, "--db", db]);
      expect(first.err).toContain("spans 30/30");
      expect(first.code).toBe(0);
      expect(receiver.spans).toHaveLength(30);
      const again = await asReader(["export", "--endpoint", receiver.httpUrl, "--db", db]);
      expect(again.code).toBe(0);
      expect(again.err).toContain("nothing new");
      expect(receiver.spans).toHaveLength(30);
      expect(readdirSync(join(home, "state/opencode-otel/exports"))).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});
