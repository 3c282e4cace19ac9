/**
 * `code_edit_tool.decision`, Claude Code's count of permission decisions on file edits, from a
 * real opencode 1.18.33 session that asked before edits (`m_permissions_serve`: answered once,
 * rejected, refused by a `deny` rule, answered always, then not asked again), replayed through the
 * whole plugin and the real SDK. opencode marks a call running before it asks, so a decision
 * counted at the start would count an asked call twice: every edit call must count exactly once.
 */
import { describe, expect, test } from "bun:test";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { editCalls, loadFixture, loadTruth } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay } from "./support/replay.js";

interface Decision {
  tool_name: unknown;
  decision: unknown;
  source: unknown;
  language: unknown;
  value: number;
}

/** The decision points of the last snapshot, one per attribute set. */
function decisions(metrics: readonly ResourceMetrics[], name: string): Decision[] {
  const found: Decision[] = [];
  for (const scope of metrics.at(-1)?.scopeMetrics ?? [])
    for (const metric of scope.metrics)
      if (metric.descriptor.name === name)
        for (const point of metric.dataPoints)
          found.push({
            tool_name: point.attributes.tool_name,
            decision: point.attributes.decision,
            source: point.attributes.source,
            language: point.attributes.language,
            value: Number(point.value),
          });
  const key = (d: Decision) => `${d.tool_name} ${d.language} ${d.source}`;
  return found.sort((a, b) => key(a).localeCompare(key(b)));
}

async function run(profile: "opencode" | "claude_code") {
  const collected = new Collected();
  await replay(loadFixture("m_permissions_serve"), {
    env: { OPENCODE_ENABLE_TELEMETRY: "1", OPENCODE_OTEL_PROFILE: profile },
    exporters: collected.overrides(),
  });
  return collected;
}

describe("code_edit_tool.decision on real opencode permission questions", () => {
  test("the capture is the scenario: three questions answered once, reject, always", () => {
    const truth = loadTruth("m_permissions_serve") as {
      replies: { permission: string; patterns: string[]; reply: string }[];
    };
    expect(truth.replies).toEqual([
      { permission: "edit", patterns: ["app.ts"], reply: "once" },
      { permission: "edit", patterns: ["tool.py"], reply: "reject" },
      { permission: "edit", patterns: ["notes.md"], reply: "always" },
    ]);
    // opencode marks each asked call running before it asks.
    const calls = editCalls(loadFixture("m_permissions_serve"));
    expect(calls.map((c) => [c.tool, c.file, c.status, c.asked])).toEqual([
      ["write", "app.ts", "completed", true],
      ["write", "tool.py", "error", true],
      ["write", "yarn.lock", "error", false],
      ["write", "notes.md", "completed", true],
      ["edit", "notes.md", "completed", false],
    ]);
  });

  test("each edit call counts once: the user's answer, else the rules (config)", async () => {
    const { metrics } = await run("claude_code");
    expect(decisions(metrics, "claude_code.code_edit_tool.decision")).toEqual([
      { tool_name: "edit", language: "Markdown", decision: "accept", source: "config", value: 1 },
      {
        tool_name: "write",
        language: "Markdown",
        decision: "accept",
        source: "user_permanent",
        value: 1,
      },
      {
        tool_name: "write",
        language: "Python",
        decision: "reject",
        source: "user_reject",
        value: 1,
      },
      {
        tool_name: "write",
        language: "TypeScript",
        decision: "accept",
        source: "user_temporary",
        value: 1,
      },
      { tool_name: "write", language: "unknown", decision: "reject", source: "config", value: 1 },
    ]);
  });

  test("as many decisions as edit calls in every capture, under both profiles", async () => {
    for (const name of ["f_lines_run", "i_subagent_lines_serve", "m_permissions_serve"]) {
      const records = loadFixture(name);
      const expected = editCalls(records).length;
      expect(expected).toBeGreaterThan(0);
      for (const [profile, metric] of [
        ["opencode", "opencode.code_edit_tool.decision"],
        ["claude_code", "claude_code.code_edit_tool.decision"],
      ] as const) {
        const collected = new Collected();
        await replay(records, {
          env: { OPENCODE_ENABLE_TELEMETRY: "1", OPENCODE_OTEL_PROFILE: profile },
          exporters: collected.overrides(),
        });
        // One instance per process: sum every instance's last snapshot.
        let counted = 0;
        const seen = new Set<unknown>();
        for (const rm of [...collected.metrics].reverse()) {
          const instance = rm.resource.attributes["service.instance.id"];
          if (seen.has(instance)) continue;
          seen.add(instance);
          counted += decisions([rm], metric).reduce((sum, d) => sum + d.value, 0);
        }
        expect({ name, profile, counted }).toEqual({ name, profile, counted: expected });
      }
    }
  });

  test("the tool_decision events are the answered questions", async () => {
    const { logs } = await run("opencode");
    const events = logs.filter((log) => log.attributes?.["event.name"] === "tool_decision");
    expect(
      events.map((log) => [
        log.attributes?.tool_name,
        log.attributes?.decision,
        log.attributes?.source,
      ]),
    ).toEqual([
      ["write", "accept", "user_temporary"],
      ["write", "reject", "user_reject"],
      ["write", "accept", "user_permanent"],
    ]);
  });
});
