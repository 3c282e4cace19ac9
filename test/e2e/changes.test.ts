/**
 * What the agent changed and shipped, on real opencode in real git repositories: lines changed
 * against `git diff --numstat` per process, commits against `git log`, pull requests against
 * what a `gh` stand-in printed, and the local store's report against opencode's own record of
 * the session (`opencode export`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { ReceivedMetricPoint } from "../support/otlp-receiver.js";
import { commitsSince, createGitProject, ghStandIn, git, headOf, numstat } from "./support/git.js";
import {
  createProject,
  exportSession,
  ownFigures,
  type RunResult,
  runOpencode,
} from "./support/opencode.js";
import { localStore, storeReport } from "./support/report.js";
import { type Suite, startSuite, telemetryEnv } from "./support/suite.js";
import {
  counterTotal,
  eventsNamed,
  PROCESS_ATTRIBUTE,
  sessionTelemetry,
  turnIndex,
} from "./support/telemetry.js";

let suite: Suite;
beforeAll(async () => {
  suite = await startSuite();
});
afterAll(async () => {
  await suite?.close();
});

function expectSuccess(run: RunResult): string {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
  expect(run.sessionId).toBeString();
  return run.sessionId ?? "";
}

/** One process's metric points (every process gets its own `e2e.process` label). */
const pointsOf = (label: string) =>
  suite.receiver.metrics.filter((p) => p.resource[PROCESS_ATTRIBUTE] === label);

/** Lines a process exported on `lines_of_code.count`, by type. */
function exportedLines(points: readonly ReceivedMetricPoint[]) {
  const lines = (type: string) =>
    counterTotal(points, "opencode.lines_of_code.count", (p) => p.attributes.type === type);
  return { added: lines("added"), removed: lines("removed") };
}

describe("lines changed", () => {
  test("write and edit, in run and in a resumed run --session: each process exports git's numstat", async () => {
    const { receiver } = suite;
    const project = createGitProject("lines", { "a.txt": "line one\nline two\nline three\n" });
    const db = join(createProject("lines-store"), "telemetry.db");
    const segment = (label: string, message: string, args: string[] = []) =>
      runOpencode({
        project,
        message,
        args,
        env: telemetryEnv({ receiver, protocol: "http/protobuf", label, extra: localStore(db) }),
      });

    // A new file of three lines, then an edit that turns one line into two.
    const base1 = headOf(project);
    const first = await segment(
      "lines-1",
      "Write and edit [[write:new.txt|one\\ntwo\\nthree\\n]] [[read:a.txt]] " +
        "[[edit:a.txt|line two|line 2\\nline 2b]]",
    );
    const sessionId = expectSuccess(first);
    const git1 = numstat(project, base1);
    // The next process starts from a commit of this one's work: its numstat is its own.
    git(project, "add", "-A");
    git(project, "commit", "-q", "-m", "first process");
    const base2 = headOf(project);
    // Resumed: the same file edited twice (git counts the net change), another line emptied.
    const second = await segment(
      "lines-2",
      "Edit again [[read:new.txt]] [[edit:new.txt|two|2\\n2b\\n2c]] [[edit:new.txt|2c|2d]] " +
        "[[edit:a.txt|line three|]]",
      ["--session", sessionId],
    );
    expect(expectSuccess(second)).toBe(sessionId);
    const git2 = numstat(project, base2);
    expect(git1).toEqual({ added: 5, removed: 1 });
    expect(git2.added + git2.removed).toBeGreaterThan(0);

    // Each process's exported lines are git's numstat for what that process did.
    expect(exportedLines(pointsOf("lines-1"))).toEqual(git1);
    expect(exportedLines(pointsOf("lines-2"))).toEqual(git2);
    // With model, agent and tool on every point.
    for (const point of [...pointsOf("lines-1"), ...pointsOf("lines-2")]) {
      if (point.name !== "opencode.lines_of_code.count") continue;
      expect(point.attributes).toMatchObject({ model: "mock-model", "agent.name": "build" });
      expect(["write", "edit"]).toContain(String(point.attributes.tool_name));
    }
    // The log events say the same, linked to their turns; turn 2 continues turn 1's numbering.
    const t = sessionTelemetry(receiver, sessionId);
    const events = eventsNamed(t.logs, "lines_changed");
    const sum = (label: string, key: string) =>
      events
        .filter((log) => log.resource[PROCESS_ATTRIBUTE] === label)
        .reduce((total, log) => total + Number(log.attributes[key]), 0);
    expect([sum("lines-1", "lines_added"), sum("lines-1", "lines_removed")]).toEqual([
      git1.added,
      git1.removed,
    ]);
    expect([sum("lines-2", "lines_added"), sum("lines-2", "lines_removed")]).toEqual([
      git2.added,
      git2.removed,
    ]);
    expect(t.turns.map(turnIndex)).toEqual([1, 2]);
    expect(t.turns.map((turn) => turn.attributes["turn.lines_added"])).toEqual([
      git1.added,
      git2.added,
    ]);

    // opencode's own record agrees, and so does the report over the local store.
    const own = ownFigures(await exportSession(project, sessionId));
    expect({ added: own.added, removed: own.removed }).toEqual({
      added: git1.added + git2.added,
      removed: git1.removed + git2.removed,
    });
    const bySession = storeReport(db, "session");
    const row = bySession.rows.find((r) => r.key === sessionId);
    expect(row).toMatchObject({
      linesAdded: own.added,
      linesRemoved: own.removed,
      totalTokens: own.tokens,
      turns: 2,
      title: "Mock session title",
    });
    expect(row?.costUsd).toBeCloseTo(own.cost, 10);
    for (const by of ["model", "agent"]) {
      const rows = storeReport(db, by).rows;
      expect(rows.map((r) => [r.key, r.linesAdded, r.linesRemoved])).toEqual([
        [by === "model" ? "mock-model" : "build", own.added, own.removed],
      ]);
    }
    const byTool = storeReport(db, "tool").rows;
    const toolLines = byTool.reduce((total, r) => total + r.linesAdded, 0);
    expect(toolLines).toBe(own.added);
  }, 150_000);
});

