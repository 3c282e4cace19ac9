/**
 * Identity is private by default: `user.email` (from git's own config files) and `host.name` are
 * exported only when switched on, and then on every signal that documents them. A capture is
 * replayed through the whole plugin and the real SDK, with a real home folder and project.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay } from "./support/replay.js";

let work: string;
let home: string;
let project: string;
let bare: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "opencode-otel-identity-"));
  home = join(work, "home");
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, ".gitconfig"), "[user]\n\tname = Dev\n\temail = dev@home.example\n");
  // A project with its own `user.email`, which wins over the home one (as in git).
  project = join(work, "project");
  mkdirSync(join(project, ".git"), { recursive: true });
  writeFileSync(
    join(project, ".git", "config"),
    "[core]\n\tbare = false\n[user]\n\temail = dev@project.example\n",
  );
  bare = join(work, "no-git");
  mkdirSync(bare, { recursive: true });
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function run(env: Record<string, string>, directory: string) {
  const collected = new Collected();
  await replay(loadFixture("a_single"), {
    env: {
      OPENCODE_ENABLE_TELEMETRY: "1",
      HOME: home,
      XDG_STATE_HOME: join(work, "state"),
      ...env,
    },
    exporters: collected.overrides(),
    directory,
  });
  const metrics = collected.metrics;
  expect(collected.spans.length).toBeGreaterThan(0);
  expect(collected.logs.length).toBeGreaterThan(0);
  expect(metrics.length).toBeGreaterThan(0);
  return {
    resources: [
      ...collected.spans.map((span) => span.resource.attributes),
      ...collected.logs.map((log) => log.resource.attributes),
      ...metrics.map((rm) => rm.resource.attributes),
    ],
    points: metrics.flatMap((rm) =>
      rm.scopeMetrics.flatMap((scope) =>
        scope.metrics.flatMap((metric) =>
          // The GenAI conventions' metrics carry only their own attributes.
          metric.descriptor.name.startsWith("gen_ai.")
            ? []
            : metric.dataPoints.map((point) => point.attributes),
        ),
      ),
    ),
    events: collected.logs.map((log) => log.attributes ?? {}),
  };
}

describe("user.email", () => {
  test("is exported nowhere by default, even with a git email at hand", async () => {
    const { resources, points, events } = await run({}, project);
    for (const attributes of [...resources, ...points, ...events])
      expect(attributes["user.email"]).toBeUndefined();
  });

  test("switched on: the project's git email on the resource, every point and every event", async () => {
    const { resources, points, events } = await run(
      { OPENCODE_OTEL_INCLUDE_USER_EMAIL: "true" },
      project,
    );
    expect(points.length).toBeGreaterThan(0);
    for (const attributes of [...resources, ...points, ...events])
      expect(attributes["user.email"]).toBe("dev@project.example");
  });

  test("switched on outside a repository: the home folder's ~/.gitconfig", async () => {
    const { resources, points } = await run({ OPENCODE_OTEL_INCLUDE_USER_EMAIL: "1" }, bare);
    for (const attributes of [...resources, ...points])
      expect(attributes["user.email"]).toBe("dev@home.example");
  });

  test("the option form works like the variable", async () => {
    const collected = new Collected();
    await replay(loadFixture("a_single"), {
      env: { OPENCODE_ENABLE_TELEMETRY: "1", HOME: home, XDG_STATE_HOME: join(work, "state") },
      options: { includeUserEmail: true },
      exporters: collected.overrides(),
      directory: project,
    });
    expect(collected.spans[0]?.resource.attributes["user.email"]).toBe("dev@project.example");
  });
});

describe("host.name", () => {
  test("is not on the resource by default", async () => {
    const { resources } = await run({}, bare);
    for (const attributes of resources) expect(attributes["host.name"]).toBeUndefined();
    // The rest of the host identity is always there.
    expect(resources[0]?.["host.arch"]).toBeString();
    expect(resources[0]?.["os.type"]).toBeString();
  });

  test("switched on: this machine's host name on every signal's resource", async () => {
    const { resources, points } = await run({ OPENCODE_OTEL_INCLUDE_HOST_NAME: "true" }, bare);
    for (const attributes of resources) expect(attributes["host.name"]).toBe(hostname());
    // A resource attribute, not a point label: one per process, never a series multiplier.
    for (const attributes of points) expect(attributes["host.name"]).toBeUndefined();
  });
});
