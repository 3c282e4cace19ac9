/**
 * The viewer in a real browser (Debian's headless Chromium driven by playwright-core), served by
 * the real `opencode-otel ui` server from a store filled by replaying the captures through the
 * plugin's local exporter. What a person sees is checked against opencode's own figures and
 * against `opencode-otel report --json` run as a process.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type RunningViewer, startViewer } from "../src/cli/ui/server.js";
import { Store } from "../src/store/index.js";
import { launchChromium } from "./support/browser.js";
import { expectedTotals, loadFixture, loadTruth } from "./support/fixtures.js";
import { fillStore } from "./support/store-fill.js";
import { yearOfSpans } from "./support/year-of-spans.js";

// Chromium pages and child processes take seconds on a shared 2-core machine.

const ROOT = join(import.meta.dir, "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const dir = mkdtempSync(join(tmpdir(), "opencode-otel-ui-browser-"));
const path = join(dir, "telemetry.db");
// Written while the pages are open, by another process.
const LATE = "e_abort_serve";
const EARLY = [
  "a_single",
  "b1_multiturn_run",
  "b2_multiturn_serve",
  "c2_errors_serve",
  "d_subagent_serve",
];
// Replayed with the plugin's default privacy (no content on OTLP): titles come from the store.
const PRIVATE = "f_lines_run";

let store: Store;
let viewer: RunningViewer;
let browser: Browser;
let context: BrowserContext;
const problems: string[] = [];

beforeAll(async () => {
  await fillStore(path, EARLY);
  await fillStore(path, [PRIVATE], { content: false });
  store = await Store.open(path);
  viewer = await startViewer({ store, host: "127.0.0.1", port: 0 });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // Logs in: the token URL sets the cookie and redirects to a clean address.
  const page = await context.newPage();
  const response = await page.goto(viewer.url);
  expect(response?.status()).toBe(200);
  expect(page.url()).toBe(`${viewer.origin}/`);
  await page.close();
}, 60_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await viewer?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `opencode-otel report --json` as a process, with its other arguments. */
function report(...args: string[]) {
  const cli = spawnSync(
    BUN,
    [join(ROOT, "dist", "cli.js"), "report", "--json", "--db", path, ...args],
    { encoding: "utf8" },
  );
  expect(cli.status).toBe(0);
  return JSON.parse(cli.stdout) as {
    total: Record<string, number>;
    rows: ({ key: string } & Record<string, number>)[];
  };
}

/** Polls `check` until it holds (or fails after `ms`). */
async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A page that records console errors (a CSP violation is one) and failed requests. */
async function open(url: string): Promise<Page> {
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`${url}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`${url}: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`${url}: failed ${request.url()}`));
  await page.goto(`${viewer.origin}${url}`);
  return page;
}

