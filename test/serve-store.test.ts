/**
 * `serve` and the state of its store, as real processes on real files: a damaged store is
 * refused at start with a clear message, damage found while running is answered with a
 * non-retryable 500 and stops the receiver (never an endless 503), and another process holding
 * the write lock makes requests wait without blocking the receiver's event loop.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pluginSpans, traceBatches } from "../bench/serve-batches.js";
import { Store } from "../src/store/index.js";
import { BUN, runCliProcess, startServe } from "./support/serve-process.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-serve-store-"));
let batches: Uint8Array[];
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  batches = traceBatches(await pluginSpans(), { count: 400, size: 50 });
});

/** A store holding `count` real batches, closed cleanly (no WAL left). */
async function filledStore(name: string, count: number): Promise<string> {
  const db = join(dir, `${name}.db`);
  const serve = await startServe({ args: ["--no-grpc", "--db", db] });
  for (const body of batches.slice(0, count))
    expect((await post(serve.httpUrl, body)).status).toBe(200);
  expect(await serve.stop()).toBe(0);
  return db;
}

const post = (url: string, body: Uint8Array) =>
  fetch(`${url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf" },
    body,
  });

/** Overwrites every page after the first (the header) from `fromPage` on with garbage. */
function damage(path: string, fromPage = 2): void {
  const fd = openSync(path, "r+");
  try {
    const size = fstatSync(fd).size;
    const garbage = Buffer.alloc(4096, 0xa5);
    for (let offset = (fromPage - 1) * 4096; offset < size; offset += 4096 * 3)
      writeSync(fd, garbage, 0, garbage.length, offset);
  } finally {
    closeSync(fd);
  }
}

describe("a damaged store", () => {
  test("is refused at start, with the path and what to do", async () => {
    const db = await filledStore("damaged-at-start", 60);
    damage(db, 3);
    const result = await runCliProcess(["serve", "--port", "0", "--no-grpc", "--db", db]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`the store at ${db} is damaged`);
    expect(result.err).toContain("move it aside");
    expect(result.err).not.toContain("Press Ctrl-C");
  });

  test("found while running gets 500 (not retryable), and the receiver stops with exit 1", async () => {
    const db = await filledStore("damaged-while-running", 200);
    const serve = await startServe({ args: ["--no-grpc", "--db", db] });
    damage(db, 3);
    const statuses: number[] = [];
    for (const body of batches.slice(200, 260)) {
      const response = await post(serve.httpUrl, body).catch(() => undefined);
      if (!response) break;
      statuses.push(response.status);
      if (response.status !== 200) break;
    }
    expect(statuses.at(-1)).toBe(500);
    expect(statuses).not.toContain(503);
    expect(await serve.stop()).toBe(1);
    expect(serve.stderr()).toContain(`the store at ${db} is damaged`);
  }, 30_000);
});

describe("a store locked by another process", () => {
  test("makes requests wait for the lock without blocking the receiver", async () => {
    const db = join(dir, "locked.db");
    (await Store.open(db)).close();
    const serve = await startServe({ args: ["--no-grpc", "--db", db] });
    try {
      // Another writer (as a plugin's local exporter would) holds the write lock for 2 s.
      const holder = spawn(
        BUN,
        [
          "-e",
          `const { Database } = require("bun:sqlite");
           const db = new Database(${JSON.stringify(db)});
           db.exec("PRAGMA busy_timeout=5000"); db.exec("BEGIN IMMEDIATE");
           console.log("locked");
           setTimeout(() => { db.exec("COMMIT"); db.close(); }, 2000);`,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      const released = new Promise((resolve) => holder.once("exit", resolve));
      await new Promise<void>((resolve) => holder.stdout?.once("data", () => resolve()));
      const started = performance.now();
      const waiting = post(serve.httpUrl, batches[300] ?? new Uint8Array());
      await Bun.sleep(200);
      // The event loop is free: an unrelated request is answered at once.
      const quick = await fetch(`${serve.httpUrl}/v1/traces`);
      expect(quick.status).toBe(405);
      expect(performance.now() - started).toBeLessThan(1000);
      expect((await waiting).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThan(1500);
      await released;
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 20_000);
});
