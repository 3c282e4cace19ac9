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
  statSync,
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

/** Writes ROWS into a new store at `path` from another process; `then` runs there after. */
function writeStore(path: string, then = "store.close();"): void {
  const writer = spawnSync(
    BUN,
    [
      "-e",
      `const { Store } = await import(${JSON.stringify(join(import.meta.dir, "../src/store/store.ts"))});
       const rows = ${JSON.stringify(ROWS)}.map((r) => ({ ...r, startNs: BigInt(r.startNs), endNs: BigInt(r.endNs) }));
       const store = await Store.open(${JSON.stringify(path)});
       store.insertSpans(rows);
       ${then}`,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  expect(writer.stderr).toBe("");
}

/** Leaves `folder` and `file` readable but not writable by the reader. */
function readOnlyFor(folder: string, file: string): void {
  if (root) {
    chmodSync(folder, 0o755);
    chmodSync(file, 0o644);
  } else {
    chmodSync(file, 0o444);
    chmodSync(folder, 0o555);
  }
}

beforeAll(() => {
  // Written by another process that has ended, as a store left by opencode is: its WAL is
  // checkpointed and removed, so a reader without write access cannot lean on a `-shm` left
  // behind by a writer still running.
  writeStore(db);
  expect(existsSync(`${db}-wal`) || existsSync(`${db}-shm`)).toBe(false);
  mkdirSync(home);
  if (root) chownSync(home, NOBODY, NOBODY);
  readOnlyFor(dir, db);
});

afterAll(() => {
  for (const folder of [dir, ...made]) chmodSync(folder, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

const made: string[] = [];
/** A folder inside `dir` for one more store. */
function folder(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  made.push(path);
  return path;
}

/** The report's session rows as [key, LLM calls, cost]. */
function sessionRows(out: string): [string, number, number][] {
  const report: { rows: { key: string; llmCalls: number; costUsd: number }[] } = JSON.parse(out);
  return report.rows.map((r) => [r.key, r.llmCalls, r.costUsd]);
}

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
    expect(sessionRows(result.out)).toEqual([["ses_readonly", 30, 15]]);
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

  test("a v3 store (before the usage slots) is reported from its spans, and says so", async () => {
    const where = folder("v3");
    const path = join(where, "telemetry.db");
    // The v3 schema as the previous release leaves it: the same store without what v4 added.
    writeStore(
      path,
      `store.close();
       const { openDatabase } = await import(${JSON.stringify(join(import.meta.dir, "../src/store/db.ts"))});
       const db = await openDatabase(${JSON.stringify(path)});
       db.exec("DROP TABLE usage_slots; DROP INDEX spans_title; UPDATE schema_version SET version = 3");
       db.close();`,
    );
    readOnlyFor(where, path);
    const before = readFileSync(path);
    const result = await asReader(["report", "--by", "session", "--json", "--db", path]);
    expect(result.code).toBe(0);
    expect(result.err).toContain("note: the store is at schema v3");
    expect(sessionRows(result.out)).toEqual([["ses_readonly", 30, 15]]);
    const byDay = await asReader(["report", "--db", path]);
    expect(byDay.code).toBe(0);
    expect(byDay.out).toContain("30");
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  test("a log it cannot read is said to be left out, never skipped silently", async () => {
    const where = folder("wal");
    const path = join(where, "telemetry.db");
    const empty = join(where, "empty.db");
    writeStore(path);
    // Writers killed after their commits, before any checkpoint: 30 more rows (of another
    // trace) are in the log only; in the second store, everything is, its schema included.
    const more = `store.insertSpans(rows.map((r) => ({ ...r, traceId: "cd".repeat(16) })));
       process.kill(process.pid, "SIGKILL");`;
    writeStore(path, more);
    writeStore(empty, 'process.kill(process.pid, "SIGKILL");');
    for (const file of [path, empty]) {
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
      // Without the log's index, in a folder it cannot write, SQLite reads the file immutable.
      rmSync(`${file}-shm`, { force: true });
      chmodSync(`${file}-wal`, 0o444);
      readOnlyFor(where, file);
    }
    const result = await asReader(["report", "--by", "session", "--json", "--db", path]);
    expect(result.code).toBe(0);
    expect(result.err).toContain("note: the store's write-ahead log");
    expect(result.err).toContain("is left out");
    expect(sessionRows(result.out)).toEqual([["ses_readonly", 30, 15]]);
    const none = await asReader(["report", "--db", empty]);
    expect(none.code).not.toBe(0);
    expect(none.err).toContain("write-ahead log");
    expect(none.err).not.toContain("not a telemetry store");
  });
});
