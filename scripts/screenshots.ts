/**
 * `npm run screenshots`: the README's pictures of the viewer, taken by headless Chromium from a
 * real `opencode-otel ui` server. Sessions, a session's waterfall and the live feed show the
 * captured opencode sessions (test/fixtures, replayed through the plugin's local exporter); the
 * usage page shows a generated year of use (test/support/year-of-spans.ts), since the captures
 * all ran within minutes; the live page shows one capture written again, moved to now, while it
 * is open. Writes docs/screenshots/*.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startViewer } from "../src/cli/ui/server.js";
import { Store } from "../src/store/index.js";
import type { SpanRow } from "../src/store/types.js";
import { launchChromium } from "../test/support/browser.js";
import { fillStore } from "../test/support/store-fill.js";
import { yearOfSpans } from "../test/support/year-of-spans.js";

const ROOT = resolve(import.meta.dir, "..");
const OUT = join(ROOT, "docs", "screenshots");
const dir = mkdtempSync(join(tmpdir(), "opencode-otel-screenshots-"));

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const captured = join(dir, "captured.db");
  await fillStore(captured);
  const generated = join(dir, "generated.db");
  const year = await Store.open(generated);
  let batch: SpanRow[] = [];
  for (const span of yearOfSpans(60_000)) {
    batch.push(span);
    if (batch.length === 10_000) {
      year.insertSpans(batch);
      batch = [];
    }
  }
  year.insertSpans(batch);

  const store = await Store.open(captured);
  const viewer = await startViewer({ store, host: "127.0.0.1", port: 0 });
  const yearViewer = await startViewer({ store: year, host: "127.0.0.1", port: 0 });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({
      viewport: { width: 1440, height: 860 },
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    // Wide enough for every column of the sessions table, lines and commits included.
    await page.setViewportSize({ width: 1920, height: 860 });
    await page.goto(viewer.url);
    await page.waitForSelector("[data-session-row]");
    await page.screenshot({ path: join(OUT, "sessions.png") });
    await page.setViewportSize({ width: 1440, height: 860 });

    const index = store.sessionIndex();
    index.load();
    const parent = index.page({}).rows.find((row) => row.parentSessionId)?.parentSessionId;
    await page.goto(`${viewer.origin}/session/${parent}`);
    await page.waitForSelector(".wf-row");
    await page.click(".wf-row[data-category=tool] .wf-name");
    await page.waitForSelector("[data-testid=span-details] .attributes");
    await page.screenshot({ path: join(OUT, "session.png") });

    // The live page shows what ran in the last 15 minutes: one captured session again, moved to
    // now under a new id, is written while the page is open.
    await page.goto(`${viewer.origin}/live`);
    await page.waitForSelector("[data-testid=live-feed] tbody tr");
    const [sample] = index.page({ sort: "turns", limit: 1 }).rows;
    const trace = store.trace(
      store.sessions().find((s) => s.sessionId === sample?.sessionId)?.traceId ?? "",
    );
    let end = 0n;
    for (const span of trace) if (span.endNs > end) end = span.endNs;
    const shift = BigInt(Date.now()) * 1_000_000n - end;
    const rename = (value: unknown) =>
      value === sample?.sessionId ? "ses_now0000000000000000000000" : value;
    store.insertSpans(
      trace.map((span) => ({
        ...span,
        traceId: `f${span.traceId.slice(1)}`,
        startNs: span.startNs + shift,
        endNs: span.endNs + shift,
        attributes: Object.fromEntries(
          Object.entries(span.attributes).map(([key, value]) => [key, rename(value)]),
        ),
      })),
    );
    await page.waitForSelector("[data-testid=active-sessions] .card");
    await page.waitForTimeout(2500);
    await page.screenshot({ path: join(OUT, "live.png") });

    const usage = await context.newPage();
    await usage.goto(yearViewer.url.replace("/?", "/usage?"));
    await usage.waitForSelector("[data-testid=chart-cost] canvas");
    await usage.waitForTimeout(300);
    await usage.screenshot({ path: join(OUT, "usage.png"), fullPage: true });
    process.stdout.write(`screenshots: wrote sessions, session, live and usage.png to ${OUT}\n`);
  } finally {
    await browser.close();
    await viewer.close();
    await yearViewer.close();
    store.close();
    year.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
