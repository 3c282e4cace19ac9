/**
 * The plugin's budgets on real opencode streams: a capture replayed through the built pipeline
 * with limits set as a fraction of what the capture spends, the toasts it asks opencode's client
 * for, the `budget` log events it exports (real SDK, in-memory exporters), the alert record in a
 * real state folder and, with the local store on, a real SQLite store that the monitor reads
 * while it writes to it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AlertLedger } from "../src/budget/alerts.js";
import { parseBudgets } from "../src/budget/parse.js";
import { logRowFromSdk, spanRowFromSdk } from "../src/store/from-sdk.js";
import type { LogRow } from "../src/store/types.js";
import { loadFixture } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay, TEST_ENV } from "./support/replay.js";

const dir = mkdtempSync(join(tmpdir(), "opencode-otel-budget-monitor-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One `opencode serve` process, three turns. */
const FIXTURE = "b2_multiturn_serve";
/** Three `opencode run` processes of one session: `run`, `run --session`, `run --continue`. */
const PROCESSES = "b1_multiturn_run";
const DIRECTORY = "/work/app";
/** What a capture spends: its LLM spans' cost, and its session. */
let cost = 0;
let sessionId = "";
let processesCost = 0;

async function spend(fixture: string) {
  const collected = new Collected();
  await replay(loadFixture(fixture), { exporters: collected.overrides(), directory: DIRECTORY });
  const llms = collected.spans.map(spanRowFromSdk).filter((s) => s.name === "opencode.llm");
  expect(llms.length).toBeGreaterThan(1);
  return {
    cost: llms.reduce((sum, s) => sum + Number(s.attributes["llm.cost.total"] ?? 0), 0),
    sessionId: String(llms[0]?.attributes["session.id"]),
  };
}

beforeAll(async () => {
  ({ cost, sessionId } = await spend(FIXTURE));
  processesCost = (await spend(PROCESSES)).cost;
  expect(cost).toBeGreaterThan(0);
});

interface Toast {
  title: string;
  message: string;
  variant: string;
}

let runs = 0;
/** Replays the capture with `budgets` (the plugin option); its toasts and budget events. */
async function run(
  budgets: unknown,
  options: { state?: string; env?: Record<string, string>; fixture?: string },
) {
  const state = options.state ?? join(dir, `state-${++runs}`);
  const toasts: Toast[] = [];
  const collected = new Collected();
  await replay(loadFixture(options.fixture ?? FIXTURE), {
    env: { ...TEST_ENV, XDG_STATE_HOME: state, ...options.env },
    options: { budgets },
    exporters: collected.overrides(),
    directory: DIRECTORY,
    toasts,
  });
  const events: LogRow[] = collected.logs
    .map(logRowFromSdk)
    .filter((log) => log.attributes["event.name"] === "budget");
  return { toasts, events, state };
}

const thresholds = (events: readonly LogRow[]) => events.map((e) => e.attributes.threshold);

describe("the plugin's budget alerts", () => {
  test("at 90% of a daily limit: one warning toast and one budget event with what was spent", async () => {
    const { toasts, events } = await run({ daily: { usd: cost / 0.9 } }, {});
    expect(toasts).toHaveLength(1);
    expect(toasts[0]).toMatchObject({
      variant: "warning",
      title: "Today's spend: nearing the limit",
    });
    expect(toasts[0]?.message).toContain("90% of the");
    expect(thresholds(events)).toEqual([0.8]);
    expect(events[0]?.attributes).toMatchObject({
      budget: "daily.usd",
      period: "day",
      scope: "all",
      state: "warning",
      "session.id": sessionId,
    });
    expect(Number(events[0]?.attributes.spent)).toBeCloseTo(cost, 9);
    expect(events[0]?.severityText).toBe("WARN");
  });

  test("past 100%: a budget event per threshold, the last toast says the limit is reached", async () => {
    const { toasts, events } = await run({ daily: { tokens: 1 } }, {});
    expect(thresholds(events).sort()).toEqual([0.8, 1]);
    expect(toasts.length).toBeGreaterThanOrEqual(1);
    expect(toasts.at(-1)).toMatchObject({
      variant: "error",
      title: "Today's tokens: limit reached",
    });
    // Never the same threshold twice.
    expect(new Set(toasts.map((t) => t.variant)).size).toBe(toasts.length);
  });

  test("once: a second opencode process with the same state folder says nothing again", async () => {
    const first = await run({ daily: { usd: cost / 2 } }, {});
    expect(thresholds(first.events).sort()).toEqual([0.8, 1]);
    const again = await run({ daily: { usd: cost / 2 } }, { state: first.state });
    expect(again.toasts).toEqual([]);
    expect(again.events).toEqual([]);
    expect(readdirSync(join(first.state, "opencode-otel/budget-alerts"))).toHaveLength(2);
  });

  test("a session limit measures the session; a project limit only its directory", async () => {
    const session = await run({ session: { usd: cost / 0.9 } }, {});
    expect(thresholds(session.events)).toEqual([0.8]);
    expect(session.events[0]?.attributes).toMatchObject({
      budget: "session.usd",
      period: "session",
      period_key: sessionId,
    });
    const other = await run({ projects: { "/work/other": { daily: { usd: cost / 2 } } } }, {});
    expect(other.events).toEqual([]);
    expect(other.toasts).toEqual([]);
    const parent = await run({ projects: { "/work": { daily: { usd: cost / 0.9 } } } }, {});
    expect(thresholds(parent.events)).toEqual([0.8]);
    expect(parent.events[0]?.attributes).toMatchObject({ budget: "daily.usd", scope: "project" });
    // The directory never leaves the machine.
    expect(JSON.stringify(parent.events[0]?.attributes)).not.toContain("/work");
  });

  test("with the local store on, every process's calls count, each once: stored or pending", async () => {
    // Without the store, each of the three processes counts its own calls only: under 80%.
    const alone = await run({ daily: { usd: processesCost / 0.9 } }, { fixture: PROCESSES });
    expect(alone.events).toEqual([]);
    const store = join(dir, "store.db");
    const { events } = await run(
      { daily: { usd: processesCost / 0.9 } },
      { fixture: PROCESSES, env: { OPENCODE_OTEL_LOCAL: "1", OPENCODE_OTEL_STORE: store } },
    );
    // Counted twice, a call would take the spend past 100%.
    expect(thresholds(events)).toEqual([0.8]);
    expect(Number(events[0]?.attributes.spent)).toBeCloseTo(processesCost, 9);
  });

  test("budgets never throw into opencode: a bad option is a warning and no limit", async () => {
    const { toasts, events } = await run({ daily: { usd: "ten" } }, {});
    expect(toasts).toEqual([]);
    expect(events).toEqual([]);
    expect(
      parseBudgets({ daily: { usd: "ten" } }, { source: "x", home: undefined }).errors,
    ).toEqual(['x: daily.usd must be a number above 0, got "ten"']);
  });
});

describe("the alert record", () => {
  test("of processes claiming the same alert at once, exactly one wins", async () => {
    const folder = join(dir, "race");
    const ledgers = Array.from({ length: 8 }, () => new AlertLedger(folder));
    const won = await Promise.all(ledgers.map((l) => l.claim("daily.usd|2026-03-18|1", {})));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await new AlertLedger(folder).claim("daily.usd|2026-03-19|1", {})).toBe(true);
  });
});
