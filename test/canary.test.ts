import { describe, expect, test } from "bun:test";
import { type Captured, loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay, TEST_ENV } from "./support/replay.js";

/**
 * Plants canaries where content flows in a real capture (a_single: a prompt, a bash command, its
 * output, the model's streamed reply) and checks everything exported for them.
 */
const CANARIES: Record<string, string> = {
  prompt: "CANARYPROMPT7f3a",
  toolArg: "CANARYTOOLARG91c2",
  toolOutput: "CANARYOUTPUT5d8e",
  reply: "CANARYREPLY0b4f",
};

/** Which canaries appear in an export (a list, so a failure names them instead of dumping it). */
function found(text: string): string[] {
  return Object.entries(CANARIES)
    .filter(([, canary]) => text.includes(canary))
    .map(([kind]) => kind);
}

function plantCanaries(records: readonly Captured[]): Captured[] {
  return records.map((record) => {
    const line = JSON.stringify(record)
      .replaceAll("Please run it", `Please ${CANARIES.prompt} run it`)
      .replaceAll('"command":"echo hi"', `"command":"echo ${CANARIES.toolArg}"`)
      .replaceAll('"hi\\n"', `"${CANARIES.toolOutput}\\n"`)
      .replaceAll("Tool fi", `${CANARIES.reply} Tool fi`)
      .replaceAll("Tool finished.", `${CANARIES.reply} Tool finished.`);
    return JSON.parse(line) as Captured;
  });
}

async function exported(env: Record<string, string>): Promise<string> {
  const records = plantCanaries(loadFixture("a_single"));
  // The planted fixture really carries every canary, so a miss below means the plugin hid it.
  const raw = JSON.stringify(records);
  expect(found(raw)).toEqual(Object.keys(CANARIES));
  const collected = new Collected();
  await replay(records, { env: { ...TEST_ENV, ...env }, exporters: collected.overrides() });
  expect(collected.spans.length).toBeGreaterThan(0);
  expect(collected.logs.length).toBeGreaterThan(0);
  return JSON.stringify({
    spans: collected.spans.map((span) => ({
      name: span.name,
      attributes: span.attributes,
      events: span.events,
      status: span.status,
      resource: span.resource.attributes,
    })),
    logs: collected.logs.map((log) => ({ body: log.body, attributes: log.attributes })),
    metrics: collected.metrics,
  });
}

describe("privacy by default", () => {
  test("no canary from a prompt, a tool argument, a tool output or a reply is exported", async () => {
    expect(found(await exported({}))).toEqual([]);
  });

  test("each opt-in switch exports exactly its own kind of content", async () => {
    expect(found(await exported({ OTEL_LOG_USER_PROMPTS: "1" }))).toEqual(["prompt"]);
    expect(found(await exported({ OTEL_LOG_TOOL_DETAILS: "1" }))).toEqual(["toolArg"]);
    expect(found(await exported({ OPENCODE_OTEL_CAPTURE_CONTENT: "1" }))).toEqual([
      "toolOutput",
      "reply",
    ]);
  });

  test("captured content is truncated and redacted", async () => {
    const secret = `sk-ant-${"a1B2".repeat(10)}`;
    const records = loadFixture("a_single").map(
      (record) =>
        JSON.parse(
          JSON.stringify(record).replaceAll(
            "Please run it",
            `Please run it with key ${secret} ${"x".repeat(5000)}`,
          ),
        ) as Captured,
    );
    const collected = new Collected();
    await replay(records, {
      env: { ...TEST_ENV, OTEL_LOG_USER_PROMPTS: "1", OPENCODE_OTEL_CONTENT_MAX_LENGTH: "200" },
      exporters: collected.overrides(),
    });
    const prompt = collected.logs.find((log) => log.attributes["event.name"] === "user_prompt")
      ?.attributes.prompt;
    expect(typeof prompt).toBe("string");
    expect(String(prompt)).not.toContain(secret);
    expect(String(prompt)).toContain("REDACTED");
    expect(String(prompt).length).toBeLessThan(300);
    expect(String(prompt)).toMatch(/truncated/);
  });
});