describe("the viewer in Chromium", () => {
  test("the sessions page lists every session with its cost", async () => {
    const page = await open("/sessions");
    await page.waitForSelector("[data-session-row]");
    const shown = await page.$$eval("[data-cost]", (cells) =>
      cells.map((cell) => [
        cell.getAttribute("data-session"),
        Number(cell.getAttribute("data-cost")),
      ]),
    );
    const expected = new Map<string, number>();
    for (const name of [...EARLY, PRIVATE])
      for (const [id, totals] of expectedTotals(loadFixture(name))) expected.set(id, totals.cost);
    expect(shown.map(([id]) => id).sort()).toEqual([...expected.keys()].sort());
    for (const [id, cost] of shown) expect(cost).toBeCloseTo(expected.get(String(id)) ?? -1, 10);
    // The text a person reads is the same money, rounded.
    const first = await page.textContent(`[data-cost]`);
    expect(first).toMatch(/^\$\d+\.\d{4}$/);
    // Sorting by cost puts the most expensive first.
    await page.click("button.sort:has-text('Cost')");
    await page.waitForURL(/sort=cost/);
    await until(async () => {
      const costs = await page.$$eval("[data-cost]", (cells) =>
        cells.map((cell) => Number(cell.getAttribute("data-cost"))),
      );
      return costs.length > 1 && costs.every((cost, i) => i === 0 || cost <= (costs[i - 1] ?? 0));
    });
    await page.close();
  }, 60_000);

  test("the sessions page shows opencode's titles and lines changed as `report --by session`, and finds a title", async () => {
    const cli = spawnSync(
      BUN,
      [join(ROOT, "dist", "cli.js"), "report", "--by", "session", "--json", "--db", path],
      { encoding: "utf8" },
    );
    expect(cli.status).toBe(0);
    const report: { key: string; title?: string; linesAdded: number; linesRemoved: number }[] =
      JSON.parse(cli.stdout).rows;
    const page = await open("/sessions");
    await page.waitForSelector("[data-session-row]");
    const shown = await page.$$eval("[data-session-row]", (rows) =>
      rows.map((row) => ({
        id: row.getAttribute("data-session-row"),
        // Without the subagent mark.
        title: (row.querySelector(".session-link")?.textContent ?? "").replace(/^↳ /, ""),
        lines: row.querySelector("[data-lines]")?.getAttribute("data-lines"),
      })),
    );
    expect(shown).toHaveLength(report.length);
    for (const row of report) {
      const seen = shown.find((s) => s.id === row.key);
      expect(row.title).toBeTruthy();
      expect(seen?.title).toStartWith(row.title ?? "?");
      expect(seen?.lines).toBe(`${row.linesAdded}/${row.linesRemoved}`);
    }
    // The capture replayed without content: its title is still opencode's, from the store.
    const { sessionId } = loadTruth(PRIVATE) as { sessionId: string };
    expect(shown.find((s) => s.id === sessionId)?.title).toStartWith("Mock session title");
    expect(shown.find((s) => s.id === sessionId)?.lines).toBe("9/3");
    // A search on a title finds it.
    await page.fill("input[type=search]", "mock SUBTASK");
    await until(async () => (await page.locator("[data-session-row]").count()) === 1);
    expect(await page.textContent("[data-session-row] .session-link")).toContain(
      "Mock subtask (@general subagent)",
    );
    await page.close();
  }, 60_000);

  test("the sessions page filters by project, model, agent and dates on the server, as `report --by session` does", async () => {
    const page = await open("/sessions");
    await page.waitForSelector("[data-session-row]");
    const asked: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname === "/api/sessions") asked.push(url.search);
    });
    const shown = async () =>
      (
        await page.$$eval("[data-session-row]", (rows) =>
          rows.map((row) => row.getAttribute("data-session-row") ?? ""),
        )
      ).sort();
    const until_ = async (want: string[]) => {
      await until(async () => JSON.stringify(await shown()) === JSON.stringify(want));
    };
    const facets = store.sessionIndex();
    facets.load();
    const { projects, models, agents } = facets.facets();
    for (const [name, values] of [
      ["project", projects.map((f) => f.value)],
      ["model", models.map((f) => f.value)],
      ["agent", agents.map((f) => f.value)],
    ] as const) {
      expect(values.length).toBeGreaterThan(0);
      for (const value of values.slice(0, 2)) {
        const want = report("--by", "session", `--${name}`, value)
          .rows.map((row) => row.key)
          .sort();
        expect(want.length).toBeGreaterThan(0);
        await page.selectOption(`select[name=${name}]`, value);
        await page.waitForURL(new RegExp(`${name}=`));
        await until_(want);
        // The server filtered: the request named the filter.
        expect(asked.at(-1)).toContain(`${name}=${encodeURIComponent(value).replace(/%20/g, "+")}`);
      }
      await page.selectOption(`select[name=${name}]`, "");
    }
    // Dates: a day after every capture shows none; the capture's own day shows them all.
    const every = report("--by", "session")
      .rows.map((row) => row.key)
      .sort();
    await until_(every);
    const days = (await page.$$eval("[data-session-row] [data-start]", (cells) =>
      cells.map((cell) => Number(cell.getAttribute("data-start"))),
    )) as number[];
    expect(days.length).toBe(every.length);
    const local = (ms: number) => {
      const d = new Date(ms);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    };
    const last = Math.max(...days);
    await page.fill("input[name=from]", local(last + 2 * 86_400_000));
    await until(async () => (await page.locator("[data-session-row]").count()) === 0);
    expect(asked.at(-1)).toContain("since=");
    await page.fill("input[name=from]", local(Math.min(...days)));
    await page.fill("input[name=to]", local(last));
    await until_(every);
    expect(asked.at(-1)).toContain("until=");
    await page.close();
  }, 60_000);

  test("each turn shows the cost and tokens of its own LLM calls, which add up to opencode's own", async () => {
    const name = "b1_multiturn_run";
    const [[id, totals] = ["", { cost: -1, tokens: -1 }]] = [...expectedTotals(loadFixture(name))];
    const page = await open(`/session/${id}`);
    await page.waitForSelector(".wf-row[data-category=turn]");
    const turns = await page.$$eval(".wf-row[data-category=turn] .wf-figures[data-cost]", (cells) =>
      cells.map((cell) => ({
        cost: Number(cell.getAttribute("data-cost")),
        tokens: Number(cell.getAttribute("data-tokens")),
        text: cell.textContent ?? "",
      })),
    );
    expect(turns.length).toBeGreaterThan(1);
    const cost = turns.reduce((sum, turn) => sum + turn.cost, 0);
    const tokens = turns.reduce((sum, turn) => sum + turn.tokens, 0);
    expect(cost).toBeCloseTo(totals.cost, 10);
    expect(tokens).toBe(totals.tokens);
    for (const turn of turns) expect(turn.text).toMatch(/^\$\d+\.\d{4} · [\d.,]+k? tok$/);
    await page.close();
  }, 60_000);

  test("a session's page shows its title, its lines and each turn's as git counted them, with no request of its own", async () => {
    const truth = loadTruth(PRIVATE) as {
      sessionId: string;
      processes: { numstat: { added: number; removed: number } }[];
    };
    const asked: string[] = [];
    const page = await context.newPage();
    page.on("request", (request) => asked.push(new URL(request.url()).pathname));
    await page.goto(`${viewer.origin}/session/${truth.sessionId}`);
    await page.waitForSelector(".wf-row[data-category=turn] .wf-changes");
    expect(await page.textContent("h1")).toBe("Mock session title");
    let added = 0;
    let removed = 0;
    for (const { numstat } of truth.processes) {
      added += numstat.added;
      removed += numstat.removed;
    }
    expect(await page.textContent("[data-testid=session-lines] dd")).toBe(`+${added} −${removed}`);
    const turns = await page.$$eval(".wf-row[data-category=turn]", (rows) =>
      rows.map((row) => row.querySelector(".wf-changes")?.getAttribute("data-lines") ?? ""),
    );
    expect(turns).toEqual(truth.processes.map((p) => `${p.numstat.added}/${p.numstat.removed}`));
    // The session's data came with the page.
    expect(asked.filter((p) => p.startsWith("/api/sessions"))).toEqual([]);
    await page.close();
  }, 60_000);

  test("the waterfall of the subagent capture shows the child session under its task call", async () => {
    const [parent] = [...expectedTotals(loadFixture("d_subagent_serve")).keys()];
    const child = store.sessionIndex();
    child.load();
    const childRow = child.page({ agent: "general" }).rows[0];
    expect(childRow?.parentSessionId).toBe(parent ?? "");
    const page = await open(`/session/${parent}`);
    await page.waitForSelector(".wf-row");
    const rows = await page.$$eval(".wf-row", (elements) =>
      elements
        .map((row) => ({
          y: row.getBoundingClientRect().top,
          category: row.getAttribute("data-category"),
          session: row.getAttribute("data-session"),
          depth: Number(row.getAttribute("data-depth")),
          label: row.querySelector(".wf-name")?.textContent ?? "",
        }))
        .sort((a, b) => a.y - b.y),
    );
    const task = rows.findIndex((row) => row.category === "tool" && row.label.startsWith("task"));
    expect(task).toBeGreaterThan(0);
    const under = rows[task + 1];
    expect(under?.category).toBe("session");
    expect(under?.session).toBe(childRow?.sessionId ?? "");
    expect(under?.depth).toBe((rows[task]?.depth ?? -9) + 1);
    // The child's own turn and calls are deeper still.
    expect(
      rows.filter((row) => row.session === childRow?.sessionId && row.depth > (under?.depth ?? 9))
        .length,
    ).toBeGreaterThan(2);

    // Collapsing the task call hides the subagent.
    const count = rows.length;
    await page.click(`.wf-row[data-category=tool]:has-text('task') .twisty`);
    await until(async () => (await page.locator(".wf-row").count()) < count);
    // Selecting a span shows its attributes and content, under a link of its own.
    await page.click(`.wf-row[data-category=tool]:has-text('task') .wf-name`);
    await page.waitForSelector("[data-testid=span-details] .attributes");
    const details = (await page.textContent("[data-testid=span-details]")) ?? "";
    expect(details).toContain("tool.child_session_id");
    expect(details).toContain("Content");
    expect(page.url()).toMatch(/\/session\/ses_[^/]+\/span\/[0-9a-f]{32}\/[0-9a-f]{16}$/);
    await page.close();
  }, 60_000);

  test("a span link opens that span, expanded and selected", async () => {
    const [id] = [...expectedTotals(loadFixture("c2_errors_serve")).keys()];
    const retried = store.waterfall(id ?? "")?.spans.find((span) => span.retries > 0);
    const page = await open(`/session/${id}/span/${retried?.traceId}/${retried?.spanId}`);
    await page.waitForSelector(`.wf-row.selected[data-span="${retried?.spanId}"]`);
    await page.waitForSelector("[data-testid=span-details] .event");
    const details = (await page.textContent("[data-testid=span-details]")) ?? "";
    expect(details).toContain("retry");
    expect(await page.locator(".wf-row .badge.bad").count()).toBeGreaterThan(0);
    expect(await page.locator(".wf-row .badge.warn").count()).toBeGreaterThan(0);
    await page.close();
  }, 60_000);

  test("the usage page's totals equal `report --json`, with and without a filter", async () => {
    for (const filter of ["", "project=serve", "agent=general", "model=mock-model"]) {
      const page = await open(`/usage${filter ? `?${filter}` : ""}`);
      await page.waitForSelector("[data-testid=total-cost]");
      const args = filter ? [`--${filter.split("=")[0]}`, filter.split("=")[1] ?? ""] : [];
      const cli = spawnSync(
        BUN,
        [join(ROOT, "dist", "cli.js"), "report", "--json", "--db", path, ...args],
        {
          encoding: "utf8",
        },
      );
      expect(cli.status).toBe(0);
      const total = JSON.parse(cli.stdout).total;
      const shown = async (id: string) =>
        Number(await page.getAttribute(`[data-testid=${id}]`, "data-value"));
      expect(await shown("total-cost")).toBe(total.costUsd);
      expect(await shown("total-llm-calls")).toBe(total.llmCalls);
      expect(await shown("total-turns")).toBe(total.turns);
      expect(await shown("total-sessions")).toBe(total.sessions);
      expect(await shown("total-errors")).toBe(total.errors);
      expect(await shown("total-tool-calls")).toBe(total.toolCalls);
      expect(await shown("total-tool-success")).toBe(total.toolSuccessRate);
      expect(await shown("total-cache")).toBe(total.cacheReadShare);
      expect(await shown("total-tokens")).toBe(
        total.inputTokens +
          total.outputTokens +
          total.reasoningTokens +
          total.cacheReadTokens +
          total.cacheWriteTokens,
      );
      await page.waitForSelector("[data-testid=chart-cost] canvas");
      await page.close();
    }
  }, 60_000);

  test("the usage page's tables are `report --by tool|model|agent`, and its charts stack cost by model and tokens by type", async () => {
    const page = await open("/usage");
    await page.waitForSelector("[data-testid=tools-table] tr[data-key]");
    const table = (id: string) =>
      page.$$eval(`[data-testid=${id}] tr[data-key]`, (rows) =>
        rows.map((row) => ({
          key: row.getAttribute("data-key") ?? "",
          values: Object.fromEntries(
            [...row.querySelectorAll("td[data-column]")].map((cell) => [
              cell.getAttribute("data-column") ?? "",
              Number(cell.getAttribute("data-value")),
            ]),
          ),
        })),
      );
    const columns = {
      "tools-table": [
        "tool",
        { Calls: "toolCalls", Success: "toolSuccessRate", p50: "toolP50Ms", p95: "toolP95Ms" },
      ],
      "models-table": [
        "model",
        { Cost: "costUsd", Calls: "llmCalls", Cached: "cacheReadShare", Errors: "errors" },
      ],
      "agents-table": [
        "agent",
        { Cost: "costUsd", Calls: "llmCalls", Tools: "toolCalls", Sessions: "sessions" },
      ],
    } as const;
    for (const [id, [by, fields]] of Object.entries(columns)) {
      const want = report("--by", by).rows;
      const shown = await table(id);
      expect(shown.length).toBe(Math.min(12, want.length));
      expect(shown.length).toBeGreaterThan(0);
      for (const row of shown) {
        const expected = want.find((w) => w.key === row.key);
        expect(expected).toBeDefined();
        for (const [column, field] of Object.entries(fields))
          expect(row.values[column]).toBe(expected?.[field] ?? Number.NaN);
      }
    }
    // The cost chart has a series per model, the tokens chart one per type; the cache-read share
    // and error rate are charts too.
    const legend = (id: string) =>
      page.$$eval(`[data-testid=${id}] .u-legend .u-series .u-label`, (labels) =>
        labels.map((label) => label.textContent ?? "").filter(Boolean),
      );
    await page.waitForSelector("[data-testid=chart-tokens] canvas");
    const models = report("--by", "model").rows.map((row) => row.key);
    expect((await legend("chart-cost")).filter((label) => label !== "Time").sort()).toEqual(
      models.sort(),
    );
    expect((await legend("chart-tokens")).filter((label) => label !== "Time").sort()).toEqual([
      "Cache read",
      "Cache write",
      "Input",
      "Output",
      "Reasoning",
    ]);
    for (const id of ["chart-cache", "chart-errors"])
      expect(await page.locator(`[data-testid=${id}] canvas`).count()).toBeGreaterThan(0);
    await page.close();
  }, 60_000);

  test("a session written while the pages are open appears and grows without a reload", async () => {
    const sessions = await open("/sessions");
    const live = await open("/live");
    await sessions.waitForSelector("[data-session-row]");
    await sessions.waitForSelector("[data-testid=live-status][data-live=on]");
    await live.waitForSelector("[data-testid=live-status][data-live=on]");
    const [late] = [...expectedTotals(loadFixture(LATE)).keys()];
    const child = spawnSync(
      BUN,
      [join(import.meta.dir, "support", "store-write-child.ts"), path, LATE],
      {
        encoding: "utf8",
      },
    );
    expect(child.stdout).toContain("done");
    const written = Date.now();
    await sessions.waitForSelector(`[data-session-row="${late}"]`, { timeout: 2000 });
    const appeared = Date.now() - written;
    expect(appeared).toBeLessThan(2000);
    await live.waitForSelector(`[data-testid=live-feed] a[href^="/session/${late}"]`, {
      timeout: 2000,
    });

    // The session's waterfall grows as another span of it is stored.
    const page = await open(`/session/${late}`);
    await page.waitForSelector(".wf-row");
    const before = Number(await page.getAttribute("[data-testid=waterfall]", "data-rows"));
    const writer = await Store.open(path);
    const llm = writer
      .trace(store.waterfall(late ?? "")?.spans[0]?.traceId ?? "")
      .find((span) => span.name === "opencode.llm");
    if (!llm) throw new Error("no LLM span in the late session");
    writer.insertSpans([
      { ...llm, spanId: "00000000000000aa", startNs: llm.endNs, endNs: llm.endNs + 5_000_000n },
    ]);
    writer.close();
    const grown = Date.now();
    await page.waitForSelector(`.wf-row[data-span="00000000000000aa"]`, { timeout: 2000 });
    expect(Date.now() - grown).toBeLessThan(2000);
    expect(Number(await page.getAttribute("[data-testid=waterfall]", "data-rows"))).toBe(
      before + 1,
    );
    await Promise.all([sessions.close(), live.close(), page.close()]);
  }, 60_000);

  test("a wrong token gets nothing", async () => {
    const stranger = await browser.newContext();
    const page = await stranger.newPage();
    const wrong = await page.goto(`${viewer.origin}/?token=not-the-token`);
    expect(wrong?.status()).toBe(401);
    const body = (await page.content()) ?? "";
    expect(body).not.toContain("ses_");
    expect(await page.locator("[data-session-row]").count()).toBe(0);
    for (const url of [
      "/",
      "/sessions",
      "/api/sessions",
      "/api/usage",
      "/api/events",
      "/assets/main.js",
    ]) {
      const response = await page.request.get(`${viewer.origin}${url}`);
      expect(response.status()).toBe(401);
      expect(await response.text()).not.toContain("ses_");
    }
    await stranger.close();
  }, 60_000);

  test("nothing was blocked or failed on any page (strict CSP, no outside requests)", () => {
    expect(problems).toEqual([]);
  });
});

