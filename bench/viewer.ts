/**
 * `npm run bench:viewer`: the viewer on a year of heavy use. Builds (once, kept in
 * .tmp/bench-viewer) a 1,000,000-span store with test/store-perf's generator plus one session of
 * 2,000 spans, starts the real viewer server, then measures:
 * - the viewer's start: when the URL is there, how fast the first sessions answers come while
 *   every session is still being read, and when that read is done;
 * - the sessions page's API over HTTP (default page, every sort, every filter, a deep page),
 *   against the baseline of the same store summing every session in SQL (`report --by session`);
 * - in headless Chromium, to the waterfall's rows on screen, for the 2,000-span session against
 *   a 10-span one: opened by its link on a first visit (a new browser profile: nothing cached)
 *   and on a later one, and by a click in the sessions list. "On screen" is the Element Timing
 *   API's render time of the first rows (when the frame holding them was presented, as First
 *   Contentful Paint is timed); the frame's commit (a timer after the next animation frame) comes
 *   earlier and is printed too. Each is also measured in CPU time: what the browser's processes
 *   and the server spent on it, which the machine's load changes far less than wall-clock time.
 * Prints the figures and exits 1 when a budget is broken (sessions page 500 ms; render 1 s on a
 * first visit, rows on screen).
 *
 * Flags: --spans N (default 1,000,000), --fresh (rebuild the store), --runs N (default 7).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { startViewer } from "../src/cli/ui/server.js";
import { Store } from "../src/store/index.js";
import type { SpanRow } from "../src/store/types.js";
import { launchChromium } from "../test/support/browser.js";
import { yearOfSpans } from "../test/support/year-of-spans.js";
import { descendantsCpuMs, ownCpuMs } from "./process-cpu.js";

const ROOT = resolve(import.meta.dir, "..");
const WORK = join(ROOT, ".tmp", "bench-viewer");
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string, fallback: number) => {
  const index = argv.indexOf(name);
  return index >= 0 ? Number(argv[index + 1]) : fallback;
};
const SPANS = value("--spans", 1_000_000);
const RUNS = value("--runs", 7);
const BIG = 2_000;
const SESSIONS_BUDGET_MS = 500;
const RENDER_BUDGET_MS = 1000;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

/** One session of `count` spans: turns of one LLM call and many tool calls each. */
function* bigSession(id: string, count: number, start: number): Generator<SpanRow> {
  const traceId = Buffer.from(id.padEnd(16, "_")).toString("hex").slice(0, 32);
  const ns = (t: number) => BigInt(Math.round(t)) * 1_000_000n;
  const base = {
    traceId,
    kind: 1,
    statusCode: 0,
    statusMessage: "",
    serviceName: "opencode",
    resource: { "service.name": "opencode", "opencode.project.directory": "/home/dev/big" },
    events: [],
  };
  const sessionSpan = "5e55105e55105e55";
  let t = start;
  let n = 1;
  let turn = 0;
  while (n < count) {
    turn++;
    const turnId = `7e${String(turn).padStart(14, "0")}`;
    const turnStart = t;
    const children: SpanRow[] = [];
    for (let k = 0; k < 19 && n + children.length + 1 < count; k++) {
      const llm = k % 6 === 0;
      const spanId = `c${String(n + k).padStart(15, "0")}`;
      const duration = llm ? 1500 : 200;
      children.push({
        ...base,
        spanId,
        parentSpanId: turnId,
        name: llm ? "opencode.llm" : "opencode.tool.bash",
        startNs: ns(t),
        endNs: ns(t + duration),
        attributes: llm
          ? {
              "openinference.span.kind": "LLM",
              "session.id": id,
              "gen_ai.request.model": "model-big",
              "gen_ai.usage.input_tokens": 4000,
              "gen_ai.usage.output_tokens": 300,
              "llm.cost.total": 0.01,
            }
          : {
              "openinference.span.kind": "TOOL",
              "session.id": id,
              "gen_ai.tool.name": "bash",
              "tool.success": true,
            },
      });
      t += duration;
    }
    yield {
      ...base,
      spanId: turnId,
      parentSpanId: sessionSpan,
      name: "opencode.turn",
      startNs: ns(turnStart),
      endNs: ns(t),
      attributes: { "openinference.span.kind": "CHAIN", "session.id": id, "turn.index": turn },
    };
    yield* children;
    n += children.length + 1;
    t += 5000;
  }
  yield {
    ...base,
    spanId: sessionSpan,
    parentSpanId: "",
    name: "opencode.session",
    startNs: ns(start),
    endNs: ns(t),
    attributes: {
      "openinference.span.kind": "AGENT",
      "session.id": id,
      "agent.name": "build",
      "session.title": "A long session",
    },
  };
}

