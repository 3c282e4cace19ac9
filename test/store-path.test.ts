/**
 * The plugin and the CLI agree on the store's default file on every platform, so `report`
 * reads what the plugin's local exporter wrote: checked as data for Linux, macOS and Windows,
 * and through real processes (the built plugin writing, the built CLI reading) on this machine.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { storePathOf } from "../src/cli/store.js";
import { parseConfig } from "../src/config/parse.js";
import { defaultStorePath } from "../src/store/paths.js";

const ROOT = resolve(import.meta.dir, "..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const dir = mkdtempSync(join(tmpdir(), "opencode-otel-store-path-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PLATFORMS = [
  { platform: "linux", home: "/home/u", env: {} },
  { platform: "linux", home: "/home/u", env: { XDG_DATA_HOME: "/data" } },
  { platform: "linux", home: "/home/u", env: { XDG_DATA_HOME: "relative/ignored" } },
  { platform: "darwin", home: "/Users/u", env: { XDG_DATA_HOME: "/data" } },
  { platform: "win32", home: "C:\\Users\\u", env: {} },
  { platform: "win32", home: "C:\\Users\\u", env: { LOCALAPPDATA: "D:\\Local" } },
] as const;

describe("the default store path", () => {
  for (const { platform, home, env } of PLATFORMS) {
    test(`is the same file for the plugin and the CLI on ${platform} ${JSON.stringify(env)}`, () => {
      const plugin = parseConfig({ env, platform, home }).config.local.path;
      const cli = defaultStorePath({ env, platform, home });
      expect(plugin).toBe(cli ?? "(no default)");
      expect(plugin).toContain("opencode-otel");
      expect(plugin).toEndWith("telemetry.db");
    });
  }

  test("is the platform's data folder", () => {
    expect(defaultStorePath({ env: {}, platform: "darwin", home: "/Users/u" })).toBe(
      "/Users/u/Library/Application Support/opencode-otel/telemetry.db",
    );
    expect(defaultStorePath({ env: {}, platform: "win32", home: "C:\\Users\\u" })).toBe(
      "C:\\Users\\u\\AppData\\Local\\opencode-otel\\telemetry.db",
    );
  });

  test("an explicit OPENCODE_OTEL_STORE still wins for both", () => {
    const env = { OPENCODE_OTEL_STORE: "/x/t.db" };
    expect(parseConfig({ env, platform: "darwin", home: "/Users/u" }).config.local.path).toBe(
      "/x/t.db",
    );
    expect(storePathOf(undefined, env)).toBe("/x/t.db");
  });

  test("the built plugin writes where the built CLI reads, with neither told the path", () => {
    const home = join(dir, "home");
    // Only HOME: no XDG_DATA_HOME and no OPENCODE_OTEL_STORE, so both use their default rule.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home };
    const plugin = spawnSync(
      BUN,
      [
        join(ROOT, "test/support/replay-child.ts"),
        "test/fixtures/opencode-1.18.33/a_single.jsonl",
        "0",
      ],
      {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60_000,
        env: { ...env, OPENCODE_ENABLE_TELEMETRY: "1", OPENCODE_OTLP_PROTOCOL: "local" },
      },
    );
    expect(plugin.status).toBe(0);
    expect(existsSync(defaultStorePath({ env: {}, home }) ?? "(no default)")).toBe(true);
    const report = spawnSync(
      BUN,
      [join(ROOT, "dist/cli.js"), "report", "--by", "session", "--json"],
      {
        encoding: "utf8",
        timeout: 60_000,
        env,
      },
    );
    expect(report.stderr).toBe("");
    expect(report.status).toBe(0);
    const parsed: { rows: { key: string; llmCalls: number }[] } = JSON.parse(report.stdout);
    expect(parsed.rows.length).toBe(1);
    expect(parsed.rows[0]?.key).toStartWith("ses_");
    expect(parsed.rows[0]?.llmCalls).toBeGreaterThan(0);
  });
});