describe("the viewer on a generated year of use", () => {
  const yearPath = join(dir, "year.db");
  let yearStore: Store;
  let yearViewer: RunningViewer;
  let yearContext: BrowserContext;

  beforeAll(async () => {
    const writer = await Store.open(yearPath);
    writer.insertSpans([...yearOfSpans(20_000)]);
    writer.close();
    yearStore = await Store.open(yearPath);
    yearViewer = await startViewer({ store: yearStore, host: "127.0.0.1", port: 0 });
    yearContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await yearContext.newPage();
    await page.goto(yearViewer.url);
    await page.close();
  }, 60_000);

  afterAll(async () => {
    await yearContext?.close();
    await yearViewer?.close();
    yearStore?.close();
  });

  test("the sessions list is paged by the server: 50 rows a page, the next page from the API", async () => {
    const index = yearStore.sessionIndex();
    index.load();
    const newest = index.page({ sort: "start", descending: true, offset: 0, limit: 100 });
    expect(newest.total).toBeGreaterThan(100);
    const page = await yearContext.newPage();
    const asked: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname === "/api/sessions") asked.push(url.search);
    });
    await page.goto(`${yearViewer.origin}/sessions`);
    await page.waitForSelector("[data-session-row]");
    const ids = () =>
      page.$$eval("[data-session-row]", (rows) =>
        rows.map((row) => row.getAttribute("data-session-row") ?? ""),
      );
    expect(await ids()).toEqual(newest.rows.slice(0, 50).map((row) => row.sessionId));
    expect(await page.textContent("[data-testid=session-count]")).toBe(
      `1–50 of ${newest.total.toLocaleString("en-US")} sessions`,
    );
    await page.click("nav.pager button:has-text('Next')");
    await page.waitForURL(/page=1/);
    await until(async () => (await ids())[0] === newest.rows[50]?.sessionId);
    expect(await ids()).toEqual(newest.rows.slice(50, 100).map((row) => row.sessionId));
    expect(asked.at(-1)).toContain("offset=50");
    expect(asked.at(-1)).toContain("limit=50");
    await page.close();
  }, 60_000);

  test("a long session has a minimap of the whole session; a click on it scrolls the waterfall there", async () => {
    const index = yearStore.sessionIndex();
    index.load();
    const [longest] = index.page({ sort: "llmCalls", descending: true, limit: 1 }).rows;
    const spans = yearStore.waterfall(longest?.sessionId ?? "")?.spans.length ?? 0;
    expect(spans).toBeGreaterThan(100);
    const page = await yearContext.newPage();
    await page.goto(`${yearViewer.origin}/session/${longest?.sessionId}`);
    await page.waitForSelector(".wf-row");
    expect(Number(await page.getAttribute("[data-testid=waterfall]", "data-rows"))).toBe(spans);
    // Only the rows in view (and a few more) are in the page.
    expect(await page.locator(".wf-row").count()).toBeLessThan(60);
    const map = page.locator(".minimap canvas").last();
    const box = await map.boundingBox();
    if (!box) throw new Error("no minimap");
    // The bars are drawn: the canvas is not blank (a string: this file has no DOM types).
    const drawn = `(() => {
      const canvas = document.querySelector(".minimap canvas");
      const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      return pixels.some((value, i) => i % 4 === 3 && value > 0);
    })()`;
    await until(async () => (await page.evaluate(drawn)) === true);
    const scrolled = () => page.$eval("[data-testid=waterfall]", (element) => element.scrollTop);
    expect(await scrolled()).toBe(0);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height - 2);
    await until(async () => (await scrolled()) > 0);
    // The last rows are now in the page.
    const lastSpan = await page.$$eval(".wf-row", (rows) =>
      rows.map((row) =>
        Number(/translateY\(([\d.]+)px\)/.exec(row.getAttribute("style") ?? "")?.[1] ?? 0),
      ),
    );
    expect(Math.max(...lastSpan)).toBeGreaterThan((spans - 30) * 26);
    await page.close();
  }, 60_000);
});