async function buildStore(path: string): Promise<void> {
  const marker = `${path}.spans`;
  if (!flag("--fresh") && existsSync(marker) && readFileSync(marker, "utf8") === String(SPANS))
    return;
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const store = await Store.open(path);
  const started = performance.now();
  let batch: SpanRow[] = [];
  const flush = () => {
    store.insertSpans(batch);
    batch = [];
  };
  for (const span of yearOfSpans(SPANS)) {
    batch.push(span);
    if (batch.length === 20_000) flush();
  }
  for (const span of bigSession("ses_big", BIG, Date.UTC(2025, 11, 30))) batch.push(span);
  for (const span of bigSession("ses_small", 10, Date.UTC(2025, 11, 31))) batch.push(span);
  flush();
  store.close();
  writeFileSync(marker, String(SPANS));
  process.stdout.write(
    `built the store: ${SPANS + BIG + 10} spans in ${((performance.now() - started) / 1000).toFixed(1)} s, ${(statSync(path).size / 1e6).toFixed(0)} MB\n`,
  );
}

interface Marks {
  readonly ready: number;
  readonly painted: number;
  /** The first rows' render time (Element Timing): when they were on screen. */
  readonly onScreen: number;
  readonly started: number;
  /** CPU time of the browser's processes and of the server (this process), in ms. */
  readonly browserCpu: number;
  readonly serverCpu: number;
}

interface Cpu {
  readonly browser: number;
  readonly server: number;
}
const cpuNow = (): Cpu => ({ browser: descendantsCpuMs(), server: ownCpuMs() });

/**
 * The first rows' render time, from the Element Timing API (`elementtiming="waterfall-row"` on
 * each row's name). A string, evaluated in the page: this file is typed without the DOM's types.
 */
const ROWS_ON_SCREEN = `new Promise((done) => {
  new PerformanceObserver((list, observer) => {
    const rows = list.getEntries().filter((entry) => entry.identifier === "waterfall-row");
    if (rows.length === 0) return;
    observer.disconnect();
    done(Math.min(...rows.map((entry) => entry.renderTime || entry.loadTime)));
  }).observe({ type: "element", buffered: true });
})`;

/**
 * The page's marks, from navigation start (or from `from`, a time in the page's clock), and the
 * CPU spent since `cpu`.
 */
async function marksOf(page: Page, cpu: Cpu, from = 0): Promise<Marks> {
  await page.waitForSelector("html[data-waterfall-painted]");
  const onScreen = Number(await page.evaluate(ROWS_ON_SCREEN));
  const now = cpuNow();
  const [ready, painted, started] = await page.evaluate(() =>
    ["waterfall-ready", "waterfall-painted", "viewer-start"].map(
      (name) => performance.getEntriesByName(name).at(-1)?.startTime ?? -1,
    ),
  );
  return {
    ready: (ready ?? 0) - from,
    painted: (painted ?? 0) - from,
    onScreen: onScreen - from,
    started: started ?? 0,
    browserCpu: now.browser - cpu.browser,
    serverCpu: now.server - cpu.server,
  };
}

