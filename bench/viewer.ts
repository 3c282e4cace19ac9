/**
 * `npm run bench:viewer`: the viewer on a year of heavy use. Builds (once, kept in
 * .tmp/bench-viewer) a 1,000,000-span store with test/store-perf's generator plus one session of
 * 2,000 spans, starts the real viewer server, then measures:
 * - the sessions page's API over HTTP (default page, every sort, every filter, a deep page),
 *   against the baseline of the same store summing every session in SQL (`report --by session`);
 * - in headless Chromium, from navigation to the waterfall's rows on screen, for the 2,000-span
 *   session against a 10-span one.
 * Prints the figures and exits 1 when a budget is broken (sessions page 500 ms, render 1 s).
 *
 * Flags: --spans N (default 1,000,000), --fresh (rebuild the store), --runs N (default 7).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { startViewer } from "../src/cli/ui/server.js";
import { Store } from "../src/store/index.js";
import type { SpanRow } from "../src/store/types.js";
import { launchChromium } from "../test/support/browser.js";
import { yearOfSpans } from "../test/support/year-of-spans.js";

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

async function main(): Promise<number> {
  const path = join(WORK, "year.db");
  await buildStore(path);
  const store = await Store.open(path);
  const loadStarted = performance.now();
  const viewer = await startViewer({ store, host: "127.0.0.1", port: 0 });
  const loadMs = performance.now() - loadStarted;
  const auth = { authorization: `Bearer ${viewer.token}` };

  const timeGet = async (query: string) => {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const response = await fetch(`${viewer.origin}/api/sessions?${query}`, { headers: auth });
      const body = (await response.json()) as { total: number };
      times.push(performance.now() - started);
      total = body.total;
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
  const renders: Record<string, number[]> = { ses_big: [], ses_small: [] };
  const renderOnly: Record<string, number[]> = { ses_big: [], ses_small: [] };
  const blankLoads: number[] = [];
  let rows = 0;
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await (await context.newPage()).goto(viewer.url);
    for (let i = 0; i < RUNS; i++) {
      for (const id of ["ses_big", "ses_small"]) {
        const page = await context.newPage();
        await page.goto(`${viewer.origin}/session/${id}`);
        await page.waitForSelector("html[data-waterfall-ready]");
        // From navigation, and from the viewer's script starting (the page load left out).
        const [ready, started] = await page.evaluate(() => [
          performance.getEntriesByName("waterfall-ready")[0]?.startTime ?? -1,
          performance.getEntriesByName("viewer-start")[0]?.startTime ?? -1,
        ]);
        renderOnly[id]?.push((ready ?? 0) - (started ?? 0));
        if (id === "ses_big")
          rows = Number(await page.getAttribute("html", "data-waterfall-ready"));
        renders[id]?.push(ready);
        await page.close();
      }
      // The machine's own cost of a page: a 404 of nine bytes, to its load event.
      const blank = await context.newPage();
      await blank.goto(`${viewer.origin}/nothing-here`);
      blankLoads.push(
        await blank.evaluate(
          // The document's own entry is the first; Node's types do not know its "navigation" kind.
          () => performance.getEntries()[0]?.duration ?? -1,
        ),
      );
      await blank.close();
    }
  } finally {
    await browser.close();
    await viewer.close();
    store.close();
  }

  const worst = Math.max(...pages.map((p) => p.ms));
  const big = median(renders.ses_big ?? []);
  const small = median(renders.ses_small ?? []);
  const lines = [
    `machine: load average ${loadavg()
      .map((n) => n.toFixed(1))
      .join(" ")} (browser timings grow with it; compare the two sessions)`,
    `store: ${SPANS + BIG + 10} spans, ${(statSync(path).size / 1e6).toFixed(0)} MB; viewer start (every session read into memory): ${ms(loadMs)}`,
    "",
    `sessions page API over HTTP, median of ${RUNS} (max):`,
    ...pages.map(
      (p) => `  ${p.query.padEnd(52)} ${ms(p.ms).padStart(8)} (${ms(p.max)})  ${p.total} sessions`,
    ),
    `  baseline: every session summed in SQL (report --by session): ${ms(baseline)}; slowest page ${(worst / baseline).toFixed(3)}× of it`,
    "",
    `waterfall in Chromium, navigation to rows on screen, median of ${RUNS}:`,
    `  ${rows}-span session: ${ms(big)}; 10-span session: ${ms(small)} (${(big / small).toFixed(2)}×)`,
    `  a plain-text page to its load event, for scale: ${ms(median(blankLoads))}`,
    `  of which from the viewer's script starting (data fetched, tree built, rows drawn): ${ms(median(renderOnly.ses_big ?? []))} and ${ms(median(renderOnly.ses_small ?? []))}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const broken = [
    ...(worst > SESSIONS_BUDGET_MS
      ? [`sessions page ${ms(worst)} > ${SESSIONS_BUDGET_MS} ms`]
      : []),
    ...(big > RENDER_BUDGET_MS ? [`2,000-span render ${ms(big)} > ${RENDER_BUDGET_MS} ms`] : []),
  ];
  if (broken.length) process.stderr.write(`budget broken: ${broken.join("; ")}\n`);
  return broken.length ? 1 : 0;
}

process.exitCode = await main();
