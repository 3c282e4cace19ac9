/**
 * The README's "What is emitted" and the code agree: the tables are generated from the profile
 * table (`npx bun scripts/sync-readme.ts`), and every metric a replay actually records is in them.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { renderGenAiList, renderMetricsTable } from "../src/emit/docs.js";
import { FIXTURES, loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay } from "./support/replay.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const between = (marker: string) =>
  new RegExp(`<!-- ${marker}:start -->\\n([\\s\\S]*?)<!-- ${marker}:end -->`).exec(readme)?.[1];

async function recordedNames(env: Record<string, string>): Promise<Set<string>> {
  const collected = new Collected();
  for (const name of FIXTURES)
    await replay(loadFixture(name), { env, exporters: collected.overrides() });
  const names = new Set<string>();
  for (const rm of collected.metrics)
    for (const scope of rm.scopeMetrics)
      for (const metric of scope.metrics) names.add(metric.descriptor.name);
  return names;
}

describe("README", () => {
  test("shows exactly the generated metrics table and GenAI list", () => {
    expect(between("metrics")).toBe(renderMetricsTable());
    expect(between("gen-ai-metrics")).toBe(renderGenAiList());
  });

  test.each([
    ["opencode", { OPENCODE_ENABLE_TELEMETRY: "1" }],
    ["claude_code", { OPENCODE_ENABLE_TELEMETRY: "1", OPENCODE_OTEL_PROFILE: "claude_code" }],
    [
      "opencode, latest GenAI conventions",
      {
        OPENCODE_ENABLE_TELEMETRY: "1",
        OTEL_SEMCONV_STABILITY_OPT_IN: "gen_ai_latest_experimental",
      },
    ],
  ])("names every metric the %s profile records", async (_, env) => {
    const names = await recordedNames(env);
    expect(names.size).toBeGreaterThan(10);
    const documented = `${between("metrics")}${between("gen-ai-metrics")}`;
    for (const name of names) expect(documented).toContain(`\`${name}\``);
  });
});