async function main(): Promise<number> {
  const path = join(WORK, "year.db");
  await buildStore(path);
  const loadAtStart = loadavg();
  const store = await Store.open(path);
  // Startup: the URL is there before every session is read; the read goes on between requests.
  const startStarted = performance.now();
  const viewer = await startViewer({ store, host: "127.0.0.1", port: 0 });
  const urlMs = performance.now() - startStarted;
  const auth = { authorization: `Bearer ${viewer.token}` };
  const getPage = async (query: string) => {
    const started = performance.now();
    const response = await fetch(`${viewer.origin}/api/sessions?${query}`, { headers: auth });
    const body = (await response.json()) as { total: number; loading?: number };
    return { ms: performance.now() - started, total: body.total, loading: body.loading };
  };
  const first = await getPage("");
  const firstMs = performance.now() - startStarted;
  const during: number[] = [first.ms];
  let readyMs = 0;
  for (;;) {
    const answer = await getPage("sort=cost");
    during.push(answer.ms);
    if (answer.loading === undefined) {
      readyMs = performance.now() - startStarted;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const timeGet = async (query: string) => {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < RUNS; i++) {
      const answer = await getPage(query);
      times.push(answer.ms);
      total = answer.total;
    }
    return {
      query: query || "(default: newest first)",
      ms: median(times),
      max: Math.max(...times),
      total,
    };
  };
  const queries = [
    "",
    "sort=cost",
    "sort=tokens&dir=asc",
    "sort=duration",
    "model=model-3",
    "agent=agent-1",
    "project=project-2",
    "q=00ab",
    `since=${Date.UTC(2025, 5, 1)}&until=${Date.UTC(2025, 6, 1)}&sort=cost`,
    "offset=10000&limit=50",
  ];
  const pages = [];
  for (const query of queries) pages.push(await timeGet(query));
  const baselineTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    store.report({ group: "session" });
    baselineTimes.push(performance.now() - started);
  }
  const baseline = median(baselineTimes);

  const browser = await launchChromium();
  const ids = ["ses_big", "ses_small"] as const;
  const series = () => ({ ses_big: [] as Marks[], ses_small: [] as Marks[] });
  const cold = series();
  const warm = series();
  const inApp = series();
  const blankLoads: number[] = [];
  const blankCpuTab: number[] = [];
  const blankCpuFresh: number[] = [];
  let rows = 0;
  try {
    const newContext = () => browser.newContext({ viewport: { width: 1400, height: 900 } });
    const login = async (context: BrowserContext) => {
      const page = await context.newPage();
      await page.goto(viewer.url);
      await page.close();
    };
    const shared = await newContext();
    await login(shared);
    for (let i = 0; i < RUNS; i++) {
      for (const id of ids) {
        // A first visit: a new profile, nothing cached.
        const fresh = await newContext();
        await fresh.addCookies(await shared.cookies());
        const coldPage = await fresh.newPage();
        const coldCpu = cpuNow();
        await coldPage.goto(`${viewer.origin}/session/${id}`);
        cold[id].push(await marksOf(coldPage, coldCpu));
        await fresh.close();
        // A later visit: the script and style sheet are in the browser's cache.
        const page = await shared.newPage();
        const warmCpu = cpuNow();
        await page.goto(`${viewer.origin}/session/${id}`);
        warm[id].push(await marksOf(page, warmCpu));
        if (id === "ses_big")
          rows = Number(await page.getAttribute("html", "data-waterfall-ready"));
        await page.close();
        // From the sessions list: a click, no page load (the data is fetched).
        const list = await shared.newPage();
        await list.goto(`${viewer.origin}/sessions?q=${id}`);
        const link = `a[href="/session/${id}"]`;
        await list.waitForSelector(link);
        // In the page's clock (a string: this file is typed without the DOM's types).
        const clickCpu = cpuNow();
        const clicked = Number(
          await list.evaluate(
            `(() => { const at = performance.now(); document.querySelector('${link}').click(); return at; })()`,
          ),
        );
        inApp[id].push(await marksOf(list, clickCpu, clicked));
        await list.close();
      }
      // The machine's own cost of a page: a 404 of nine bytes, to its load event.
      // In a new tab, as the later visits are, and in a new profile, as first visits are.
      for (const fresh of [false, true]) {
        const context = fresh ? await newContext() : shared;
        const blank = await context.newPage();
        const blankCpu = cpuNow();
        await blank.goto(`${viewer.origin}/nothing-here`);
        const loaded = await blank.evaluate(
          // The document's own entry is the first; Node's types do not know its "navigation" kind.
          () => performance.getEntries()[0]?.duration ?? -1,
        );
        const spent = cpuNow().browser - blankCpu.browser;
        if (fresh) blankCpuFresh.push(spent);
        else {
          blankLoads.push(loaded);
          blankCpuTab.push(spent);
        }
        await blank.close();
        if (fresh) await context.close();
      }
    }
  } finally {
    await browser.close();
    await viewer.close();
    store.close();
  }

  const worst = Math.max(...pages.map((p) => p.ms));
  const load = (values: number[]) => values.map((n) => n.toFixed(1)).join(" ");
  const med = (list: readonly Marks[], pick: (m: Marks) => number) => median(list.map(pick));
  const line = (label: string, data: ReturnType<typeof series>) => {
    const at = (id: "ses_big" | "ses_small", pick: (m: Marks) => number) =>
      ms(med(data[id], pick)).padStart(8);
    return [
      `  ${label.padEnd(44)} ${at("ses_big", (m) => m.onScreen)} ${at("ses_small", (m) => m.onScreen)}`,
      `    ${"frame committed (timer after it)".padEnd(42)} ${at("ses_big", (m) => m.painted)} ${at("ses_small", (m) => m.painted)}`,
      `    ${"CPU: the browser's processes".padEnd(42)} ${at("ses_big", (m) => m.browserCpu)} ${at("ses_small", (m) => m.browserCpu)}`,
      `    ${"CPU: the server".padEnd(42)} ${at("ses_big", (m) => m.serverCpu)} ${at("ses_small", (m) => m.serverCpu)}`,
    ];
  };
  const own = (data: ReturnType<typeof series>, id: "ses_big" | "ses_small") =>
    ms(med(data[id], (m) => m.onScreen - m.started));
  const lines = [
    `machine: ${cpus().length} cores, load average ${load(loadAtStart)} at the start, ${load(loadavg())} at the end (browser timings grow with it; compare the two sessions)`,
    `store: ${SPANS + BIG + 10} spans, ${(statSync(path).size / 1e6).toFixed(0)} MB`,
    "",
    "viewer start:",
    `  URL printed after ${ms(urlMs)}; first sessions answer ${ms(first.ms)} (${ms(firstMs)} after start, ${first.total} sessions listed, ${Math.round((first.loading ?? 1) * 100)}% read)`,
    `  every session read after ${ms(readyMs)}; sessions answers meanwhile: median ${ms(median(during))}, max ${ms(Math.max(...during))} (${during.length} requests)`,
    "",
    `sessions page API over HTTP, median of ${RUNS} (max):`,
    ...pages.map(
      (p) => `  ${p.query.padEnd(52)} ${ms(p.ms).padStart(8)} (${ms(p.max)})  ${p.total} sessions`,
    ),
    `  baseline: every session summed in SQL (report --by session): ${ms(baseline)}; slowest page ${(worst / baseline).toFixed(3)}× of it`,
    "",
    `waterfall in Chromium, to the first rows on screen (Element Timing), median of ${RUNS}:`,
    `  ${"".padEnd(44)} ${`${rows} spans`.padStart(8)} ${"10 spans".padStart(8)}`,
    ...line("deep link, first visit (nothing cached)", cold),
    ...line("deep link, later visit (script cached)", warm),
    ...line("click in the sessions list (no page load)", inApp),
    `  a plain-text page to its load event, for scale: ${ms(median(blankLoads))}; the browser's CPU for it: ${ms(median(blankCpuTab))} in a new tab, ${ms(median(blankCpuFresh))} in a new profile`,
    `  of the later visit, from the viewer's script starting to rows on screen: ${own(warm, "ses_big")} and ${own(warm, "ses_small")}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const deep = med(cold.ses_big, (m) => m.onScreen);
  const broken = [
    ...(worst > SESSIONS_BUDGET_MS
      ? [`sessions page ${ms(worst)} > ${SESSIONS_BUDGET_MS} ms`]
      : []),
    ...(deep > RENDER_BUDGET_MS
      ? [`2,000-span render on a first visit ${ms(deep)} > ${RENDER_BUDGET_MS} ms`]
      : []),
  ];
  if (broken.length) process.stderr.write(`budget broken: ${broken.join("; ")}\n`);
  return broken.length ? 1 : 0;
}

process.exitCode = await main();