describe("commits and pull requests", () => {
  test("a real commit, a failing commit and git log --grep=commit count one commit; gh pr create one pull request", async () => {
    const { receiver } = suite;
    const project = createGitProject("ship", { "a.txt": "alpha\n" });
    const db = join(createProject("ship-store"), "telemetry.db");
    const url = "https://github.com/acme/app/pull/42";
    const bin = ghStandIn("ship", url);
    const base = headOf(project);
    const label = "ship";
    const run = await runOpencode({
      project,
      message:
        "Ship it [[write:b.txt|bee\\n]] [[bash:git add b.txt && git commit -m 'add b']] " +
        "[[bash:git commit -m 'nothing to commit here']] [[bash:git log --oneline --grep=commit]] " +
        "[[bash:gh pr create --fill]]",
      env: {
        ...telemetryEnv({ receiver, protocol: "http/protobuf", label, extra: localStore(db) }),
        PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      },
    });
    const sessionId = expectSuccess(run);
    const commits = commitsSince(project, base);
    expect(commits.map(([, subject]) => subject)).toEqual(["add b"]);
    const [[sha] = [""]] = commits;

    const t = sessionTelemetry(receiver, sessionId);
    // The failing commit really failed; the log really ran.
    const bash = t.tools.filter((span) => span.name === "opencode.tool.bash");
    expect(bash.map((span) => span.attributes["tool.exit_code"]).sort()).toEqual([0, 0, 0, 1]);
    expect(eventsNamed(t.logs, "commit").map((log) => log.attributes.sha)).toEqual([sha]);
    expect(counterTotal(pointsOf(label), "opencode.commit.count")).toBe(1);
    const prs = eventsNamed(t.logs, "pull_request");
    expect(prs.map((log) => [log.attributes.url, log.attributes.number])).toEqual([[url, 42]]);
    expect(counterTotal(pointsOf(label), "opencode.pull_request.count")).toBe(1);
    // Each linked to the bash call that made it.
    const bashIds = new Set(bash.map((span) => span.spanId));
    for (const log of [...eventsNamed(t.logs, "commit"), ...prs])
      expect(bashIds.has(log.spanId)).toBe(true);

    const own = ownFigures(await exportSession(project, sessionId));
    const row = storeReport(db, "session").rows.find((r) => r.key === sessionId);
    expect(row).toMatchObject({
      commits: commits.length,
      pullRequests: 1,
      linesAdded: own.added,
      totalTokens: own.tokens,
    });
    expect(own.added).toBe(1);
  }, 120_000);
});
