import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPluginInstance } from "../src/plugin.js";
import { Store } from "../src/store/store.js";
import { expectedTotals, loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { TEST_ENV } from "./support/replay.js";

/** Replays one capture through a plugin instance with the local store on. */
async function replayInto(env: Record<string, string>, directory: string, collected?: Collected) {
  const records = loadFixture("b2_multiturn_serve");
  const instance = await createPluginInstance({
    env: { ...TEST_ENV, ...env },
    directory,
    logSink: () => undefined,
    ...(collected ? { exporters: collected.overrides() } : {}),
  });
  for (const record of records) {
    const input = record.input as { event?: unknown } | undefined;
    if (record.hook === "event") await instance.hooks.event?.({ event: input?.event });
    else if (record.hook === "chat.message")
      await instance.hooks["chat.message"]?.(record.input, record.output);
  }
  await instance.hooks.dispose?.();
  return records;
}

describe("the local exporter", () => {
  test("writes a session into the store; the report equals the capture's own sums", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "otel-local-")), "telemetry.db");
    const records = await replayInto(
      { OPENCODE_OTLP_PROTOCOL: "local", OPENCODE_OTEL_STORE: path },
      "/home/dev/projects/my-app",
    );
    const [expected] = [...expectedTotals(records).values()];
    const store = await Store.open(path);
    try {
      const report = store.report({ group: "session" });
      expect(report.rows).toHaveLength(1);
      expect(report.total.turns).toBe(3);
      expect(report.total.costUsd).toBeCloseTo(expected?.cost ?? -1, 10);
      const tokens =
        report.total.inputTokens +
        report.total.outputTokens +
        report.total.reasoningTokens +
        report.total.cacheReadTokens +
        report.total.cacheWriteTokens;
      expect(tokens).toBe(expected?.tokens ?? -1);
      // opencode's working directory is the project, in the store only.
      expect(store.report({ group: "session", project: "my-app" }).total.llmCalls).toBeGreaterThan(
        0,
      );
      expect(store.report({ group: "session", project: "other" }).total.llmCalls).toBe(0);
    } finally {
      store.close();
    }
  });

  test("next to OTLP, the project directory stays local", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "otel-local-")), "telemetry.db");
    const collected = new Collected();
    await replayInto(
      { OPENCODE_OTEL_LOCAL: "1", OPENCODE_OTEL_STORE: path },
      "/secret/dir",
      collected,
    );
    expect(collected.spans.length).toBeGreaterThan(0);
    expect(JSON.stringify(collected.spans.map((span) => span.resource.attributes))).not.toContain(
      "/secret/dir",
    );
  });

  test("keeps opencode's session title in the store, beside the id in reports, not on OTLP", async () => {
    const title = "Mock session title";
    const sessionSpans = (collected: Collected) =>
      collected.spans.filter((span) => span.name === "opencode.session");
    for (const prompts of [false, true]) {
      const path = join(mkdtempSync(join(tmpdir(), "otel-local-")), "telemetry.db");
      const collected = new Collected();
      await replayInto(
        {
          OPENCODE_OTEL_LOCAL: "1",
          OPENCODE_OTEL_STORE: path,
          ...(prompts ? { OTEL_LOG_USER_PROMPTS: "1" } : {}),
        },
        "/home/dev/projects/my-app",
        collected,
      );
      // A title is written from the first prompt: content, sent only with prompt capture on.
      expect(sessionSpans(collected).map((span) => span.attributes["session.title"])).toEqual([
        prompts ? title : undefined,
      ]);
      const store = await Store.open(path);
      try {
        expect(store.report({ group: "session" }).rows.map((row) => row.title)).toEqual([title]);
      } finally {
        store.close();
      }
    }
  });
});
