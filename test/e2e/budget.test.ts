/**
 * Budgets inside real opencode: a tiny daily limit, three prompts in `opencode serve`, then an
 * `opencode run` in the same project. The plugin calls opencode's toast endpoint through its SDK
 * client (`client.tui.showToast`, `POST /tui/show-toast`), which opencode publishes on its event
 * stream as `tui.toast.show` (what every attached TUI shows): the test reads that stream from the
 * server. Each threshold (80%, then 100%) gives exactly one toast and one `budget` log event, in
 * the turn that reached it, and never again: not on later turns, not in another process.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createProject, PACKAGE_DIR, runOpencode, sleep } from "./support/opencode.js";
import { localStore, storeReport } from "./support/report.js";
import { type Serve, startServe } from "./support/serve.js";
import { type Suite, startSuite, telemetryEnv } from "./support/suite.js";
import { costOf, eventsNamed, PROCESS_ATTRIBUTE, sessionTelemetry } from "./support/telemetry.js";

let suite: Suite;
let serve: Serve | undefined;
let events: EventStream | undefined;
beforeAll(async () => {
  suite = await startSuite();
});
afterAll(async () => {
  events?.close();
  await serve?.stop();
  await suite?.close();
});

interface Toast {
  readonly title?: string;
  readonly message: string;
  readonly variant: string;
  readonly duration?: number;
}

interface EventStream {
  readonly toasts: Toast[];
  close(): void;
}

/** opencode's server-sent events for the project (`GET /event`), keeping `tui.toast.show`. */
async function watchToasts(url: string, project: string): Promise<EventStream> {
  const toasts: Toast[] = [];
  const abort = new AbortController();
  const response = await fetch(`${url}/event`, {
    headers: { "x-opencode-directory": encodeURIComponent(project) },
    signal: abort.signal,
  });
  if (!response.ok || !response.body) throw new Error(`GET /event: HTTP ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.startsWith("data:")) continue;
        const event = JSON.parse(line.slice(5)) as { type?: string; properties?: Toast };
        if (event.type === "tui.toast.show" && event.properties) toasts.push(event.properties);
      }
    }
  })().catch(() => undefined);
  return { toasts, close: () => abort.abort() };
}

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test("a tiny daily budget: one toast and one budget event at 80% and at 100%, once each, across processes", async () => {
  const { receiver } = suite;
  const project = createProject("budget");
  const folder = createProject("budget-files");
  const db = join(folder, "telemetry.db");
  const state = join(folder, "state");
  mkdirSync(state, { recursive: true });
  // One LLM step is 90% of the limit: the first prompt warns, the second exceeds.
  const limit = costOf(1) / 0.9;
  const budgetsFile = join(folder, "budgets.json");
  writeFileSync(budgetsFile, JSON.stringify({ daily: { usd: limit }, timeZone: "utc" }));
  const env = (label: string) =>
    telemetryEnv({
      receiver,
      protocol: "http/protobuf",
      label,
      extra: {
        ...localStore(db),
        OPENCODE_OTEL_BUDGETS_FILE: budgetsFile,
        // The record of alerts shown, shared by this test's processes only.
        XDG_STATE_HOME: state,
      },
    });
  serve = await startServe({ project, env: env("budget-serve") });
  const api = serve;
  events = await watchToasts(api.url, project);
  const toasts = events.toasts;
  const budgetEvents = () =>
    eventsNamed(receiver.logs, "budget").filter(
      (log) => log.resource[PROCESS_ATTRIBUTE]?.toString().startsWith("budget-") ?? false,
    );

  const id = await api.createSession();
  await api.prompt(id, "first prompt of the budget test");
  await waitUntil(
    "the 80% toast and event",
    () => toasts.length >= 1 && budgetEvents().length >= 1,
  );
  expect(toasts[0]).toMatchObject({
    variant: "warning",
    title: "Today's spend: nearing the limit",
  });
  expect(toasts[0]?.message).toContain("90% of the");

  await api.prompt(id, "second prompt of the budget test");
  await waitUntil(
    "the 100% toast and event",
    () => toasts.length >= 2 && budgetEvents().length >= 2,
  );
  expect(toasts[1]).toMatchObject({ variant: "error", title: "Today's spend: limit reached" });
  expect(toasts[1]?.message).toContain("over the");
  expect(toasts[1]?.message).toContain("(180%)");

  // A third turn: the limit stays exceeded, and nothing is said again.
  await api.prompt(id, "third prompt of the budget test");
  const { llms } = sessionTelemetry(receiver, id);
  await waitUntil("the third turn's spans", () => sessionTelemetry(receiver, id).llms.length >= 3);
  await sleep(2_000);
  expect(toasts).toHaveLength(2);
  expect(budgetEvents()).toHaveLength(2);

  // Another opencode process on the same store, the same day: the alerts were claimed already.
  const run = await runOpencode({
    project,
    message: "a run after the budget was exceeded",
    env: env("budget-run"),
  });
  expect(run.code).toBe(0);
  await receiver.waitFor(
    () => receiver.spans.some((s) => s.attributes["session.id"] === run.sessionId),
    15_000,
  );
  expect(toasts).toHaveLength(2);
  expect(budgetEvents()).toHaveLength(2);
  expect(
    readdirSync(state, { recursive: true }).filter((f) => String(f).endsWith(".alert")),
  ).toHaveLength(2);

  // Each event: the limit, what was spent (opencode's own cost of the steps so far), linked to
  // the LLM call after which the threshold was found.
  const [warned, exceeded] = budgetEvents().sort((a, b) =>
    Number(a.attributes.threshold) < Number(b.attributes.threshold) ? -1 : 1,
  );
  const allLlms = sessionTelemetry(receiver, id).llms;
  for (const [event, steps, threshold, severity] of [
    [warned, 1, 0.8, "WARN"],
    [exceeded, 2, 1, "ERROR"],
  ] as const) {
    expect(event?.attributes).toMatchObject({
      budget: "daily.usd",
      period: "day",
      unit: "usd",
      scope: "all",
      threshold,
      state: threshold === 1 ? "exceeded" : "warning",
      "session.id": id,
    });
    expect(Number(event?.attributes.limit)).toBeCloseTo(limit, 12);
    expect(Number(event?.attributes.spent)).toBeCloseTo(costOf(steps), 12);
    expect(event?.severityText).toBe(severity);
    expect(allLlms.map((s) => s.spanId)).toContain(event?.spanId ?? "");
  }
  expect(llms.length).toBeGreaterThanOrEqual(2);

  // `opencode-otel budget` on the same store: exceeded (exit 3), spent = the report's total.
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [join(PACKAGE_DIR, "dist/cli.js"), ...args], {
      encoding: "utf8",
    });
  const budget = cli(["budget", "--json", "--db", db, "--budgets", budgetsFile]);
  expect(budget.status).toBe(3);
  const [status] = JSON.parse(budget.stdout) as { spent: number; state: string }[];
  const report = storeReport(db, "day");
  expect(status?.state).toBe("exceeded");
  expect(status?.spent).toBeCloseTo(report.total.costUsd, 12);
  expect(report.total.costUsd).toBeCloseTo(costOf(4), 12);
}, 300_000);
