/**
 * One Node story: the packed CLI, installed the way `npm i -g opencode-otel` installs it, runs its
 * commands on every supported Node release line (22 and 24, provisioned by
 * `scripts/provision.mjs --node`) and under Bun, and on an older Node says what to do in one line
 * and exits 2. The report it prints equals the one the store computes in-process.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { MINIMUM_NODE } from "../src/cli/runtime.js";
import { createPluginInstance } from "../src/plugin.js";
import { Store } from "../src/store/store.js";
import { loadFixture } from "./support/fixtures.js";
import { TEST_ENV } from "./support/replay.js";

const ROOT = resolve(import.meta.dir, "..");
const pkg: { version: string; engines: { node: string }; config: { nodeVersions: string[] } } =
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const dir = mkdtempSync(join(tmpdir(), "opencode-otel-runtimes-"));
const storePath = join(dir, "telemetry.db");
const prefix = join(dir, "global");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nodeOs = process.platform === "win32" ? "win" : process.platform;
/** The provisioned Node binaries, by major version: supported lines and one older one. */
const nodes = pkg.config.nodeVersions.map((version) => {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const bin = join(ROOT, "node_modules/.tools", `node-${major}`, "node_modules");
  const supported =
    major > MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor >= MINIMUM_NODE[1]);
  return { version, supported, bin: join(bin, `node-${nodeOs}-${process.arch}`, "bin", "node") };
});
const provisioned = nodes.filter((node) => node.supported);
const unsupported = nodes.filter((node) => !node.supported);
const bunBinary = join(ROOT, "node_modules/.bin/bun");
const installedCli = join(prefix, "bin", "opencode-otel");

function run(command: string, args: string[], path: string) {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    env: { PATH: path, HOME: dir, OPENCODE_OTEL_STORE: storePath },
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** PATH with this Node first, so the bin's `#!/usr/bin/env node` picks it. */
const pathWith = (node: string) => [dirname(node), "/usr/bin", "/bin"].join(delimiter);

beforeAll(async () => {
  // A store with one real captured session in it.
  const instance = await createPluginInstance({
    env: { ...TEST_ENV, OPENCODE_OTLP_PROTOCOL: "local", OPENCODE_OTEL_STORE: storePath },
    directory: "/home/dev/projects/runtimes",
    logSink: () => undefined,
  });
  for (const record of loadFixture("a_single")) {
    const input = record.input as { event?: unknown } | undefined;
    if (record.hook === "event") await instance.hooks.event?.({ event: input?.event });
    else if (record.hook === "chat.message")
      await instance.hooks["chat.message"]?.(record.input, record.output);
  }
  await instance.hooks.dispose?.();

  // The package as npm publishes it, installed as `npm i -g` would (the registry only serves
  // @grpc/grpc-js, which npm's cache already holds after `npm ci`).
  const packed = spawnSync("npm", ["pack", "--silent", "--pack-destination", dir], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(packed.status).toBe(0);
  const tarball = join(dir, packed.stdout.trim().split("\n").pop() ?? "");
  const installed = spawnSync(
    "npm",
    ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", tarball],
    { encoding: "utf8" },
  );
  expect(installed.stderr).not.toContain("ERR!");
  expect(installed.status).toBe(0);
}, 120_000);

describe("the installed CLI on each runtime", () => {
  test("package.json engines says the same as the CLI's own check, and both kinds are tested", () => {
    expect(pkg.engines.node).toBe(`>=${MINIMUM_NODE.join(".")}.0`);
    expect(provisioned.map((node) => node.version.split(".")[0])).toEqual(["22", "24"]);
    expect(unsupported.length).toBeGreaterThan(0);
  });

  for (const node of provisioned) {
    test(`Node ${node.version}: report --json equals the store's own report`, async () => {
      expect(existsSync(node.bin)).toBe(true);
      const version = run(node.bin, ["--version"], pathWith(node.bin));
      expect(version.out.trim()).toBe(`v${node.version}`);
      const report = run(installedCli, ["report", "--by", "session", "--json"], pathWith(node.bin));
      expect(report.err).toBe("");
      expect(report.code).toBe(0);
      const store = await Store.open(storePath);
      try {
        const expected = store.report({ group: "session" });
        const printed = JSON.parse(report.out) as typeof expected;
        expect(printed.total.costUsd).toBeCloseTo(expected.total.costUsd, 12);
        expect(printed.total.llmCalls).toBe(expected.total.llmCalls);
        expect(printed.total.llmCalls).toBeGreaterThan(0);
      } finally {
        store.close();
      }
      const help = run(installedCli, ["--help"], pathWith(node.bin));
      expect(help.code).toBe(0);
      expect(help.out).toContain("Usage: opencode-otel <command>");
    });
  }

  test("Bun runs the same CLI", () => {
    const report = run(bunBinary, [installedCli, "report", "--json"], "/usr/bin:/bin");
    expect(report.err).toBe("");
    expect(report.code).toBe(0);
    expect(JSON.parse(report.out).total.llmCalls).toBeGreaterThan(0);
  });

  for (const node of unsupported) {
    test(`Node ${node.version}: one line saying what to do, and exit 2`, () => {
      expect(existsSync(node.bin)).toBe(true);
      for (const args of [["report"], ["--help"], ["serve", "--port", "0"]]) {
        const result = run(installedCli, args, pathWith(node.bin));
        expect(result.code).toBe(2);
        expect(result.out).toBe("");
        const lines = result.err.trimEnd().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain("needs Node 22.13+ (Node 22 or 24) or Bun");
        expect(lines[0]).toContain(`this is Node ${node.version}`);
      }
    });
  }
});
